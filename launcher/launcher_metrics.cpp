// /metrics text for sio-webrtc (launcher_metrics.hpp). Names in base units (bits per second,
// seconds), counters ending in _total; each call is a `peer` label.
#include "launcher_metrics.hpp"

#include "prometheus_text.hpp"

namespace sio::launcher {

namespace pt = sio::prometheus;

std::string launcher_metrics_text(const LauncherSnapshot& s) {
  pt::TextWriter w;
  auto counter = [&w](const char* name, const char* help, uint64_t value) {
    w.family(name, pt::Type::Counter, help);
    w.sample(name, static_cast<double>(value));
  };
  w.family("sio_webrtc_calls", pt::Type::Gauge, "Calls in progress.");
  w.sample("sio_webrtc_calls", static_cast<double>(s.calls.size()));
  counter("sio_webrtc_calls_started_total", "Calls placed or answered since the start.", s.calls_started);
  counter("sio_webrtc_sent_video_frames_total",
          "Video frames into the payloader while a call is connected (one encode feeds every call).",
          s.sent_video_frames);
  counter("sio_webrtc_received_video_frames_total", "Video frames received, all calls.", s.received_video_frames);
  counter("sio_webrtc_received_audio_buffers_total", "Audio buffers received, all calls.", s.received_audio_buffers);
  counter("sio_webrtc_keyframe_requests_total", "Keyframe requests that reached the video encoder.",
          s.keyframe_requests);
  w.family("sio_webrtc_video_encoders", pt::Type::Gauge, "Video encoders running (one, however many calls).");
  w.sample("sio_webrtc_video_encoders", static_cast<double>(s.video_encoders));

  w.family("sio_webrtc_call_state", pt::Type::Gauge, "1 for each call's current state.");
  for (const auto& c : s.calls) w.sample("sio_webrtc_call_state", 1, {{"peer", c.peer}, {"state", c.state}});
  w.family("sio_webrtc_call_send_bits_per_second", pt::Type::Gauge, "What each call sends, in bit/s.");
  for (const auto& c : s.calls) w.sample("sio_webrtc_call_send_bits_per_second", c.send_bits_per_second, {{"peer", c.peer}});
  w.family("sio_webrtc_call_receive_bits_per_second", pt::Type::Gauge, "What each call receives, in bit/s.");
  for (const auto& c : s.calls)
    w.sample("sio_webrtc_call_receive_bits_per_second", c.receive_bits_per_second, {{"peer", c.peer}});
  w.family("sio_webrtc_call_sent_bytes_total", pt::Type::Counter, "Bytes each call sent (RTP, all streams).");
  for (const auto& c : s.calls) w.sample("sio_webrtc_call_sent_bytes_total", static_cast<double>(c.sent_bytes), {{"peer", c.peer}});
  w.family("sio_webrtc_call_received_bytes_total", pt::Type::Counter, "Bytes each call received (RTP, all streams).");
  for (const auto& c : s.calls)
    w.sample("sio_webrtc_call_received_bytes_total", static_cast<double>(c.received_bytes), {{"peer", c.peer}});
  w.family("sio_webrtc_call_packets_lost", pt::Type::Gauge,
           "RTP packets lost in each call, by us and as its peer reports (RTCP's cumulative count).");
  for (const auto& c : s.calls) w.sample("sio_webrtc_call_packets_lost", static_cast<double>(c.packets_lost), {{"peer", c.peer}});
  w.family("sio_webrtc_call_round_trip_seconds", pt::Type::Gauge, "Each call's round trip (RTCP), when known.");
  for (const auto& c : s.calls)
    if (c.round_trip_seconds >= 0) w.sample("sio_webrtc_call_round_trip_seconds", c.round_trip_seconds, {{"peer", c.peer}});
  w.family("sio_webrtc_call_received_video_frames_total", pt::Type::Counter,
           "Video frames received from each peer, when counted per peer (several calls mixed or recorded).");
  for (const auto& c : s.calls)
    if (c.received_video_frames >= 0)
      w.sample("sio_webrtc_call_received_video_frames_total", static_cast<double>(c.received_video_frames),
               {{"peer", c.peer}});
  return w.text();
}

}  // namespace sio::launcher
