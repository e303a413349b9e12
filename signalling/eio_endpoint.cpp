#include "eio_endpoint.hpp"

#include <malloc.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "http_util.hpp"
#include "ids.hpp"
#include "log.hpp"

namespace sio::signalling {

EioEndpoint::EioEndpoint(ServerContext& server, std::string path, HandlerFactory factory)
    : server_(server), path_(std::move(path)), factory_(std::move(factory)) {}

EioEndpoint::~EioEndpoint() {
  if (trim_source_ != nullptr) {
    g_source_destroy(trim_source_);
    g_source_unref(trim_source_);
  }
  std::vector<EioSession*> open;
  open.reserve(sessions_.size());
  for (auto& [sid, session] : sessions_) open.push_back(session.get());
  for (EioSession* session : open) session->close("server shutting down");
  sessions_.clear();
  closed_sessions_.clear();
  if (free_source_) {
    g_source_destroy(free_source_);
    g_source_unref(free_source_);
  }
  for (auto& [msg, sid] : upgrades_) {
    g_signal_handlers_disconnect_by_data(msg, this);
    g_object_unref(msg);
  }
}

void EioEndpoint::close_all_gracefully(const char* reason) {
  std::vector<EioSession*> open;
  open.reserve(sessions_.size());
  for (auto& [sid, session] : sessions_) open.push_back(session.get());
  for (EioSession* session : open) session->close(reason, EioSession::CloseMode::Graceful);
}

void EioEndpoint::respond_error(SoupServerMessage* msg, engineio::ServerError error) {
  SIO_LOG_DEBUG("%s %s: %s", soup_server_message_get_method(msg), path_.c_str(),
                std::string(engineio::server_error_message(error)).c_str());
  http::respond_engineio_error(msg, error);
}

void EioEndpoint::handle_request(SoupServerMessage* msg) {
  const char* method = soup_server_message_get_method(msg);
  const char* raw_query = g_uri_get_query(soup_server_message_get_uri(msg));
  const engineio::Query query = engineio::parse_query(raw_query ? raw_query : "");
  const bool is_get = strcmp(method, "GET") == 0;
  const bool websocket = is_get && http::is_websocket_upgrade(msg);

  // engine.io's Server.verify, in its order.
  if (query.transport != "polling" && query.transport != "websocket") {
    respond_error(msg, engineio::ServerError::UnknownTransport);
    return;
  }
  if (!query.sid.empty()) {
    auto it = sessions_.find(query.sid);
    if (it == sessions_.end()) {
      respond_error(msg, engineio::ServerError::UnknownSid);
      return;
    }
    EioSession& session = *it->second;
    if (session.is_closing() && websocket) {
      respond_error(msg, engineio::ServerError::UnknownSid);
      return;
    }
    const char* current = session.transport() == EioSession::Transport::Polling ? "polling" : "websocket";
    if ((!websocket && query.transport != current) || query.eio != 4 ||
        (websocket && query.transport != "websocket")) {
      // Also how polling requests are refused once the session moved to WebSocket.
      respond_error(msg, engineio::ServerError::BadRequest);
      return;
    }
    if (websocket) {
      start_websocket(msg, query.sid);
    } else if (is_get) {
      session.handle_poll(msg);
    } else if (strcmp(method, "POST") == 0) {
      session.handle_post(msg);
    } else {
      respond_error(msg, engineio::ServerError::BadRequest);
    }
    return;
  }

  // Handshake.
  if (!is_get) {
    respond_error(msg, engineio::ServerError::BadHandshakeMethod);
    return;
  }
  if (query.transport == "websocket" ? !websocket : websocket) {
    respond_error(msg, engineio::ServerError::BadRequest);
    return;
  }
  if (query.eio != 4) {
    respond_error(msg, engineio::ServerError::UnsupportedProtocolVersion);
    return;
  }
  const char* host = soup_server_message_get_remote_host(msg);
  std::string remote_host = host ? host : "";
  if (refuse_over_limits(msg, remote_host)) return;
  if (websocket) {
    start_websocket(msg, std::string(), std::move(remote_host));
    return;
  }
  EioSession* session = create_session(EioSession::Transport::Polling, std::move(remote_host));
  session->open();
  session->handle_poll(msg);  // answered at once with the open packet
}

// --max-clients and --max-clients-per-ip: a handshake over either is answered 503 and logged
// (at most a line a second, with how many were refused meanwhile).
bool EioEndpoint::refuse_over_limits(SoupServerMessage* msg, const std::string& remote_host) {
  const ServerConfig& config = server_.config;
  const char* why = nullptr;
  if (server_.stats.sessions_open >= config.max_sessions) {
    why = "--max-clients";
  } else if (config.max_sessions_per_host > 0 && !remote_host.empty()) {
    auto it = sessions_per_host_.find(remote_host);
    if (it != sessions_per_host_.end() && it->second >= config.max_sessions_per_host) why = "--max-clients-per-ip";
  }
  if (!why) return false;
  const int limit = why == std::string_view("--max-clients") ? 0 : 1;
  server_.stats.count(limit == 0 ? Refusal::MaxClients : Refusal::MaxClientsPerAddress);
  if (log::Throttle& throttle = refusal_log_[limit]; throttle.due()) {
    const std::string more = throttle.suppressed == 0 ? std::string()
                             : " (" + std::to_string(throttle.suppressed) + " more refused since the last line)";
    SIO_LOG_WARN("refusing a new client from %s: %s reached (%u clients in all, at most %u from one address)%s",
                 remote_host.empty() ? "?" : remote_host.c_str(), why,
                 static_cast<unsigned>(server_.stats.sessions_open), config.max_sessions_per_host, more.c_str());
  }
  http::respond_text(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain",
                     limit == 0 ? "Too many clients\n" : "Too many clients from this address\n");
  return true;
}

void EioEndpoint::count_transports(ServerStats& stats) const {
  for (const auto& [sid, session] : sessions_) {
    if (session->transport() == EioSession::Transport::WebSocket) stats.sessions_websocket++;
    else stats.sessions_polling++;
  }
}

EioSession* EioEndpoint::create_session(EioSession::Transport transport, std::string remote_host) {
  std::string sid = random_id();
  while (sessions_.count(sid)) sid = random_id();
  auto owned = std::make_unique<EioSession>(*this, sid, transport);
  EioSession* session = owned.get();
  sessions_.emplace(std::move(sid), std::move(owned));
  server_.stats.sessions_opened++;
  server_.stats.sessions_open++;
  if (!remote_host.empty()) sessions_per_host_[remote_host]++;
  session->set_remote_host(std::move(remote_host));
  trim_mark_ = std::max(trim_mark_, server_.stats.sessions_open);
  session->set_handler(factory_(*session));
  return session;
}

void EioEndpoint::session_closed(EioSession& session) {
  auto it = sessions_.find(session.sid());
  if (it == sessions_.end() || it->second.get() != &session) return;
  if (!session.remote_host().empty()) {
    auto host = sessions_per_host_.find(session.remote_host());
    if (host != sessions_per_host_.end() && --host->second == 0) sessions_per_host_.erase(host);
  }
  closed_sessions_.push_back(std::move(it->second));
  sessions_.erase(it);
  server_.stats.sessions_closed++;
  server_.stats.sessions_open--;
  if (!free_source_) {
    free_source_ = g_idle_source_new();
    // Not at idle priority: under steady load the loop is never idle, and the dead sessions
    // (each with its timers still attached to the context) piled up, making every iteration
    // slower (100,000 connect/disconnect cycles took the server's CPU from 0.8 s to 7 s per 5,000).
    g_source_set_priority(free_source_, G_PRIORITY_DEFAULT);
    g_source_set_callback(free_source_, &EioEndpoint::free_closed_sessions, this, nullptr);
    g_source_attach(free_source_, server_.main_context);
  }
}

gboolean EioEndpoint::free_closed_sessions(gpointer self_ptr) {
  auto* self = static_cast<EioEndpoint*>(self_ptr);
  g_source_unref(self->free_source_);
  self->free_source_ = nullptr;
  std::vector<std::unique_ptr<EioSession>> dead;
  dead.swap(self->closed_sessions_);
  dead.clear();
  self->give_memory_back();
  return G_SOURCE_REMOVE;
}

// After a spike (a crowd that came and went), glibc keeps the freed heap: the server's RSS stayed
// at its peak. Once the sessions open fall to half of the most since the last time (and by at least
// kTrimAtLeast), the free memory goes back to the system a second later, when the connections'
// other objects (freed over the next iterations) have gone too. At most once per halving.
constexpr uint64_t kTrimAtLeast = 128;
constexpr guint kTrimDelayMs = 1000;

void EioEndpoint::give_memory_back() {
  const uint64_t open = server_.stats.sessions_open;
  if (trim_source_ != nullptr || trim_mark_ < open + kTrimAtLeast || open > trim_mark_ / 2) return;
  trim_mark_ = open;
  trim_source_ = g_timeout_source_new(kTrimDelayMs);
  g_source_set_callback(
      trim_source_,
      [](gpointer self_ptr) -> gboolean {
        auto* self = static_cast<EioEndpoint*>(self_ptr);
        g_source_unref(self->trim_source_);
        self->trim_source_ = nullptr;
        SIO_LOG_DEBUG("%s: %llu sessions open after a spike: giving free memory back", self->path_.c_str(),
                      static_cast<unsigned long long>(self->server_.stats.sessions_open));
        malloc_trim(0);
        self->trim_mark_ = std::max(self->trim_mark_, self->server_.stats.sessions_open);
        return G_SOURCE_REMOVE;
      },
      this, nullptr);
  g_source_attach(trim_source_, server_.main_context);
}

void EioEndpoint::start_websocket(SoupServerMessage* msg, const std::string& sid, std::string remote_host) {
  // No extensions offered back: engine.io's default is perMessageDeflate off, and deflate would
  // cost CPU on every relayed message.
  if (!soup_websocket_server_process_handshake(msg, nullptr, nullptr, nullptr, nullptr)) {
    SIO_LOG_DEBUG("%s: bad websocket handshake", path_.c_str());
    return;  // libsoup set the error status
  }
  upgrades_.emplace(static_cast<SoupServerMessage*>(g_object_ref(msg)), Upgrade{sid, std::move(remote_host)});
  g_signal_connect(msg, "wrote-informational", G_CALLBACK(upgrade_written_cb), this);
  g_signal_connect(msg, "finished", G_CALLBACK(upgrade_finished_cb), this);
}

void EioEndpoint::forget_upgrade(SoupServerMessage* msg) {
  g_signal_handlers_disconnect_by_data(msg, this);
  upgrades_.erase(msg);
  g_object_unref(msg);  // the signal emission holds its own reference
}

void EioEndpoint::upgrade_finished_cb(SoupServerMessage* msg, gpointer self_ptr) {
  auto* self = static_cast<EioEndpoint*>(self_ptr);
  if (self->upgrades_.count(msg)) self->forget_upgrade(msg);
}

void EioEndpoint::upgrade_written_cb(SoupServerMessage* msg, gpointer self_ptr) {
  auto* self = static_cast<EioEndpoint*>(self_ptr);
  auto it = self->upgrades_.find(msg);
  if (it == self->upgrades_.end()) return;
  const std::string sid = std::move(it->second.sid);
  std::string remote_host = std::move(it->second.remote_host);
  g_object_ref(msg);
  self->forget_upgrade(msg);

  // The 101 is out: take the connection from libsoup's HTTP server.
  GIOStream* stream = soup_server_message_steal_connection(msg);
  g_object_unref(msg);
  if (!stream) return;  // the client went away meanwhile
  WsConnection* connection = self->server_.tail->adopt(stream, self->config().max_payload,
                                                           self->config().max_send_buffer);
  g_object_unref(stream);

  if (sid.empty()) {
    EioSession* session = self->create_session(EioSession::Transport::WebSocket, std::move(remote_host));
    session->attach_websocket(connection);
    session->open();
    return;
  }
  auto session = self->sessions_.find(sid);
  if (session == self->sessions_.end()) {
    self->retire_websocket(connection);  // the session closed meanwhile
    return;
  }
  session->second->begin_upgrade(connection);
}

void EioEndpoint::retire_websocket(WsConnection* connection) { server_.tail->retire(connection); }

}  // namespace sio::signalling
