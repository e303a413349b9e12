// Server: the SoupServer, its listening addresses and TLS, and HTTP routing:
//   /socket.io/socket.io.js etc.  the client bundle (StaticFiles)
//   /socket.io/                   Engine.IO carrying Socket.IO (chapter app, or the conformance app)
//   /engine.io/                   --conformance only: plain Engine.IO echo
//   anything else                 static files, else 404
#include "server.hpp"

#include <libsoup/soup.h>
#include <netinet/in.h>

#include <cstring>
#include <string_view>

#include "acceptor.hpp"
#include "chapter_app.hpp"
#include "conformance_app.hpp"
#include "eio_endpoint.hpp"
#include "http_util.hpp"
#include "log.hpp"
#include "loop_tail.hpp"
#include "origin_policy.hpp"
#include "request_timeouts.hpp"
#include "server_context.hpp"
#include "sio_connection.hpp"
#include "process_stats.hpp"
#include "prometheus_text.hpp"
#include "server_metrics.hpp"
#include "static_files.hpp"
#include "web_files.hpp"

namespace sio::signalling {

namespace {

constexpr std::string_view kSocketIoPath = "/socket.io/";
constexpr std::string_view kEngineIoPath = "/engine.io/";
constexpr const char* kMetricsPath = "/metrics";
constexpr int kListenBacklog = 511;

bool starts_with(const char* path, std::string_view prefix) {
  return path && std::string_view(path).substr(0, prefix.size()) == prefix;
}

}  // namespace

struct Server::Impl {
  ServerContext server;
  glib::GMainContextPtr context;
  std::unique_ptr<StaticFiles> static_files;
  // Outlives the app and the endpoints: sessions hand their connections back to it.
  std::unique_ptr<LoopTail> tail;
  // Declared before the endpoints: sessions closing in ~EioEndpoint still call the app.
  std::unique_ptr<SioApp> app;
  std::unique_ptr<EioEndpoint> socketio;
  std::unique_ptr<EioEndpoint> engineio;  // conformance only
  glib::GObjectPtr<SoupServer> soup;
  glib::GObjectPtr<GTlsCertificate> certificate;
  std::vector<std::unique_ptr<Acceptor>> acceptors;  // one per listening socket
  std::unique_ptr<RequestTimeouts> timeouts;

  ~Impl() {
    glib::ThreadDefaultContext scope(context.get());
    server.shutting_down = true;
    acceptors.clear();
    timeouts.reset();
    engineio.reset();
    socketio.reset();
    if (soup) soup_server_disconnect(soup.get());
    soup.reset();
    app.reset();
  }

  void route(SoupServerMessage* msg, const char* path);
  bool refuse_origin(SoupServerMessage* msg);  // --allowed-origins; applies CORS when allowed
  log::Throttle origin_log;  // refusals logged at most once a second
  bool listen(glib::GErrorPtr& error);
  bool listen_on(GSocketAddress* address, glib::GErrorPtr& error);
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer self);
  void answer_metrics(SoupServerMessage* msg);
  ServerStats snapshot() const;  // the counters, with the gauges read now
  static void on_request_started(SoupServer*, SoupServerMessage* msg, gpointer);
  static void on_early_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                               gpointer self);
};

// libsoup answers some requests itself, without calling a handler (400 for a path it cannot
// normalise, such as "/..%2fetc"). It closes those connections too (it keeps a connection alive
// only for its own listeners, see acceptor.hpp), so the answer must say so: Node's keep-alive
// agent sent its next request on the closed socket ("socket hang up").
void Server::Impl::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer) {
  g_signal_connect(msg, "got-headers", G_CALLBACK(+[](SoupServerMessage* message, gpointer) {
    if (soup_server_message_get_status(message) != 0) {
      soup_message_headers_replace(soup_server_message_get_response_headers(message), "Connection", "close");
    }
  }), nullptr);
}

void Server::Impl::on_early_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                                    gpointer self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (starts_with(path, kSocketIoPath) || starts_with(path, kEngineIoPath)) {
    if (strcmp(soup_server_message_get_method(msg), "POST") == 0) {
      http::limit_request_body(msg, self->server.config.max_payload);
    }
    return;
  }
  // Every other path serves files and takes no body: one is refused before it is read (libsoup
  // buffered it whole, 300 MB for a 404), and the connection closed, as its bytes were not read.
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  const SoupEncoding encoding = soup_message_headers_get_encoding(headers);
  const bool has_body = encoding == SOUP_ENCODING_CHUNKED ||
                        (encoding == SOUP_ENCODING_CONTENT_LENGTH && soup_message_headers_get_content_length(headers) > 0);
  if (!has_body) return;
  SIO_LOG_WARN("%s %s with a request body: this path takes none; refused (413) and the connection closed",
               soup_server_message_get_method(msg), path);
  soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
  http::respond_text(msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "text/plain", "This path takes no request body\n");
}

void Server::Impl::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*,
                              gpointer self_ptr) {
  auto* self = static_cast<Impl*>(self_ptr);
  if (soup_server_message_get_status(msg) != 0) return;  // answered early (on_early_request)
  // Every plain HTTP answer closes its connection, and says so (Node's keep-alive agent reused
  // a socket libsoup had closed unannounced). libsoup 3.2 never notices that a client closed an
  // idle keep-alive connection: it kept the descriptor forever (50 page loads, 50 descriptors;
  // fixed in libsoup 3.3). A WebSocket upgrade (101) takes its connection over.
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
  try {
    self->route(msg, path);
  } catch (const std::exception& e) {
    // Never let an exception cross into libsoup.
    SIO_LOG_ERROR("internal error on %s: %s", path ? path : "?", e.what());
    soup_server_message_set_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, nullptr);
  }
}

void Server::Impl::route(SoupServerMessage* msg, const char* path) {
  if (starts_with(path, kSocketIoPath)) {
    if (static_files->is_client_script(path)) {
      if (!static_files->serve(msg, path)) http::respond_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "Not Found");
      return;
    }
    if (refuse_origin(msg)) return;
    socketio->handle_request(msg);
    return;
  }
  if (engineio && starts_with(path, kEngineIoPath)) {
    if (refuse_origin(msg)) return;
    engineio->handle_request(msg);
    return;
  }
  if (server.config.metrics && g_strcmp0(path, kMetricsPath) == 0) {
    answer_metrics(msg);
    return;
  }
  if (!static_files->serve(msg, path)) {
    http::respond_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "Not Found");
  }
}

void Server::Impl::answer_metrics(SoupServerMessage* msg) {
  const char* method = soup_server_message_get_method(msg);
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
    http::respond_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "Method Not Allowed\n");
    return;
  }
  const std::string text = server_metrics_text(snapshot(), read_process_stats());
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-store");
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response(msg, std::string(prometheus::kContentType).c_str(), SOUP_MEMORY_COPY,
                                   text.data(), text.size());
}

ServerStats Server::Impl::snapshot() const {
  ServerStats stats = server.stats;
  stats.sessions_polling = stats.sessions_websocket = 0;
  socketio->count_transports(stats);
  if (engineio) engineio->count_transports(stats);
  const LoopTail::Traffic& traffic = tail->traffic();
  stats.bytes_in += traffic.bytes_in;
  stats.bytes_out += traffic.bytes_out;
  stats.refused[static_cast<size_t>(Refusal::SendBuffer)] += traffic.send_buffer_overflows;
  if (timeouts) stats.refused[static_cast<size_t>(Refusal::HeaderTimeout)] += timeouts->expired();
  return stats;
}

// True when answered here: a page from an origin that is not allowed (403), or a CORS preflight.
bool Server::Impl::refuse_origin(SoupServerMessage* msg) {
  SoupMessageHeaders* headers = soup_server_message_get_request_headers(msg);
  const char* origin = soup_message_headers_get_one(headers, "Origin");
  const OriginDecision decision = decide_origin(origin, soup_message_headers_get_one(headers, "Host"),
                                                server.config.allowed_origins, server.config.cors_origin);
  if (decision.allowed) return http::apply_cors(msg, decision.cors);
  server.stats.count(Refusal::Origin);
  if (origin_log.due()) {
    SIO_LOG_WARN("refusing a %s from a page at %s: not an allowed origin (--allowed-origins)",
                 http::is_websocket_upgrade(msg) ? "WebSocket" : "request", origin);
  }
  http::respond_text(msg, SOUP_STATUS_FORBIDDEN, "text/plain", "Origin not allowed\n");
  return true;
}

// A listening socket with a backlog of 511 (Node's; GLib's default is 10, so a burst of connects
// waited for SYN retransmits, a second or more each).
bool Server::Impl::listen_on(GSocketAddress* address, glib::GErrorPtr& error) {
  const GSocketFamily family = g_socket_address_get_family(address);
  glib::GObjectPtr<GSocket> socket(
      g_socket_new(family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, glib::GErrorOut(error)));
  if (!socket) return false;
  // As soup_server_listen(): an IPv6 socket takes IPv6 only (IPv4 has its own).
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, TRUE, glib::GErrorOut(error))) {
    return false;
  }
  g_socket_set_listen_backlog(socket.get(), kListenBacklog);
  if (!g_socket_bind(socket.get(), address, TRUE, glib::GErrorOut(error))) return false;
  if (!g_socket_listen(socket.get(), glib::GErrorOut(error))) return false;
  // HTTPS when a certificate was loaded.
  acceptors.push_back(std::make_unique<Acceptor>(soup.get(), socket.get(), certificate.get(), context.get()));
  return true;
}

bool Server::Impl::listen(glib::GErrorPtr& error) {
  const ServerConfig& config = server.config;

  struct Candidate {
    glib::GObjectPtr<GInetAddress> address;
    bool optional;  // "localhost" listens on ::1 too when the machine has IPv6
  };
  std::vector<Candidate> candidates;
  if (config.host == "localhost") {
    candidates.push_back({glib::adopt(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4)), false});
    candidates.push_back({glib::adopt(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV6)), true});
  } else if (GInetAddress* literal = g_inet_address_new_from_string(config.host.c_str())) {
    candidates.push_back({glib::adopt(literal), false});
  } else {
    glib::GObjectPtr<GResolver> resolver(g_resolver_get_default());
    GList* found = g_resolver_lookup_by_name(resolver.get(), config.host.c_str(), nullptr, glib::GErrorOut(error));
    if (!found) return false;
    for (GList* l = found; l; l = l->next) {
      candidates.push_back({glib::retain(G_INET_ADDRESS(l->data)), l != found});
    }
    g_resolver_free_addresses(found);
  }

  uint16_t port = config.port;
  for (const Candidate& candidate : candidates) {
    glib::GObjectPtr<GSocketAddress> address(g_inet_socket_address_new(candidate.address.get(), port));
    glib::GErrorPtr listen_error;
    if (!listen_on(address.get(), listen_error)) {
      if (candidate.optional) {
        glib::GCharPtr name(g_inet_address_to_string(candidate.address.get()));
        SIO_LOG_DEBUG("not listening on %s: %s", name.get(), listen_error->message);
        continue;
      }
      error = std::move(listen_error);
      return false;
    }
    if (port == 0) {
      // Port 0: every further address gets the port the first one was given.
      port = acceptors.back()->port();
    }
  }
  return true;
}

std::unique_ptr<Server> Server::start(const ServerConfig& config, GMainContext* context,
                                      glib::GErrorPtr& error) {
  auto impl = std::make_unique<Impl>();
  impl->server.config = config;
  impl->context.reset(context ? g_main_context_ref(context) : g_main_context_ref_thread_default());
  impl->server.main_context = impl->context.get();
  impl->tail = std::make_unique<LoopTail>(impl->context.get(), config.batch_window_us);
  impl->server.tail = impl->tail.get();
  glib::ThreadDefaultContext scope(impl->context.get());

  glib::GObjectPtr<GTlsCertificate>& certificate = impl->certificate;
  if (!config.tls_cert_file.empty() || !config.tls_key_file.empty()) {
    if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
      g_set_error(glib::GErrorOut(error), G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "TLS needs both a certificate and a key file");
      return nullptr;
    }
    certificate.reset(g_tls_certificate_new_from_files(config.tls_cert_file.c_str(),
                                                       config.tls_key_file.c_str(), glib::GErrorOut(error)));
    if (!certificate) return nullptr;
  }
  impl->soup = glib::adopt(static_cast<SoupServer*>(
      g_object_new(SOUP_TYPE_SERVER, "tls-certificate", certificate.get(), nullptr)));

  impl->server.auth = AuthTokens(config.auth_tokens, config.auth_tokens_file);
  if (std::string problem; !impl->server.auth.load(problem)) {
    g_set_error(glib::GErrorOut(error), G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--auth-tokens-file: %s",
                problem.c_str());
    return nullptr;
  }
  WebFiles web_files = locate_web_files(config, compiled_layout(), executable_dir());
  if (!config.conformance) {
    // Silent 404s for every page would be the alternative: say at start what is missing.
    if (std::string problem = check_public_dir(web_files); !problem.empty()) {
      g_set_error(glib::GErrorOut(error), G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s", problem.c_str());
      return nullptr;
    }
    for (const auto& missing : missing_bundles(web_files)) SIO_LOG_WARN("static: %s will answer 404", missing.c_str());
    SIO_LOG_DEBUG("static: pages from %s (%s)", web_files.public_dir.c_str(), web_files.origin.c_str());
  }
  impl->static_files = std::make_unique<StaticFiles>(web_files);
  ServerContext& server = impl->server;
  if (config.conformance) {
    impl->app = std::make_unique<ConformanceApp>(server);
    impl->engineio = std::make_unique<EioEndpoint>(server, std::string(kEngineIoPath), [](EioSession& session) {
      return std::unique_ptr<EioSessionHandler>(std::make_unique<EchoHandler>(session));
    });
  } else {
    impl->app = std::make_unique<ChapterApp>(server);
  }
  SioApp* app = impl->app.get();
  impl->socketio = std::make_unique<EioEndpoint>(
      server, std::string(kSocketIoPath), [app, &server](EioSession& session) {
        return std::unique_ptr<EioSessionHandler>(std::make_unique<SioConnection>(session, *app, server));
      });

  impl->timeouts = std::make_unique<RequestTimeouts>(impl->soup.get(), impl->context.get(), config.header_timeout_ms);
  g_signal_connect(impl->soup.get(), "request-started", G_CALLBACK(&Impl::on_request_started), nullptr);
  soup_server_add_early_handler(impl->soup.get(), nullptr, &Impl::on_early_request, impl.get(), nullptr);
  soup_server_add_handler(impl->soup.get(), nullptr, &Impl::on_request, impl.get(), nullptr);
  if (!impl->listen(error)) return nullptr;
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

uint16_t Server::port() const { return impl_->acceptors.empty() ? 0 : impl_->acceptors.front()->port(); }

std::vector<std::string> Server::urls() const {
  std::vector<std::string> result;
  for (const auto& acceptor : impl_->acceptors) result.push_back(acceptor->url());
  return result;
}

ServerStats Server::stats() const { return impl_->snapshot(); }

void Server::shut_down_gracefully(uint32_t grace_ms) {
  begin_shutdown();
  GMainContext* context = impl_->context.get();
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(grace_ms) * G_TIME_SPAN_MILLISECOND;
  // Wakes the blocking iterations below to look at the clock when no client answers.
  glib::GSourcePtr tick(g_timeout_source_new(50));
  g_source_set_callback(tick.get(), [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(tick.get(), context);
  while (impl_->server.stats.sessions_open > 0 && g_get_monotonic_time() < deadline) {
    g_main_context_iteration(context, TRUE);
  }
  g_source_destroy(tick.get());
}

bool Server::reload_auth_tokens(std::string& error) { return impl_->server.auth.load(error); }

bool Server::requires_auth() const { return impl_->server.auth.required(); }

void Server::begin_shutdown() {
  glib::ThreadDefaultContext scope(impl_->context.get());
  impl_->server.shutting_down = true;  // no `clients` broadcasts to sessions being closed
  if (impl_->engineio) impl_->engineio->close_all_gracefully("server shutting down");
  impl_->socketio->close_all_gracefully("server shutting down");
}

}  // namespace sio::signalling
