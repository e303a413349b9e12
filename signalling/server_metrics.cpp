// /metrics text (server_metrics.hpp). Names follow Prometheus's conventions: a unit suffix in
// base units, _total on counters, labels for one dimension each.
#include "server_metrics.hpp"

#include "prometheus_text.hpp"

namespace sio::signalling {

namespace pt = sio::prometheus;

std::string server_metrics_text(const ServerStats& stats, const ProcessStats& process) {
  pt::TextWriter w;
  auto counter = [&w](const char* name, const char* help, uint64_t value) {
    w.family(name, pt::Type::Counter, help);
    w.sample(name, static_cast<double>(value));
  };
  auto gauge = [&w](const char* name, const char* help, double value) {
    w.family(name, pt::Type::Gauge, help);
    w.sample(name, value);
  };

  w.family("sio_signalling_clients", pt::Type::Gauge, "Engine.IO clients connected, by transport.");
  w.sample("sio_signalling_clients", static_cast<double>(stats.sessions_polling), {{"transport", "polling"}});
  w.sample("sio_signalling_clients", static_cast<double>(stats.sessions_websocket), {{"transport", "websocket"}});
  gauge("sio_signalling_sockets", "Socket.IO sockets in the chapter's namespace (entries of the clients list).",
        static_cast<double>(stats.clients));
  counter("sio_signalling_connections_total", "Engine.IO clients that connected.", stats.sessions_opened);
  counter("sio_signalling_disconnections_total", "Engine.IO clients that went, for any reason.",
          stats.sessions_closed);

  w.family("sio_signalling_relayed_messages_total", pt::Type::Counter,
           "Messages relayed to their peer (peerOffer, peerAnswer, peerIce, signal), by event.");
  for (size_t i = 0; i < std::size(kRelayedEvents); ++i)
    w.sample("sio_signalling_relayed_messages_total", static_cast<double>(stats.relayed_by_event[i]),
             {{"event", kRelayedEvents[i]}});
  counter("sio_signalling_dropped_messages_total", "Relays to a peer id that is not connected.",
          stats.dropped_messages);
  counter("sio_signalling_received_bytes_total", "Engine.IO bytes read: polling bodies and WebSocket traffic.",
          stats.bytes_in);
  counter("sio_signalling_sent_bytes_total", "Engine.IO bytes written: polling bodies and WebSocket traffic.",
          stats.bytes_out);

  w.family("sio_signalling_refused_total", pt::Type::Counter,
           "Clients refused or cut off by a limit or a policy, by reason (the log has each one).");
  for (size_t i = 0; i < std::size(kRefusalNames); ++i)
    w.sample("sio_signalling_refused_total", static_cast<double>(stats.refused[i]), {{"reason", kRefusalNames[i]}});
  counter("sio_signalling_protocol_errors_total", "Connections closed for malformed or abusive input.",
          stats.protocol_errors);

  if (process.ok) {
    w.family("process_cpu_seconds_total", pt::Type::Counter, "User and system CPU time spent, in seconds.");
    w.sample("process_cpu_seconds_total", process.cpu_seconds);
    gauge("process_resident_memory_bytes", "Resident memory size, in bytes.",
          static_cast<double>(process.resident_bytes));
    gauge("process_virtual_memory_bytes", "Virtual memory size, in bytes.", static_cast<double>(process.virtual_bytes));
    gauge("process_open_fds", "Open file descriptors.", static_cast<double>(process.open_fds));
    gauge("process_max_fds", "The open file descriptors allowed (soft limit).", static_cast<double>(process.max_fds));
  }
  return w.text();
}

}  // namespace sio::signalling
