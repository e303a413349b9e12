// One encode, many calls: each sink pad of socketiosignaller feeds a tee, and each call takes a
// branch of it (tee src pad -> leaky queue -> that call's webrtcbin sink pad). The queue gives
// every call its own thread and a bound, so a slow or lossy viewer never stalls the encoder or the
// other calls; the branch rewrites the RTP payload type where its call needs another one than
// the payloader's, so one payloader serves calls that negotiated different types.
// Keyframe requests from all calls of a sink pad go through one KeyframeGate.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

namespace sio::gst {

// Coalesces upstream force-key-unit requests of one sink pad (PLI/FIR of every call, calls
// joining): at most one reaches the encoder per interval; one that comes sooner is held and sent
// when the interval is over, so no call waits longer than that for its keyframe.
class KeyframeGate {
 public:
  explicit KeyframeGate(GstClockTime interval = 500 * GST_MSECOND) : interval_(interval) {}
  // Installs the gate on `pad` (the tee's sink pad): upstream force-key-unit events through it
  // are coalesced, and a held request is sent with the next buffer that passes after the interval.
  void install(GstPad* pad);
  // Asks upstream for a keyframe through the gate (a call joined or connected). `urgent`: at once,
  // even within the interval: a call whose DTLS just completed shows nothing until its first
  // keyframe, and the one a branch asked for as it started taking the stream went out before
  // media could flow (calls connect one at a time: no storm to guard against).
  void request(const char* why, bool urgent = false);
  guint64 forwarded() const { return forwarded_; }
  guint64 coalesced() const { return coalesced_; }

 private:
  static GstPadProbeReturn probe(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  bool admit(GstClockTime now);  // true: forward now
  void send(GstPad* pad);

  const GstClockTime interval_;
  std::mutex mutex_;
  GstClockTime last_ = GST_CLOCK_TIME_NONE;  // monotonic time of the last request forwarded
  bool held_ = false;
  GstPad* pad_ = nullptr;  // borrowed: the tee's sink pad lives as long as the gate's sink pad
  std::atomic<guint64> forwarded_{0};
  std::atomic<guint64> coalesced_{0};
};

// Per-branch state shared with its pad probes (which may outlive the SendBranch object briefly).
struct BranchState {
  std::atomic<int> payload_type{-1};   // what the call uses for this stream; -1: the payloader's
  std::atomic<int> caps_payload{-1};   // the payload type of the last caps sent downstream
  std::atomic<bool> dropped{false};    // data was dropped since webrtcbin last took some
  std::atomic<guint64> overruns{0};
  std::mutex caps_mutex;
  GstCaps* upstream_caps = nullptr;    // the last caps from the payloader (caps_mutex)
  GstPad* webrtcbin_pad = nullptr;     // owned ref
  std::shared_ptr<KeyframeGate> gate;
  std::string label;                   // "sink_0 -> peer" for the log
  gint64 last_overrun_log_us = 0;
  gint64 last_nudge_us = 0;  // tee thread
  ~BranchState();
};

class SendBranch {
 public:
  // Requests a webrtcbin sink pad (with `msid`), a tee src pad and a queue in `bin`, links them and
  // syncs the queue's state with the bin. nullptr when webrtcbin refuses a pad.
  static std::unique_ptr<SendBranch> make(GstBin* bin, GstElement* tee, GstElement* webrtcbin, const char* msid,
                                          std::shared_ptr<KeyframeGate> gate, const std::string& label);
  // Unlinks from the tee and releases the tee pad: the tee no longer feeds this branch.
  void unlink();
  // unlink(), then stops and removes the queue; releases the webrtcbin pad if asked (and webrtcbin
  // still has it).
  void remove(bool release_webrtcbin_pad);
  ~SendBranch();

  void set_payload_type(int payload_type);
  int payload_type() const { return state_->payload_type; }
  GstPad* webrtcbin_pad() const { return state_->webrtcbin_pad; }
  // The payload type of the caps webrtcbin's pad has now (-1: none yet).
  int webrtcbin_payload_type() const;
  bool webrtcbin_has_caps() const;
  // webrtcbin joined the pad to a negotiated, sending transceiver.
  bool sending() const;
  // Times the branch's queue was full and dropped its oldest data (a call that cannot keep up).
  guint64 overruns() const { return state_->overruns; }
  GstElement* tee() const { return tee_; }

  SendBranch(const SendBranch&) = delete;
  SendBranch& operator=(const SendBranch&) = delete;

 private:
  SendBranch() = default;
  static GstPadProbeReturn on_queue_sink(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_queue_src(GstPad* pad, GstPadProbeInfo* info, gpointer data);
  static void on_overrun(GstElement* queue, gpointer data);
  static void resend_caps(GstPad* queue_src, BranchState& state, int pt);

  GstBin* bin_ = nullptr;        // borrowed (the element)
  GstElement* tee_ = nullptr;    // owned ref
  GstElement* queue_ = nullptr;  // owned ref
  GstElement* webrtcbin_ = nullptr;  // owned ref
  GstPad* tee_pad_ = nullptr;    // owned ref
  std::shared_ptr<BranchState> state_;
  bool unlinked_ = false;
  bool removed_ = false;
};

}  // namespace sio::gst
