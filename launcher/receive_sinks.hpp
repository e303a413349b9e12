// What happens to media the peer sends: the signaller's sometimes pads (video_N / audio_N) are
// decoded to a window / speakers (--sink=auto with a display), decoded and dropped (fake: still
// counted), or depayloaded and parsed into one Matroska file without re-encoding (FILE.mkv).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "media_counters.hpp"
#include "options.hpp"
#include "plugins.hpp"

namespace sio::launcher {

enum class SinkKind { Window, Fake, File };

// --sink=auto picks a window when $DISPLAY or $WAYLAND_DISPLAY is set, else fake.
SinkKind resolve_sink(const LaunchOptions& options);

// The elements the receiving side may create (for the missing-plugin check before starting).
std::vector<NeededElement> receive_elements(SinkKind kind);

class ReceiveSinks {
 public:
  // Links every src pad `signaller` adds from now on. Both must outlive this object's use; the
  // pipeline owns the elements it creates.
  ReceiveSinks(GstElement* pipeline, GstElement* signaller, SinkKind kind, std::string file,
               MediaCounters& counters);
  ~ReceiveSinks();

  // Ends the recording (--sink=FILE.mkv): every stream gets EOS so the muxer writes its index and
  // duration. Called when the recorded call ends and at stop, before the pipeline's EOS; later
  // calls are counted, not recorded. Any thread; idempotent.
  void finish_recording(const char* why);

  ReceiveSinks(const ReceiveSinks&) = delete;
  ReceiveSinks& operator=(const ReceiveSinks&) = delete;

 private:
  static void on_pad_added(GstElement* element, GstPad* pad, gpointer self);
  static void on_call_ended(GstElement* element, const gchar* peer, const gchar* reason, gpointer self);
  static gboolean on_absent_timeout(gpointer self);
  void end_reserved_pads(const char* why);  // under mutex_
  void link(GstPad* pad);
  GstElement* muxer();  // the file's matroskamux, created with the first stream; under mutex_
  void count_remote_streams(int& videos, int& audios);
  GstPad* take_mux_pad(bool video);

  GstElement* pipeline_;
  GstElement* signaller_;
  SinkKind kind_;
  std::string file_;
  MediaCounters& counters_;
  gulong handler_ = 0;
  std::mutex mutex_;  // pad-added comes from streaming threads
  GstElement* mux_ = nullptr;
  std::vector<GstPad*> reserved_video_;  // mux request pads (owned refs) not linked yet
  std::vector<GstPad*> reserved_audio_;
  struct RecordedStream {
    GstPad* feed;       // sink pad of the chain's leaky queue before the muxer (owned ref)
    GstPad* count_src;  // where later buffers are dropped once the recording is finished (owned ref)
  };
  std::vector<RecordedStream> recorded_;
  bool recording_finished_ = false;
  guint absent_timer_ = 0;  // ends announced streams that never came, 3 s after the first
  gulong call_ended_handler_ = 0;
};

}  // namespace sio::launcher
