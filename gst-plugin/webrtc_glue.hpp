// Small webrtcbin helpers shared by the element and its call logic: configuring a fresh webrtcbin,
// choosing the ICE interfaces, receive-only transceivers, SDP text <-> description, m-line mids.
#pragma once

#include <gst/gst.h>
#ifndef GST_USE_UNSTABLE_API
#define GST_USE_UNSTABLE_API  // gst/webrtc is "unstable" API in 1.22
#endif
#include <gst/webrtc/webrtc.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sio::gst {

struct WebRtcSettings {
  std::string stun_server;      // "" = none
  std::string local_addresses;  // comma-separated IPs; "" = every interface
  guint latency_ms = 50;        // webrtcbin's jitter-buffer latency (the element's default)
  guint fec_percentage = 0;     // ULPFEC + RED on video, this share of packets protected; 0 = none
};

// TURN servers (turn(s)://user:pass@host:port, user and password escaped) and the ICE transport
// policy, for one call's webrtcbin before it gathers: each call gets credentials made when it
// starts (a shared secret's expire). Returns the URIs webrtcbin refused.
std::vector<std::string> apply_turn(GstElement* webrtcbin, const std::vector<std::string>& turn_servers,
                                    GstWebRTCICETransportPolicy policy);

// A new webrtcbin named `name` with bundle-policy=max-bundle (the chapter's pages and
// Chromium use it; `none`/`balanced` fail against them), NACK/RTX on the video transceivers it
// makes for a peer's offer (see nack_if_video), and the given servers. Floating ref.
GstElement* make_webrtcbin(const WebRtcSettings& settings, const char* name);

// Makes libnice gather on exactly these addresses (and therefore on 127.0.0.1 if listed, which it
// never does by itself). Must run before gathering starts. Returns the addresses it rejected.
std::vector<std::string> apply_local_addresses(GstElement* webrtcbin, const std::string& comma_separated);
// The same once per webrtcbin (libnice cannot forget an address), with a warning on `log_object`
// for each address it cannot use.
void apply_local_addresses_once(GstElement* webrtcbin, const std::string& comma_separated, gpointer log_object);

// NACK and RTX on a video transceiver, before an offer or answer is made: lost packets are asked
// for again and resent from a short history (webrtcbin also turns on its jitter buffers'
// retransmission requests). Not on audio: webrtcbin 1.22 then gives the audio RTX stream an SSRC
// already in the bundle and Chromium refuses the offer; Opus conceals losses itself. A transceiver
// that does not know its kind yet (a sink pad's, before the offer) is left alone: see Call.
// With the webrtcbin's FEC share set (set_fec_percentage), ULPFEC + RED too.
void nack_if_video(GstElement* webrtcbin, GstWebRTCRTPTransceiver* transceiver);
// The same on a transceiver known to carry video.
void protect_video(GstElement* webrtcbin, GstWebRTCRTPTransceiver* transceiver);
// The FEC share (0-100) the video transceivers of `webrtcbin` get from now on (0 = no FEC).
void set_fec_percentage(GstElement* webrtcbin, guint percentage);

// Receive-only transceivers so a caller without sink pads can still offer: video (VP8, H.264) and
// audio (Opus); or one of them (kind "video" / "audio") for simple-peer's transceiverRequest, with
// payload types outside `taken` (those of the streams sent).
void add_recvonly_transceivers(GstElement* webrtcbin);
void add_recvonly_transceiver(GstElement* webrtcbin, const std::string& kind, const std::set<int>& taken = {});

// "video" / "audio" / "" for a webrtcbin src pad (transceiver kind, else its caps' media field).
std::string media_kind_of_pad(GstPad* pad);

// The RTP caps of what a webrtcbin src pad receives: its current caps, else the formats the remote
// description gives its transceiver's m-line (media, encoding-name, clock-rate, payload, ...).
// nullptr when neither is known. Transfer full.
GstCaps* received_stream_caps(GstElement* webrtcbin, GstPad* pad);

// Parses SDP text into a description of `type`; nullptr when the text is not SDP.
GstWebRTCSessionDescription* description_from_text(GstWebRTCSDPType type, const std::string& sdp);
std::string description_text(const GstWebRTCSessionDescription* description);
// The a=mid of each m-line, in order ("" where absent).
std::vector<std::string> media_mids(const GstWebRTCSessionDescription* description);
// Whether the description's author sends (or would receive) audio or video on any m-line in use.
bool description_sends_media(const GstWebRTCSessionDescription* description);
bool description_receives_media(const GstWebRTCSessionDescription* description);

// The payload type an offer uses for a stream with caps `caps` (an RTP payloader's: media,
// encoding-name, clock-rate, codec parameters), or -1 if it offers nothing compatible. The first
// offered format whose caps intersect `caps` with the payload type set to its own wins, which is
// the test webrtcbin 1.22 applies when it pairs a sink pad with an offered m-line.
int offered_payload_type(const GstSDPMessage* offer, const GstCaps* caps);

// Before a webrtcbin goes to NULL: cuts its receive bins off their ICE transports' state
// notifications. In 1.22 a TransportReceiveBin re-arms its pad block (a ref on itself) whenever
// ICE state changes, and libnice can still report a change after the bin reached NULL when a call
// is torn down mid-checks (an offer collision, a peer gone early): the bin then never dies.
void detach_receive_bins_from_ice(GstElement* webrtcbin);

// Calls `fn` once on every element inside `bin`, at any depth (a resync starts the walk over; the
// elements already seen are skipped).
void for_each_element_in(GstBin* bin, const std::function<void(GstElement*)>& fn);

// Packets the jitter buffers inside `webrtcbin` asked again for and received in time (their
// rtx-success-count; webrtcbin 1.22's inbound-rtp stats carry a jitter buffer's figures that stay 0).
uint64_t packets_recovered(GstElement* webrtcbin);
// The longest round trip from a NACK to its retransmission that they measured (rtx-rtt, in ns; a
// retransmission that came too late counts too; 0 = none yet).
uint64_t retransmission_rtt_ns(GstElement* webrtcbin);
// Packets the FEC decoders inside `webrtcbin` repaired (rtpulpfecdec's recovered; 0 without FEC).
uint64_t fec_packets_recovered(GstElement* webrtcbin);

// From get-stats: a stats structure's packets-lost (a gint64 in 1.22, an int before), 0 if none or
// negative; and a connection state's name ("new", "connecting", "connected", ...).
int64_t stats_packets_lost(const GstStructure* stats);
const char* connection_state_name(GstWebRTCPeerConnectionState state);
const char* ice_connection_state_name(GstWebRTCICEConnectionState state);

// The candidate pair ICE selected: type ("host", "srflx", "prflx", "relay") and address:port of
// each end. webrtcbin 1.22's get-stats names the pair but carries neither candidate, so this asks
// its libnice agent. Empty when the webrtcbin has no agent or nothing is selected yet.
struct SelectedCandidatePair {
  std::string local_type, local_address, remote_type, remote_address;
};
std::optional<SelectedCandidatePair> selected_candidate_pair(GstElement* webrtcbin);

// Lets go of our reference to a promise given to webrtcbin, interrupting it first if it is still
// pending: webrtcbin drops operations still queued when its thread stops, and the last reference
// to a pending promise must not go there (a GStreamer critical, "gst_promise_free: runtime check
// failed"). No effect on an answered promise; the change function sees INTERRUPTED otherwise.
void release_promise(GstPromise* promise);

// The `payload` of the first structure of `caps`, or -1.
int payload_type_of(const GstCaps* caps);

// Each payload type of `sdp`'s audio and video m-lines, and whether it is video.
std::vector<std::pair<int, bool>> payload_type_kinds(const GstSDPMessage* sdp);

}  // namespace sio::gst
