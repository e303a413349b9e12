// Follows the call for the user: socketiosignaller's signals (connected, call started/ended),
// webrtcbin's connection state (call set-up time) and its statistics (bitrates, loss, round trip),
// printed as the `connected:`, `call:`, `status:` and `summary:` lines (see --help).
// Signals arrive on the element's threads; everything printed or kept is handed to the main
// context first.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <gst/gst.h>

#include "media_counters.hpp"

namespace sio::launcher {

class CallMonitor {
 public:
  CallMonitor(GstElement* signaller, MediaCounters& counters);
  ~CallMonitor();

  // Asks webrtcbin for statistics; the status line is printed when they arrive (main context).
  void request_status();
  std::string summary_line() const;
  // The element's bus messages (main context): socketio-call-started says who called.
  void on_element_message(const GstStructure* structure);

  CallMonitor(const CallMonitor&) = delete;
  CallMonitor& operator=(const CallMonitor&) = delete;

  // The rest is the state the main-context callbacks update.
  struct StatsSample {
    uint64_t bytes_sent = 0;
    uint64_t bytes_received = 0;
    int64_t packets_lost = 0;      // by us (inbound) and reported by the peer (remote-inbound)
    uint64_t packets_received = 0;
    double rtt_s = -1;             // remote-inbound-rtp round-trip-time, -1 unknown
    gint64 at_us = 0;
  };

 private:
  static void on_local_id(GObject* object, GParamSpec*, gpointer self);
  static void on_call_started(GstElement*, const gchar* peer, gpointer self);
  static void on_call_ended(GstElement*, const gchar* peer, const gchar* reason, gpointer self);
  static void on_connection_state(GObject* webrtcbin, GParamSpec*, gpointer self);
  static void on_gathering_state(GObject* webrtcbin, GParamSpec*, gpointer self);
  static void on_local_candidate(GstElement* webrtcbin, guint mline, gchar* candidate, gpointer self);
  static gboolean on_connect_timeout(gpointer self);
  static void on_stats(GstPromise* promise, gpointer self);

  void call_started(const std::string& peer, GstElement* webrtcbin);
  void connection_state(GstElement* webrtcbin, int state);
  void print_status(const StatsSample& sample);
  void detach_webrtcbin();
  void gathering_complete(GstElement* webrtcbin);
  void connect_timeout();

  GstElement* signaller_;
  MediaCounters& counters_;
  gulong handlers_[3] = {0, 0, 0};

  // Main context only.
  std::string state_ = "waiting";
  std::string peer_;
  GstElement* webrtcbin_ = nullptr;  // the current call's (owned ref)
  std::atomic<int> local_candidates_{0};  // of the current webrtcbin (its threads count)
  guint connect_timer_ = 0;
  gint64 call_started_us_ = 0;
  int64_t call_setup_ms_ = -1;       // the first call that connected
  StatsSample last_;
  bool stats_pending_ = false;
};

}  // namespace sio::launcher
