// sio-peer: the pipeline side of the interop tests. Runs a gst-launch description that contains a
// socketiosignaller and reports what happens as JSON lines on stdout, one object per line, each
// with "t_ms" (milliseconds since start):
//   {"event":"playing"}                                  the pipeline reached PLAYING
//   {"event":"connected","local_id":"..."}               the element's local-id became known
//   {"event":"peers-changed","peers":["..."]}
//   {"event":"call-started","peer":"..."}
//   {"event":"call-ended","peer":"...","reason":"..."}
//   {"event":"caps","element":"vcount","caps":"..."}    caps reaching a counter (once per change)
//   {"event":"first-buffer","element":"vcount"}
//   {"event":"stats","video_frames":N,"audio_buffers":N}  every --stats-interval-ms (default 500)
//   {"event":"warning"|"error","message":"...","debug":"..."}   bus warnings and errors
//   {"event":"exit","code":N}
// Counters: buffers reaching the sink pad of the elements named `vcount` (video frames) and
// `acount` (audio buffers), e.g. `sig.video_0 ! decodebin ! fakesink name=vcount`. The element
// named `sig` is the socketiosignaller whose signals are reported.
//
// Exit: 0 after --duration seconds, SIGTERM/SIGINT or EOS (on a stop it sends EOS first and waits
// up to 3 s for it, so muxers finalise files); 1 on a bus error or a description that does not
// parse; 2 on bad usage.
//
//   sio-peer [--duration=S] [--stats-interval-ms=N] [--parse-only] [-e] DESCRIPTION...
// DESCRIPTION is either one argument holding the whole description, or several arguments that are
// joined as gst-launch-1.0 joins them (so a gst-launch line works unchanged: GST_LAUNCH=sio-peer).
// --parse-only builds the pipeline and exits (0: it parses, every element and property exists).
// -e is accepted and ignored (gst-launch's --eos-on-shutdown: sio-peer always does that).
#include <glib-unix.h>
#include <gst/gst.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr guint kEosWaitMs = 3000;

gint64 start_us = 0;
std::mutex output_mutex;  // signals arrive on the element's threads, probes on streaming threads

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_string(const char* text) { return json_string(std::string_view(text ? text : "")); }

// `fields` is the rest of the object: `,"key":value...` (already JSON).
void emit(const char* event, const std::string& fields = {}) {
  const gint64 t_ms = (g_get_monotonic_time() - start_us) / 1000;
  std::lock_guard lock(output_mutex);
  std::printf("{\"event\":%s,\"t_ms\":%" G_GINT64_FORMAT "%s}\n", json_string(event).c_str(), t_ms,
              fields.c_str());
  std::fflush(stdout);
}

struct Counter {
  const char* name;
  std::atomic<guint64> buffers{0};
  std::atomic<bool> seen_first{false};
};

struct Peer {
  GstElement* pipeline = nullptr;
  GMainLoop* loop = nullptr;
  Counter video{"vcount"};
  Counter audio{"acount"};
  bool stopping = false;
  int exit_code = 0;
  guint eos_timeout_id = 0;
  guint duration_timer_id = 0;
};

GstPadProbeReturn count_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* counter = static_cast<Counter*>(data);
  guint64 n = 0;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    n = 1;
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    n = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
      GstCaps* caps = nullptr;  // transfer none
      gst_event_parse_caps(event, &caps);
      g_autofree gchar* text = gst_caps_to_string(caps);
      emit("caps", ",\"element\":" + json_string(counter->name) + ",\"caps\":" + json_string(text));
    }
    return GST_PAD_PROBE_OK;
  }
  if (n > 0) {
    counter->buffers += n;
    if (!counter->seen_first.exchange(true)) {
      emit("first-buffer", ",\"element\":" + json_string(counter->name));
    }
  }
  return GST_PAD_PROBE_OK;
}

void attach_counter(GstElement* pipeline, Counter& counter) {
  g_autoptr(GstElement) element = gst_bin_get_by_name(GST_BIN(pipeline), counter.name);
  if (!element) return;
  g_autoptr(GstPad) pad = gst_element_get_static_pad(element, "sink");
  if (pad) {
    gst_pad_add_probe(pad,
                      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER |
                                                   GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                                   GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      count_probe, &counter, nullptr);
  } else {
    emit("warning", ",\"message\":" + json_string(std::string(counter.name) + " has no sink pad"));
  }
}

void emit_stats(Peer& peer) {
  emit("stats", ",\"video_frames\":" + std::to_string(peer.video.buffers.load()) +
                    ",\"audio_buffers\":" + std::to_string(peer.audio.buffers.load()));
}

// --- socketiosignaller signals (any thread)

void on_local_id(GObject* object, GParamSpec*, gpointer) {
  g_autofree gchar* id = nullptr;
  g_object_get(object, "local-id", &id, nullptr);
  if (id && *id) emit("connected", ",\"local_id\":" + json_string(id));
}

void on_call_started(GstElement*, const gchar* peer, gpointer) {
  emit("call-started", ",\"peer\":" + json_string(peer));
}

void on_call_ended(GstElement*, const gchar* peer, const gchar* reason, gpointer) {
  emit("call-ended", ",\"peer\":" + json_string(peer) + ",\"reason\":" + json_string(reason));
}

void on_peers_changed(GstElement*, gchar** peers, gpointer) {
  std::string list = "[";
  for (gchar** p = peers; p && *p; ++p) {
    if (p != peers) list += ",";
    list += json_string(*p);
  }
  emit("peers-changed", ",\"peers\":" + list + "]");
}

// Connects `handler` if the element has the signal; a missing one is reported, not fatal, so the
// harness also runs while the element is incomplete (the test then fails on the missing event).
void connect_if_present(GstElement* element, const char* signal, GCallback handler) {
  if (g_signal_lookup(signal, G_OBJECT_TYPE(element)) == 0) {
    emit("warning", ",\"message\":" + json_string(std::string("sig has no signal ") + signal));
    return;
  }
  g_signal_connect(element, signal, handler, nullptr);
}

void attach_signaller(GstElement* pipeline) {
  g_autoptr(GstElement) sig = gst_bin_get_by_name(GST_BIN(pipeline), "sig");
  if (!sig) return;
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(sig), "local-id")) {
    g_signal_connect(sig, "notify::local-id", G_CALLBACK(on_local_id), nullptr);
  }
  connect_if_present(sig, "call-started", G_CALLBACK(on_call_started));
  connect_if_present(sig, "call-ended", G_CALLBACK(on_call_ended));
  connect_if_present(sig, "peers-changed", G_CALLBACK(on_peers_changed));
}

// --- main loop side

void finish(Peer& peer, int code) {
  peer.exit_code = code;
  g_main_loop_quit(peer.loop);
}

gboolean on_eos_timeout(gpointer data) {
  auto& peer = *static_cast<Peer*>(data);
  peer.eos_timeout_id = 0;
  emit("warning", ",\"message\":\"EOS did not arrive in time; stopping anyway\"");
  finish(peer, 0);
  return G_SOURCE_REMOVE;
}

// Sends EOS so that muxers finalise; quits when it comes out (on_bus) or after kEosWaitMs.
void stop(Peer& peer) {
  if (peer.stopping) return;
  peer.stopping = true;
  gst_element_send_event(peer.pipeline, gst_event_new_eos());
  peer.eos_timeout_id = g_timeout_add(kEosWaitMs, on_eos_timeout, &peer);
}

gboolean on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto& peer = *static_cast<Peer*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      g_autoptr(GError) error = nullptr;
      g_autofree gchar* debug = nullptr;
      const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
      if (is_error) {
        gst_message_parse_error(message, &error, &debug);
      } else {
        gst_message_parse_warning(message, &error, &debug);
      }
      g_autofree gchar* source = gst_object_get_path_string(GST_MESSAGE_SRC(message));
      emit(is_error ? "error" : "warning",
           ",\"message\":" + json_string(error ? error->message : "") + ",\"debug\":" +
               json_string(debug) + ",\"source\":" + json_string(source));
      if (is_error) finish(peer, 1);
      break;
    }
    case GST_MESSAGE_EOS:
      emit("eos");
      finish(peer, 0);
      break;
    case GST_MESSAGE_STATE_CHANGED:
      if (GST_MESSAGE_SRC(message) == GST_OBJECT(peer.pipeline)) {
        GstState old_state, new_state;
        gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
        if (new_state == GST_STATE_PLAYING && old_state != GST_STATE_PLAYING) emit("playing");
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_stats_timer(gpointer data) {
  emit_stats(*static_cast<Peer*>(data));
  return G_SOURCE_CONTINUE;
}

gboolean on_duration(gpointer data) {
  auto& peer = *static_cast<Peer*>(data);
  peer.duration_timer_id = 0;
  stop(peer);
  return G_SOURCE_REMOVE;
}

gboolean on_signal(gpointer data) {
  stop(*static_cast<Peer*>(data));
  return G_SOURCE_CONTINUE;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "sio-peer: %s\nusage: sio-peer [--duration=SECONDS] [--stats-interval-ms=N] "
               "[--parse-only] [-e] DESCRIPTION...\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  start_us = g_get_monotonic_time();
  gst_init(&argc, &argv);  // takes the --gst-* options out of argv

  double duration_s = 0;
  long stats_interval_ms = 500;
  bool parse_only = false;
  std::vector<gchar*> words;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!words.empty() || arg.empty() || arg[0] != '-') {
      words.push_back(argv[i]);
    } else if (arg.rfind("--duration=", 0) == 0) {
      duration_s = g_ascii_strtod(argv[i] + std::strlen("--duration="), nullptr);
      if (duration_s <= 0) return usage("--duration needs a positive number of seconds");
    } else if (arg.rfind("--stats-interval-ms=", 0) == 0) {
      stats_interval_ms = std::strtol(argv[i] + std::strlen("--stats-interval-ms="), nullptr, 10);
      if (stats_interval_ms <= 0) return usage("--stats-interval-ms needs a positive number");
    } else if (arg == "--parse-only") {
      parse_only = true;
    } else if (arg == "-e" || arg == "--eos-on-shutdown") {
      // gst-launch compatibility: sio-peer always sends EOS on shutdown.
    } else {
      return usage(("unknown option " + std::string(arg)).c_str());
    }
  }
  if (words.empty()) return usage("no pipeline description");

  g_autoptr(GError) error = nullptr;
  g_autoptr(GstElement) pipeline = nullptr;
  // Fatal errors: an unknown property or a link that cannot be made fails here, not later.
  if (words.size() == 1) {
    pipeline = gst_parse_launch_full(words[0], nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  } else {
    words.push_back(nullptr);
    pipeline = gst_parse_launchv_full(const_cast<const gchar**>(words.data()), nullptr,
                                      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  }
  if (!pipeline || error) {
    emit("error", ",\"message\":" + json_string(error ? error->message : "no pipeline") +
                      ",\"debug\":\"gst_parse_launch failed\"");
    emit("exit", ",\"code\":1");
    return 1;
  }
  if (parse_only) {
    emit("parsed");
    emit("exit", ",\"code\":0");
    return 0;
  }
  // A single element (no `!`) comes back unwrapped; the counters and `sig` are looked up in a bin.
  if (!GST_IS_PIPELINE(pipeline)) {
    GstElement* wrapper = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(wrapper), static_cast<GstElement*>(g_steal_pointer(&pipeline)));
    pipeline = static_cast<GstElement*>(gst_object_ref_sink(wrapper));
  }

  Peer peer;
  peer.pipeline = pipeline;
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  peer.loop = loop;
  attach_counter(pipeline, peer.video);
  attach_counter(pipeline, peer.audio);
  attach_signaller(pipeline);

  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  const guint bus_watch = gst_bus_add_watch(bus, on_bus, &peer);
  const guint stats_timer = g_timeout_add(static_cast<guint>(stats_interval_ms), on_stats_timer, &peer);
  const guint term_watch = g_unix_signal_add(SIGTERM, on_signal, &peer);
  const guint int_watch = g_unix_signal_add(SIGINT, on_signal, &peer);
  if (duration_s > 0) {
    peer.duration_timer_id = g_timeout_add(static_cast<guint>(duration_s * 1000), on_duration, &peer);
  }

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    // The element's error message, if it posted one, is on the bus: report that one.
    g_autoptr(GstMessage) message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (message) {
      on_bus(bus, message, &peer);
    } else {
      emit("error", ",\"message\":\"could not set the pipeline to PLAYING\",\"debug\":\"\"");
    }
    peer.exit_code = 1;
  } else {
    g_main_loop_run(loop);
  }

  emit_stats(peer);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (peer.duration_timer_id) g_source_remove(peer.duration_timer_id);
  if (peer.eos_timeout_id) g_source_remove(peer.eos_timeout_id);
  g_source_remove(int_watch);
  g_source_remove(term_watch);
  // Stopping already (EOS, the duration, a signal): a SIGTERM from now on, as a test sends one
  // after seeing "eos", must not kill the process now that GLib's handler is gone (GLib puts the
  // default action back): "decode-file: killed by SIGTERM", seen once in about 30 runs.
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  g_source_remove(stats_timer);
  g_source_remove(bus_watch);
  emit("exit", ",\"code\":" + std::to_string(peer.exit_code));
  return peer.exit_code;
}
