// One call of socketiosignaller: one peer, its own webrtcbin, and that webrtcbin's offer/answer/
// trickle-ICE state. The element owns its calls (and one spare, a Call with no peer yet, ready
// for the next one), the signalling client and the policy of whom to call; a Call only talks to
// its own peer. Lives on the element's network thread: construct, call and destroy it there.
#pragma once

#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#endif
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "call_timeouts.hpp"
#include "chapter.hpp"
#include "dialect.hpp"
#include "media_watch.hpp"
#include "send_branch.hpp"
#include "webrtc_glue.hpp"

namespace sio::client {
class SignallingClient;
}

namespace sio::gst {

// The error causes the element reports (each one GST_ELEMENT_ERROR with its own message).
enum class SignallerError { BadUrl, Unreachable, Refused, TlsFailure, UnknownPeer, NegotiationFailed, ServerClosed };

enum class PromiseStep { OfferCreated, AnswerCreated, RemoteSet, LocalSet };

enum class CallRole { None, Caller, Answerer };

class Call;

// What a call needs from the element that owns it. Called on the network thread.
struct CallHost {
  virtual ~CallHost() = default;
  virtual client::SignallingClient* signalling() = 0;  // null once the connection is gone
  virtual GMainContext* context() = 0;                 // the network thread's
  // A promise whose reply reaches Call::on_promise on the network thread (transfer full).
  virtual GstPromise* make_promise(Call& call, PromiseStep step) = 0;
  virtual void report_error(SignallerError error, const std::string& subject, const std::string& detail) = 0;
  // The call is over (negotiation failed, the server does not know the peer): the host ends it.
  virtual void call_failed(Call& call, const std::string& reason) = 0;
  // The element's sink pads, in order, with the tee each feeds.
  struct SinkPad {
    GstPad* ghost;  // borrowed
    GstElement* tee;
    std::shared_ptr<KeyframeGate> gate;
  };
  virtual std::vector<SinkPad> sink_pads() = 0;
  // x-google-start-bitrate for the descriptions we send (0 = none), as set now.
  virtual unsigned browser_start_bitrate_kbps() = 0;
  // Our offer asked to receive and the peer's answer (simple-peer dialect) sends nothing: the
  // chapter's index.html answers that way when an offer comes before its camera is ready.
  virtual void answered_without_media(Call& call) = 0;
};

class Call {
 public:
  // A new webrtcbin `name` in `bin`, a branch from every sink pad, state synced with the bin.
  // `connect_signals` hooks the element's webrtcbin handlers up before anything can fire.
  Call(CallHost& host, GstBin* bin, const WebRtcSettings& settings, const std::string& name,
       const std::function<void(GstElement*)>& connect_signals);
  ~Call();  // stops and removes the webrtcbin and the branches

  bool valid() const { return webrtcbin_ != nullptr; }
  GstElement* webrtcbin() const { return webrtcbin_; }
  const std::string& peer() const { return peer_; }
  CallRole role() const { return role_; }
  chapter::Dialect dialect() const { return dialect_; }
  bool offer_pending() const { return offer_pending_; }
  bool connected() const { return connected_; }
  gint64 started_us() const { return started_us_; }
  // When each step of the call's setup happened (g_get_monotonic_time, 0 = not yet): what the
  // socketio-call-connected message reports, and what the setup benchmark breaks down.
  struct Timeline {
    gint64 started_us = 0;
    gint64 description_sent_us = 0;    // our offer (caller) or answer (answerer) handed to the client
    gint64 remote_description_us = 0;  // the peer's answer (caller) or offer (answerer) arrived
    gint64 ice_connected_us = 0;       // ICE connected (a candidate pair works)
    gint64 connected_us = 0;           // DTLS done as well: media can flow
  };
  Timeline timeline() const;
  // For the element's watchdog (see call_timeouts.hpp): also starts watching new ICE transports.
  CallTimes times();
  // "ICE checking, connection connecting": how far the call got.
  std::string ice_state() const;

  void add_branch(const CallHost::SinkPad& pad);
  void remove_branch(GstPad* ghost);

  // Calling: offers once every branch has caps and payload types are unique (bounded waits).
  void start_calling(const std::string& peer, chapter::Dialect dialect);
  // Answering `sdp` (an offer from `peer`).
  void start_answering(const std::string& peer, chapter::Dialect dialect, const std::string& sdp);
  void on_remote_answer(const std::string& sdp);
  void on_remote_candidate(const chapter::IceCandidate& candidate);
  void on_renegotiate();
  void on_transceiver_request(const std::string& kind);

  // webrtcbin events, already on the network thread.
  void on_negotiation_needed();
  void on_ice_candidate(guint mline_index, const std::string& candidate);
  void on_gathering_complete();
  void on_connection_state(GstWebRTCPeerConnectionState state);
  void on_ice_connection_state(GstWebRTCICEConnectionState state, gint64 when_us);
  void on_promise(PromiseStep step, GstStructure* reply, const std::string& error);

  // Before the webrtcbin stops (READY->NULL of the element): see detach_receive_bins_from_ice.
  void before_stop();
  // Times this call's send queues were full and dropped data, over all its streams.
  guint64 send_queue_overruns();
  // Asks every sink pad's encoder for a keyframe (through its gate).
  void request_keyframes(const char* why, bool urgent = false);

  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;

 private:
  void maybe_offer();
  void make_offer();
  void offer_data_channel_once();
  void enable_nack_on_video();
  void offer_room_for_peer_media_once();
  void apply_remote(GstWebRTCSDPType type, const std::string& sdp);
  void add_remote_candidate(const chapter::IceCandidate& candidate);
  void create_answer();
  void fail(const std::string& reason);
  void emit_with_promise(const char* signal, gpointer argument, PromiseStep step);
  bool branches_have_caps();
  bool payload_types_aligned();
  int make_payload_types_unique();
  int align_payload_types(const GstSDPMessage* offer);
  void check_branches_sending();
  void wait_then(guint& source_id, guint interval_ms, guint64 limit_ms, std::function<bool()> ready,
                 std::function<void(bool)> then);
  void cancel_waits();
  void report_first_rtp();
  void watch_caps(GstPad* webrtcbin_pad);
  void wake_waits();

  CallHost& host_;
  GstBin* bin_;
  GstElement* webrtcbin_ = nullptr;  // owned ref; a child of bin_
  // By sink ghost pad. Sink pads come and go on the application's thread: guarded, and shared so
  // that the network thread can use a copy of the list while one is removed.
  mutable std::mutex branches_mutex_;
  std::vector<std::pair<GstPad*, std::shared_ptr<SendBranch>>> branches_;
  std::vector<std::shared_ptr<SendBranch>> branches();
  std::vector<std::pair<GstPad*, std::shared_ptr<SendBranch>>> branch_pairs();  // a copy, with their ghosts
  static GstCaps* branch_caps(GstPad* ghost);  // its current caps, else what upstream can make (transfer full)

  // Our references to the promises given to webrtcbin (network thread; the newest kPromisesKept):
  // interrupted before webrtcbin stops, see ~Call.
  std::vector<GstPromise*> promises_;

  std::string peer_;
  CallRole role_ = CallRole::None;
  chapter::Dialect dialect_ = chapter::Dialect::Classic;
  gint64 started_us_ = 0;
  gint64 connected_us_ = 0;
  gint64 description_sent_us_ = 0;
  gint64 remote_description_us_ = 0;
  gint64 ice_connected_us_ = 0;
  MediaWatch media_;
  bool negotiation_needed_ = false;
  bool offer_pending_ = false;
  bool offered_ = false;
  bool payload_types_checked_ = false;
  bool remote_set_ = false;
  bool connected_ = false;
  bool data_channel_made_ = false;
  bool room_offered_ = false;
  bool failed_ = false;
  bool candidate_sent_ = false;
  guint offer_wait_ = 0;
  guint answer_wait_ = 0;
  std::vector<chapter::IceCandidate> pending_remote_candidates_;
  std::vector<std::string> local_mids_;
  std::vector<std::string> remote_mids_;
  bool offered_to_receive_ = false;  // our offer has an m-line we receive on
  bool answer_sends_ = true;         // the peer's answer sends on some m-line
  // Where caps notifications (streaming threads) wake the waits: see watch_caps.
  struct WakeTarget {
    std::mutex mutex;
    Call* call = nullptr;                // cleared when the call goes
    GMainContext* context = nullptr;     // owned; set by the first wait
    ~WakeTarget();
  };
  std::shared_ptr<WakeTarget> wake_target_ = std::make_shared<WakeTarget>();
  // Acks from the server may come after the call is gone: they check this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sio::gst
