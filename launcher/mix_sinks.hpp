// Received media when several calls come in at once (--max-calls other than 1): every peer's
// video is decoded into one tile of a compositor grid and every peer's audio into one audiomixer,
// then shown (a window, the speakers), dropped (fake, still counted per peer) or encoded once
// into FILE.mkv (VP8 + Opus: the mix is a new picture). A black picture and silence keep the mix
// running while nobody is in a call.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "media_counters.hpp"
#include "plugins.hpp"
#include "receive_sinks.hpp"
#include "recording_watch.hpp"

namespace sio::launcher {

// The elements the mix may create (for the missing-plugin check before starting).
std::vector<NeededElement> mix_elements(SinkKind kind);

class MixSinks {
 public:
  // `tiles`: the grid's places (the number of calls at most); the picture is fixed for the run.
  MixSinks(GstElement* pipeline, GstElement* signaller, SinkKind kind, std::string file, int tiles,
           MediaCounters& counters);
  ~MixSinks();

  // Before the pipeline's EOS at stop: the calls' inputs leave the mixers, so the EOS of the black
  // picture and the silence ends the mix and the file gets its index and duration; a recording
  // input still without its EOS `grace_ms` later is ended at the muxer (RecordingWatch). Main context.
  void finish(const char* why, guint grace_ms);

  MixSinks(const MixSinks&) = delete;
  MixSinks& operator=(const MixSinks&) = delete;

 private:
  struct Input {
    GstElement* chain = nullptr;   // decode chain in the pipeline (owned ref)
    GstPad* mixer_pad = nullptr;   // request pad of compositor / audiomixer (owned ref)
    GstElement* mixer = nullptr;   // borrowed
    GstPad* mix_ghost = nullptr;   // the mixer pad's ghost on the mix bin (the bin owns it)
    std::string peer;
    int tile = -1;                 // video: the grid place
  };
  static void on_pad_added(GstElement* element, GstPad* pad, gpointer self);
  static GstPadProbeReturn on_mix_output(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn restamp(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static void on_pad_removed(GstElement* element, GstPad* pad, gpointer self);
  void link(GstPad* pad);
  void remove(const std::string& pad_name);  // main context
  void release(Input& input);
  int take_tile();

  GstElement* pipeline_;
  GstElement* signaller_;
  SinkKind kind_;
  std::string file_;
  int tiles_;
  int columns_;
  MediaCounters& counters_;
  gulong handlers_[2] = {0, 0};
  GstElement* mix_bin_ = nullptr;     // borrowed (the pipeline holds it and what is below)
  GstElement* compositor_ = nullptr;
  GstElement* audiomixer_ = nullptr;
  std::mutex mutex_;                  // pad-added comes from streaming threads
  std::atomic<GstClockTime> mix_position_{GST_CLOCK_TIME_NONE};  // see on_mix_output
  std::atomic<uint64_t> mix_pictures_{0};  // the compositor's output (printed at finish)
  std::map<std::string, Input> inputs_;  // by the signaller's pad name
  std::vector<bool> tile_used_;
  bool finished_ = false;
  std::unique_ptr<RecordingWatch> recording_;  // recording into a file
};

}  // namespace sio::launcher
