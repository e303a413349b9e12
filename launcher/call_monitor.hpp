// Follows the calls for the user: socketiosignaller's signals (connected, calls started/ended),
// each call's webrtcbin connection state (set-up time) and statistics (bitrates, loss, round
// trip), printed as the `connected:`, `call:`, `status:` (all calls), `status-call:` (each call,
// when there are several) and `summary:` lines (see --help).
// Signals arrive on the element's threads; everything printed or kept is handed to the main
// context first.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "launcher_metrics.hpp"
#include "media_counters.hpp"

namespace sio::launcher {

class CallMonitor {
 public:
  CallMonitor(GstElement* signaller, MediaCounters& counters);
  ~CallMonitor();

  // Asks webrtcbin for statistics; the status line is printed when they arrive (main context).
  void request_status();
  std::string summary_line() const;
  // The calls as of the last statistics round and the counters now (main context; --metrics-port).
  LauncherSnapshot snapshot() const;
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
    // Retransmission on a lossy link: NACKs we sent (inbound-rtp) and got (outbound-rtp), and the
    // packets our jitter buffers asked again for and then received; packets FEC repaired (--fec).
    uint64_t nacks_sent = 0, nacks_received = 0, packets_recovered = 0, fec_recovered = 0;
    gint64 at_us = 0;
  };

 private:
  // One call (main context).
  struct CallInfo {
    std::string peer;
    GstElement* webrtcbin = nullptr;  // owned ref
    std::string state = "negotiating";
    gint64 started_us = 0;
    guint connect_timer = 0;
    StatsSample last;                 // the previous sample (bitrates are the difference)
    double send_bps = 0, recv_bps = 0;  // bit/s over the last statistics round
    long long send_kbps = 0, recv_kbps = 0;
    int64_t packets_lost = 0;
    double rtt_s = -1;
    bool stats_pending = false;
  };

  static void on_local_id(GObject* object, GParamSpec*, gpointer self);
  static void on_call_started(GstElement*, const gchar* peer, gpointer self);
  static void on_call_ended(GstElement*, const gchar* peer, const gchar* reason, gpointer self);
  static void on_connection_state(GObject* webrtcbin, GParamSpec*, gpointer self);
  static void on_gathering_state(GObject* webrtcbin, GParamSpec*, gpointer self);
  static void on_local_candidate(GstElement* webrtcbin, guint mline, gchar* candidate, gpointer self);
  static gboolean on_connect_timeout(gpointer data);
  static void on_stats(GstPromise* promise, gpointer data);

  void call_started(const std::string& peer, GstElement* webrtcbin);
  void call_ended(const std::string& peer, const std::string& reason);
  CallInfo* find(GstElement* webrtcbin);
  void connection_state(GstElement* webrtcbin, int state);
  void stats_arrived(GstElement* webrtcbin, unsigned round, const StatsSample& sample, bool ok);
  void print_status();
  void detach(CallInfo& call);
  void gathering_complete(GstElement* webrtcbin);
  void connect_timeout(GstElement* webrtcbin);
  void print_connected(const GstStructure* structure);
  void update_in_call();

  GstElement* signaller_;
  MediaCounters& counters_;
  gulong handlers_[3] = {0, 0, 0};

  // Main context only.
  std::map<std::string, std::unique_ptr<CallInfo>> calls_;  // by peer
  std::string latest_peer_;          // the call started last: the status line's peer and state
  unsigned stats_round_ = 0;         // a status request; replies of older ones are late
  size_t stats_waiting_ = 0;         // replies of this round still to come
  // Our references to this round's get-stats promises: interrupted when the next round starts or
  // the monitor goes, so a webrtcbin that stops with the request queued never frees a pending
  // promise (a GStreamer critical) and no late reply reaches a monitor that is gone.
  std::vector<GstPromise*> stats_promises_;
  void interrupt_stats_requests();
  int64_t call_setup_ms_ = -1;       // the first call that connected
  uint64_t calls_started_ = 0;
};

}  // namespace sio::launcher
