// The signalling side of socketiosignaller: one Socket.IO connection, the `clients` list, and the
// call in progress (offer/answer/trickle ICE between webrtcbin and the chapter's messages).
// Lives on the element's network thread: construct, call and destroy it there only.
#pragma once

#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#endif
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chapter.hpp"
#include "sio_client.hpp"

namespace sio::gst {

// The error causes the element reports (each one GST_ELEMENT_ERROR with its own message).
enum class SignallerError { BadUrl, Unreachable, TlsFailure, UnknownPeer, NegotiationFailed, ServerClosed };

enum class PromiseStep { OfferCreated, AnswerCreated, RemoteSet, LocalSet };

struct SessionSettings {
  client::ClientConfig client;
  chapter::Dialect dialect = chapter::Dialect::Classic;
  std::string peer_id;                 // "" = answer only; "auto" = first other client
  uint32_t unknown_peer_timeout_ms = 3000;  // a concrete peer-id must be in `clients` by then
};

// What the session needs from the element. Called on the network thread.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  virtual GstElement* webrtcbin() = 0;        // the current one (borrowed)
  virtual void replace_webrtcbin() = 0;       // a fresh webrtcbin, sink pads retargeted
  virtual bool has_sink_pads() = 0;
  // Every sink pad's webrtcbin pad has caps: webrtcbin can put them in an offer.
  virtual bool sink_pads_have_caps() = 0;
  // Answering: make each sink pad's payloader use the payload type `offer` gives its codec
  // (webrtcbin 1.22 pairs sink pads with offered m-lines by caps, payload type included).
  // Returns how many payloaders were asked to switch.
  virtual int align_payload_types(const GstSDPMessage* offer) = 0;
  // The switches asked for above have reached webrtcbin.
  virtual bool payload_types_aligned() = 0;
  // Calling: sink pads whose payload type an earlier sink pad already uses (rtpvp8pay and
  // rtpopuspay both default to 96) are asked to switch to a free dynamic one, because one
  // bundle cannot carry one payload type on two m-lines. Returns how many were asked.
  virtual int make_payload_types_unique() = 0;
  // After the local description is set: warn about sink pads the call does not carry.
  virtual void check_sink_pads_sending() = 0;
  // A promise whose reply reaches on_promise on the network thread (transfer full).
  virtual GstPromise* make_promise(GstElement* webrtcbin, PromiseStep step) = 0;
  virtual void report_error(SignallerError error, const std::string& subject, const std::string& detail) = 0;
  virtual void connected(const std::string& local_id) = 0;
  virtual void peers_changed(const std::vector<std::string>& peers) = 0;
  virtual void call_started(const std::string& peer_id, bool calling) = 0;
  virtual void call_ended(const std::string& peer_id, const std::string& reason) = 0;
};

class CallSession {
 public:
  CallSession(SessionHost& host, GMainContext* context, SessionSettings settings);
  ~CallSession();  // closes the connection; no host callback follows

  void start();

  // webrtcbin events, already moved to the network thread. `webrtcbin` identifies the instance
  // they came from: events of a replaced webrtcbin are ignored.
  void on_negotiation_needed(GstElement* webrtcbin);
  void on_ice_candidate(GstElement* webrtcbin, guint mline_index, const std::string& candidate);
  void on_gathering_complete(GstElement* webrtcbin);
  void on_connection_failed(GstElement* webrtcbin);
  // `reply` is the promise's reply (owned copy, may be null); `error` is set when it failed.
  void on_promise(GstElement* webrtcbin, PromiseStep step, GstStructure* reply, const std::string& error);

  CallSession(const CallSession&) = delete;
  CallSession& operator=(const CallSession&) = delete;

 private:
  enum class Role { None, Caller, Answerer };

  void on_event(const json::Value& args);
  void on_failed(client::ClientError error, const std::string& message);
  void on_clients(const std::vector<std::string>& ids);
  void maybe_call();
  void start_call(const std::string& peer_id, Role role, chapter::Dialect dialect);
  void end_call(const std::string& reason);
  void make_offer();
  void emit_with_promise(GstElement* webrtcbin, const char* signal, gpointer argument, PromiseStep step);
  void offer_data_channel_once(GstElement* webrtcbin);
  void apply_remote(GstWebRTCSDPType type, const std::string& sdp);
  void add_remote_candidate(const chapter::IceCandidate& candidate);
  void send(const chapter::Message& message, bool unknown_peer_is_error);
  void fail_negotiation(const std::string& reason);
  bool current(GstElement* webrtcbin);
  void cancel_unknown_peer_timer();
  void maybe_offer();
  void create_answer();
  void wait_then(guint& source_id, guint interval_ms, guint64 limit_ms, std::function<bool()> ready,
                 std::function<void(bool)> then);
  void cancel_waits();

  SessionHost& host_;
  GMainContext* context_;
  SessionSettings settings_;
  std::unique_ptr<client::Client> client_;
  std::string local_id_;
  std::vector<std::string> peers_;  // without our own id

  // The call in progress (peer_ empty: none).
  std::string peer_;
  Role role_ = Role::None;
  chapter::Dialect call_dialect_ = chapter::Dialect::Classic;
  bool negotiation_needed_ = false;  // webrtcbin asked for an offer (see maybe_offer)
  bool offer_pending_ = false;       // caller: an offer is being made or awaits its answer
  bool offered_ = false;             // caller: this call's first offer has been made
  bool payload_types_checked_ = false;  // caller: make_payload_types_unique ran for this call
  guint call_serial_ = 0;            // tells a wait that its call is over
  guint offer_wait_ = 0;             // caller: polls until sink pads have caps
  guint answer_wait_ = 0;            // answerer: polls until payloaders use the offered types
  bool remote_set_ = false;
  bool webrtcbin_used_ = false;      // descriptions were set: the next call needs a fresh webrtcbin
  bool called_configured_peer_ = false;
  std::vector<chapter::IceCandidate> pending_remote_candidates_;
  std::vector<std::string> local_mids_;
  std::vector<std::string> remote_mids_;
  guint unknown_peer_timer_ = 0;
  bool failed_ = false;
};

}  // namespace sio::gst
