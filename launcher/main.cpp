// sio-webrtc: camera -> encoder -> call in one command. Builds the sending branches planned by
// send_branches.cpp, a socketiosignaller (linked in, registered statically), the receiving side
// (receive_sinks.cpp) and, unless --server is given, the signalling server in-process
// (embedded_server.cpp: the same library as sio-signalling). Reports the call on stdout
// (call_monitor.cpp) and stops with EOS on --duration, SIGINT or SIGTERM so files are finalised.
#include <glib-unix.h>
#include <gst/gst.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "call_monitor.hpp"
#include "embedded_server.hpp"
#include "gobject_ptr.hpp"
#include "json.hpp"
#include "log.hpp"
#include "media_counters.hpp"
#include "metrics_endpoint.hpp"
#include "options.hpp"
#include "plugins.hpp"
#include "mix_sinks.hpp"
#include "receive_sinks.hpp"
#include "send_branches.hpp"
#include "socketiosignaller.hpp"
#include "sd_notify.hpp"
#include "versions.hpp"

#ifndef SIO_VERSION
#define SIO_VERSION "0.1.0"
#endif

GST_DEBUG_CATEGORY_STATIC(sio_webrtc_debug);
#define GST_CAT_DEFAULT sio_webrtc_debug

namespace {

using namespace sio::launcher;
namespace glib = sio::glib;

constexpr guint kEosWaitMs = 5000;
// Pages connected to the embedded server get this long to collect their close at exit.
constexpr uint32_t kServerGraceMs = 1500;

gboolean register_elements(GstPlugin* plugin) { return GST_ELEMENT_REGISTER(socketiosignaller, plugin); }

// The element is linked into this binary, so sio-webrtc runs without GST_PLUGIN_PATH. When an
// installed or GST_PLUGIN_PATH copy of the plugin is also visible, ours replaces its factory.
void register_static_plugin() {
  gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "socketio",
                             "Calls and answers WebRTC peers through a Socket.IO signalling server",
                             register_elements, SIO_VERSION, "MIT", "gst-socketio-webrtc", "gst-socketio-webrtc",
                             SIO_PACKAGE_ORIGIN);
}

int fail_usage(const std::string& message) {
  std::fprintf(stderr, "sio-webrtc: %s\n", message.c_str());
  return 2;
}

// Elements of the call itself: socketiosignaller is linked in; its webrtcbin and what that plugs.
std::vector<NeededElement> call_elements() {
  const std::string why = "the WebRTC call";
  std::vector<NeededElement> needed;
  for (const char* f : {"webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec",
                        "srtpenc", "srtpdec", "rtpbin"})
    needed.push_back({f, why});
  return needed;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string quote_value(const std::string& value) {
  if (value.find_first_of(" \t\"'!,;=") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct Launch {
  LaunchOptions options;
  SendPlan plan;
  SinkKind sink_kind = SinkKind::Fake;
  std::string server_url;
  bool self_signed_server = false;

  GstElement* pipeline = nullptr;  // owned
  GstElement* signaller = nullptr; // owned by the pipeline
  GMainLoop* loop = nullptr;
  MediaCounters counters;
  std::unique_ptr<CallMonitor> monitor;
  std::unique_ptr<ReceiveSinks> receiver;
  std::unique_ptr<MixSinks> mix;  // instead of `receiver` when several calls are taken at once
  bool stopping = false;
  int exit_code = 0;
  guint eos_timeout_id = 0;
  guint duration_timer_id = 0;
};

// socketiosignaller's properties for this launch, as (name, value) text: set on the element and
// printed by --dry-run from the same list.
std::vector<std::pair<std::string, std::string>> signaller_properties(const Launch& launch) {
  const LaunchOptions& o = launch.options;
  std::vector<std::pair<std::string, std::string>> props = {
      {"server-url", launch.server_url},
      {"dialect", o.dialect == Dialect::SimplePeer ? "simple-peer" : "classic"},
  };
  if (!o.call.empty()) props.emplace_back("peer-id", o.call);
  if (max_calls(o) != 1) props.emplace_back("max-calls", std::to_string(max_calls(o)));
  if (!o.reconnect) props.emplace_back("reconnect", "false");
  if (!o.auth_token.empty()) {
    props.emplace_back("auth", sio::json::serialize(sio::json::Object{{"token", sio::json::Value(o.auth_token)}}));
  }
  if (!o.stun.empty()) props.emplace_back("stun-server", o.stun);
  if (!o.turn.empty()) props.emplace_back("turn-server", join(o.turn, ","));
  if (!o.turn_secret.empty()) props.emplace_back("turn-secret", o.turn_secret);
  if (o.relay_only) props.emplace_back("ice-transport-policy", "relay");
  if (o.connect_timeout_s != 15) {
    props.emplace_back("connect-timeout", std::to_string(static_cast<guint>(o.connect_timeout_s * 1000)));
  }
  if (o.latency_ms != kDefaultLatencyMs) props.emplace_back("latency", std::to_string(o.latency_ms));
  if (o.latency_max_ms != kDefaultLatencyMaxMs) props.emplace_back("latency-max", std::to_string(o.latency_max_ms));
  if (o.fec_percentage != 0) props.emplace_back("fec-percentage", std::to_string(o.fec_percentage));
  if (!o.ice_addresses.empty()) props.emplace_back("local-addresses", join(o.ice_addresses, ","));
  if (o.insecure || launch.self_signed_server) props.emplace_back("tls-validation", "false");
  return props;
}

void set_signaller_properties(Launch& launch) {
  for (const auto& [name, value] : signaller_properties(launch))
    gst_util_set_object_arg(G_OBJECT(launch.signaller), name.c_str(), value.c_str());
}

// The pipeline as one gst-launch-1.0 line (for --dry-run and the docs; the receiving side is
// built when the peer's streams appear, so it is not part of it).
std::string describe_pipeline(const Launch& launch) {
  std::string line = "socketiosignaller name=sig";
  for (const auto& [name, value] : signaller_properties(launch)) line += " " + name + "=" + quote_value(value);
  for (const auto* branch : {&launch.plan.video, &launch.plan.audio})
    if (*branch) line += "  " + (*branch)->description + " ! sig.";
  return line;
}

// Parses one sending branch into a bin and links it to a new sink pad of the signaller.
bool add_send_branch(Launch& launch, const SendBranch& branch, bool video, std::string& error) {
  GError* raw = nullptr;
  GstElement* bin = gst_parse_bin_from_description(branch.description.c_str(), TRUE, &raw);
  glib::GErrorPtr parse_error(raw);
  if (!bin) {
    error = "cannot build \"" + branch.description + "\": " + (parse_error ? parse_error->message : "?");
    return false;
  }
  gst_object_set_name(GST_OBJECT(bin), video ? "send_video" : "send_audio");
  gst_bin_add(GST_BIN(launch.pipeline), bin);
  if (!gst_element_link(bin, launch.signaller)) {
    error = std::string("cannot link the ") + (video ? "video" : "audio") + " branch to socketiosignaller";
    return false;
  }
  if (video) {
    glib::GObjectPtr<GstElement> pay(gst_bin_get_by_name(GST_BIN(bin), "video_pay"));
    if (pay) {
      glib::GObjectPtr<GstPad> pad(gst_element_get_static_pad(pay.get(), "sink"));
      count_buffers_on(pad.get(), launch.counters.sent_video_frames, &launch.counters.in_call);
      count_keyframe_requests_on(pad.get(), launch.counters.keyframe_requests);
    }
    // --stamp: the test pattern's frames get the send time before the encoder's queue.
    if (glib::GObjectPtr<GstElement> stamp(gst_bin_get_by_name(GST_BIN(bin), "stamp")); stamp) {
      glib::GObjectPtr<GstPad> pad(gst_element_get_static_pad(stamp.get(), "src"));
      stamp_frames_on(pad.get());
    }
  }
  return true;
}

void finish(Launch& launch, int code) {
  if (code > launch.exit_code) launch.exit_code = code;
  g_main_loop_quit(launch.loop);
}

gboolean on_eos_timeout(gpointer data) {
  auto& launch = *static_cast<Launch*>(data);
  launch.eos_timeout_id = 0;
  std::fprintf(stderr, "sio-webrtc: EOS did not come through within %u ms; stopping anyway\n", kEosWaitMs);
  finish(launch, 0);
  return G_SOURCE_REMOVE;
}

// EOS first, so a recording is finalised (index, duration); quits when it comes out the sinks.
void stop(Launch& launch) {
  if (launch.stopping) return;
  launch.stopping = true;
  sio::signalling::notify_service_manager("STOPPING=1");
  GST_INFO("stopping: EOS through the pipeline");
  if (launch.receiver) launch.receiver->finish_recording("stopping");
  if (launch.mix) launch.mix->finish("stopping", kEosWaitMs * 3 / 5);
  gst_element_send_event(launch.pipeline, gst_event_new_eos());
  launch.eos_timeout_id = g_timeout_add(kEosWaitMs, on_eos_timeout, &launch);
}

// The first Ctrl-C stops cleanly (EOS); a second one while that runs stops at once.
gboolean on_stop_signal(gpointer data) {
  auto& launch = *static_cast<Launch*>(data);
  if (launch.stopping) {
    std::fprintf(stderr, "sio-webrtc: stopping now, without waiting for EOS\n");
    finish(launch, 130);
  } else {
    stop(launch);
  }
  return G_SOURCE_CONTINUE;
}

gboolean on_duration(gpointer data) {
  auto& launch = *static_cast<Launch*>(data);
  launch.duration_timer_id = 0;
  stop(launch);
  return G_SOURCE_REMOVE;
}

// Encoders of `kind` ("Video"/"Audio") running in the pipeline: one per stream sent, however many
// calls take it.
uint64_t count_encoders(GstElement* pipeline, const char* kind) {
  const std::string wanted = std::string("Encoder/") + kind;
  uint64_t n = 0;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElementFactory* factory = gst_element_get_factory(GST_ELEMENT(g_value_get_object(&item)));
    const char* klass = factory ? gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS) : nullptr;
    if (klass && std::strstr(klass, wanted.c_str())) ++n;
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return n;
}

gboolean on_status_timer(gpointer data) {
  auto& launch = *static_cast<Launch*>(data);
  launch.counters.video_encoders = count_encoders(launch.pipeline, "Video");
  launch.counters.audio_encoders = count_encoders(launch.pipeline, "Audio");
  launch.monitor->request_status();
  return G_SOURCE_CONTINUE;
}

gboolean on_bus(GstBus*, GstMessage* message, gpointer data) {
  auto& launch = *static_cast<Launch*>(data);
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      GError* raw = nullptr;
      gchar* raw_debug = nullptr;
      const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
      if (is_error) {
        gst_message_parse_error(message, &raw, &raw_debug);
      } else {
        gst_message_parse_warning(message, &raw, &raw_debug);
      }
      glib::GErrorPtr error(raw);
      glib::GCharPtr debug(raw_debug);
      // GST_ELEMENT_ERROR's debug text starts "file(line): function (): /element/path:\n"; the
      // user needs what follows (the URL, the reason), the full text goes to the debug log.
      const char* detail = debug ? std::strchr(debug.get(), '\n') : nullptr;
      detail = detail ? detail + 1 : debug.get();
      GST_INFO_OBJECT(GST_MESSAGE_SRC(message), "%s: %s", error ? error->message : "?", debug ? debug.get() : "");
      if (detail && *detail) {
        std::fprintf(stderr, "sio-webrtc: %s: %s: %s\n", is_error ? "error" : "warning", error ? error->message : "?",
                     detail);
      } else {
        std::fprintf(stderr, "sio-webrtc: %s: %s\n", is_error ? "error" : "warning", error ? error->message : "?");
      }
      // An error still ends with EOS through the pipeline, so a recording is finalised.
      if (is_error) {
        launch.exit_code = 1;
        if (g_main_loop_is_running(launch.loop)) stop(launch);
      }
      break;
    }
    case GST_MESSAGE_EOS:
      finish(launch, 0);
      break;
    case GST_MESSAGE_LATENCY:
      // An element's latency changed (a call's jitter buffer raised for a long path, a call's
      // decoders added): the sinks wait for the new total, as gst-launch-1.0 has them do.
      gst_bin_recalculate_latency(GST_BIN(launch.pipeline));
      break;
    case GST_MESSAGE_ELEMENT:
      if (GST_MESSAGE_SRC(message) == GST_OBJECT(launch.signaller))
        launch.monitor->on_element_message(gst_message_get_structure(message));
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

int run(LaunchOptions options) {
  Launch launch;
  launch.options = std::move(options);
  const LaunchOptions& o = launch.options;

  // Missing pieces (device, plugins) are usage errors: exit 2 before anything starts.
  if (sends(o)) {
    launch.plan = plan_send(o, probe_environment(o));
    if (!launch.plan.error.empty()) return fail_usage(launch.plan.error);
  }
  launch.sink_kind = resolve_sink(o);
  std::vector<NeededElement> needed = call_elements();
  for (const auto* branch : {&launch.plan.video, &launch.plan.audio})
    if (*branch) needed.insert(needed.end(), (*branch)->elements.begin(), (*branch)->elements.end());
  if (receives(o)) {
    auto more = max_calls(o) != 1 ? mix_elements(launch.sink_kind) : receive_elements(launch.sink_kind);
    needed.insert(needed.end(), more.begin(), more.end());
  }
  if (auto missing = find_missing(needed)) return fail_usage(describe_missing(*missing));

  EmbeddedServer embedded;
  if (o.server_url.empty()) {
    if (o.dry_run) {
      launch.server_url = "http://" + o.host + ":" + std::to_string(o.port) + "/";
    } else {
      std::string error;
      if (!start_embedded_server(o, embedded, error)) {
        std::fprintf(stderr, "sio-webrtc: %s\n", error.c_str());
        return 1;
      }
      launch.server_url = embedded.element_url;
      launch.self_signed_server = embedded.self_signed;
    }
  } else {
    launch.server_url = o.server_url;
  }

  if (o.dry_run) {
    std::printf("pipeline: %s\n", describe_pipeline(launch).c_str());
    return 0;
  }

  if (embedded.server) {
    for (const auto& url : embedded.urls) std::printf("listening on %s\n", url.c_str());
    PageHint page = page_to_open(o);
    std::string base = embedded.element_url;
    if (o.host != "0.0.0.0" && o.host != "::" && !embedded.urls.empty()) base = embedded.urls.front();
    // Our pages pass ?token= on as their Socket.IO auth (web/).
    std::string query;
    if (!o.auth_token.empty()) {
      glib::GCharPtr escaped(g_uri_escape_string(o.auth_token.c_str(), nullptr, FALSE));
      query = std::string("?token=") + escaped.get();
    }
    std::printf("open %s%s%s %s\n", base.c_str(), page.path.c_str(), query.c_str(), page.action.c_str());
    if (o.dev_tls && (o.host == "127.0.0.1" || o.host == "localhost" || o.host == "::1"))
      std::printf("(only this machine can open it: --host=0.0.0.0 lets a phone on the LAN in)\n");
    for (const auto& url : embedded.lan_urls) {
      // Loopback names are this machine itself: not useful to another device.
      if (url.find("//localhost:") != std::string::npos || url.find("//127.") != std::string::npos ||
          url.find("//[::1]:") != std::string::npos)
        continue;
      std::printf("open %s%s from another device (self-signed: accept the warning once)\n", url.c_str(),
                  page.path.c_str());
    }
  } else {
    std::printf("signalling server: %s\n", launch.server_url.c_str());
  }
  if (launch.plan.video) std::printf("sending video: %s\n", launch.plan.video->summary.c_str());
  if (launch.plan.audio) std::printf("sending audio: %s\n", launch.plan.audio->summary.c_str());
  std::fflush(stdout);

  GST_INFO("sending side: %s", describe_pipeline(launch).c_str());
  glib::GMainLoopPtr loop(g_main_loop_new(nullptr, FALSE));
  launch.loop = loop.get();
  launch.pipeline = gst_pipeline_new("sio-webrtc");
  gst_object_ref_sink(launch.pipeline);
  launch.signaller = gst_element_factory_make("socketiosignaller", "sig");
  gst_bin_add(GST_BIN(launch.pipeline), launch.signaller);
  set_signaller_properties(launch);
  launch.monitor = std::make_unique<CallMonitor>(launch.signaller, launch.counters);
  // Before the pipeline starts, after the monitor exists: a scrape can come at once.
  std::unique_ptr<MetricsEndpoint> metrics;
  if (o.metrics_port >= 0) {
    std::string error;
    metrics = MetricsEndpoint::start(o.host, static_cast<uint16_t>(o.metrics_port),
                                     [&launch] { return launcher_metrics_text(launch.monitor->snapshot()); }, error);
    if (!metrics) {
      std::fprintf(stderr, "sio-webrtc: %s\n", error.c_str());
      launch.monitor.reset();  // it disconnects from the signaller, which goes with the pipeline
      gst_object_unref(launch.pipeline);
      return 1;
    }
    std::printf("metrics on %s\n", metrics->url().c_str());
    std::fflush(stdout);
  }
  if (receives(o) && max_calls(o) != 1) {
    // Several calls at once: their videos side by side, their audio mixed (0 = no limit: 16 places).
    launch.mix = std::make_unique<MixSinks>(launch.pipeline, launch.signaller, launch.sink_kind, o.sink_file,
                                            max_calls(o) == 0 ? 16 : max_calls(o), launch.counters);
  } else if (receives(o)) {
    launch.receiver = std::make_unique<ReceiveSinks>(launch.pipeline, launch.signaller, launch.sink_kind,
                                                     o.sink_file, launch.counters);
  }
  int code = 0;
  std::string error;
  if (launch.plan.video && !add_send_branch(launch, *launch.plan.video, true, error)) code = 1;
  if (!code && launch.plan.audio && !add_send_branch(launch, *launch.plan.audio, false, error)) code = 1;
  if (code) std::fprintf(stderr, "sio-webrtc: %s\n", error.c_str());

  glib::GObjectPtr<GstBus> bus(gst_element_get_bus(launch.pipeline));
  const guint bus_watch = gst_bus_add_watch(bus.get(), on_bus, &launch);
  const guint term_watch = g_unix_signal_add(SIGTERM, on_stop_signal, &launch);
  const guint int_watch = g_unix_signal_add(SIGINT, on_stop_signal, &launch);
  guint status_timer = 0;
  if (o.status_interval_s > 0)
    status_timer = g_timeout_add(static_cast<guint>(o.status_interval_s * 1000), on_status_timer, &launch);
  // Milliseconds overflow a guint after 49 days: long runs are timed in whole seconds.
  if (o.duration_s > 0 && o.duration_s <= 3600)
    launch.duration_timer_id = g_timeout_add(static_cast<guint>(o.duration_s * 1000), on_duration, &launch);
  else if (o.duration_s > 3600)
    launch.duration_timer_id = g_timeout_add_seconds(static_cast<guint>(std::ceil(o.duration_s)), on_duration, &launch);

  if (!code) {
    if (gst_element_set_state(launch.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      // The element's own error, if it posted one, says why.
      if (GstMessage* m = gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)) {
        on_bus(bus.get(), m, &launch);
        gst_message_unref(m);
      } else {
        std::fprintf(stderr, "sio-webrtc: error: the pipeline could not start\n");
      }
      code = 1;
    } else {
      // systemd (Type=notify): the embedded server listens and the pipeline is starting.
      sio::signalling::notify_service_manager("READY=1");
      g_main_loop_run(loop.get());
      code = launch.exit_code;
    }
  }
  // No scrape from here on: the teardown below frees what it reads (the monitor).
  metrics.reset();
  // From here Ctrl-C has its default effect again (GLib restores it with the last watch), so a
  // teardown that hangs can still be interrupted.
  g_source_remove(int_watch);
  g_source_remove(term_watch);

  gst_element_set_state(launch.pipeline, GST_STATE_NULL);
  // Hand-overs still queued from the element's threads run now, while the monitor exists.
  for (int i = 0; i < 1000 && g_main_context_iteration(nullptr, FALSE); ++i) {
  }
  std::printf("%s\n", launch.monitor->summary_line().c_str());
  if (auto figures = launch.counters.glass_to_glass.whole_run()) {
    const size_t dropped = launch.counters.glass_to_glass.dropped();
    std::printf("%s\n", GlassToGlass::describe(*figures, dropped ? "the run's last frames" : "the whole run").c_str());
  }
  std::fflush(stdout);

  if (launch.eos_timeout_id) g_source_remove(launch.eos_timeout_id);
  if (launch.duration_timer_id) g_source_remove(launch.duration_timer_id);
  if (status_timer) g_source_remove(status_timer);
  g_source_remove(bus_watch);
  launch.receiver.reset();
  launch.mix.reset();
  launch.monitor.reset();
  gst_object_unref(launch.pipeline);
  if (embedded.server) {
    // As sio-signalling: every page is told the server closed, so it reconnects at once to
    // whatever serves next, instead of finding out at its next ping timeout.
    embedded.server->shut_down_gracefully(kServerGraceMs);
    embedded.server.reset();
  }
  for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);  // takes --gst-* options out of argv
  std::vector<std::string> args(argv + 1, argv + argc);
  ParseOutcome outcome = parse_command_line(args);
  switch (outcome.status) {
    case ParseStatus::Help:
      std::fputs(outcome.message.c_str(), stdout);
      return 0;
    case ParseStatus::Version: {
      guint major = 0, minor = 0, micro = 0, nano = 0;
      gst_version(&major, &minor, &micro, &nano);
      std::printf("%s\nGStreamer %u.%u.%u, %s\n", outcome.message.c_str(), major, minor, micro,
                  sio::signalling::library_versions().c_str());
      return 0;
    }
    case ParseStatus::Error:
      std::fprintf(stderr, "sio-webrtc: %s\nTry --help.\n", outcome.message.c_str());
      return 2;
    case ParseStatus::Run:
      break;
  }
  GST_DEBUG_CATEGORY_INIT(sio_webrtc_debug, "siowebrtc", 0, "sio-webrtc launcher");
  register_static_plugin();
  // The embedded server logs every relay at info level: too chatty next to the call lines.
  sio::signalling::log::set_level(sio::signalling::log::Level::Warn);
  return run(std::move(outcome.options));
}
