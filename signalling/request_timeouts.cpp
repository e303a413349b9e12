#include "request_timeouts.hpp"

#include <string>

#include "acceptor.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {

constexpr const char* kHeadTimerKey = "sio-head-timer";  // on the message: its GSource

struct Expiry {
  GSocket* socket;  // owned ref
  uint32_t ms;
  std::shared_ptr<uint64_t> expired;  // shared with RequestTimeouts: a timer may outlive it
};

gboolean on_expired(gpointer data) {
  auto* expiry = static_cast<Expiry*>(data);
  // Closed meanwhile: the connection went before the timer fired.
  if (g_socket_is_closed(expiry->socket)) return G_SOURCE_REMOVE;
  std::string peer = "?";
  if (GSocketAddress* address = g_socket_get_remote_address(expiry->socket, nullptr)) {
    if (G_IS_INET_SOCKET_ADDRESS(address)) {
      gchar* host = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(address)));
      peer = std::string(host) + ":" + std::to_string(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(address)));
      g_free(host);
    }
    g_object_unref(address);
  }
  (*expiry->expired)++;
  SIO_LOG_INFO("closing a connection from %s: no complete request head within %u ms (--header-timeout)",
               peer.c_str(), expiry->ms);
  // Shut down, not closed: libsoup owns the descriptor; its read then fails and it cleans up.
  g_socket_shutdown(expiry->socket, TRUE, TRUE, nullptr);
  return G_SOURCE_REMOVE;
}

void free_expiry(gpointer data) {
  auto* expiry = static_cast<Expiry*>(data);
  g_object_unref(expiry->socket);
  delete expiry;
}

void destroy_timer(gpointer source) {
  g_source_destroy(static_cast<GSource*>(source));
  g_source_unref(static_cast<GSource*>(source));
}

}  // namespace

RequestTimeouts::RequestTimeouts(SoupServer* soup, GMainContext* context, uint32_t header_ms)
    : soup_(soup), context_(context), header_ms_(header_ms), expired_(std::make_shared<uint64_t>(0)) {
  if (header_ms_ > 0) handler_ = g_signal_connect(soup_, "request-started", G_CALLBACK(on_request_started), this);
}

RequestTimeouts::~RequestTimeouts() {
  if (handler_) g_signal_handler_disconnect(soup_, handler_);
}

// libsoup emits request-started when a connection opens (every connection serves one request,
// see server.cpp).
void RequestTimeouts::on_request_started(SoupServer*, SoupServerMessage* msg, gpointer data) {
  auto* self = static_cast<RequestTimeouts*>(data);
  // Connections are handed to libsoup as streams (acceptor.hpp): it knows no GSocket for them.
  GSocket* socket = Acceptor::accepting();
  if (!socket) return;  // a later request on a kept-alive connection: its head was timed already
  GSource* timer = g_timeout_source_new(self->header_ms_);
  g_source_set_callback(timer, on_expired, new Expiry{G_SOCKET(g_object_ref(socket)), self->header_ms_, self->expired_},
                        free_expiry);
  g_source_set_static_name(timer, "sio-signalling header timeout");
  g_source_attach(timer, self->context_);
  // The timer goes with the message: cancelled when its head is read, or when it is freed.
  g_object_set_data_full(G_OBJECT(msg), kHeadTimerKey, timer, destroy_timer);
  g_signal_connect(msg, "got-headers", G_CALLBACK(on_got_headers), nullptr);
}

void RequestTimeouts::on_got_headers(SoupServerMessage* msg, gpointer) {
  g_object_set_data(G_OBJECT(msg), kHeadTimerKey, nullptr);
}

}  // namespace sio::signalling
