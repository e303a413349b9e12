#include "acceptor.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gobject_ptr.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {

constexpr uint32_t kRetryMs = 100;
constexpr int kAcceptsPerDispatch = 64;  // other sources get their turn

thread_local GSocket* accepting_now = nullptr;

}  // namespace

Acceptor::Acceptor(SoupServer* soup, GSocket* socket, GTlsCertificate* certificate, GMainContext* context)
    : soup_(soup),
      socket_(G_SOCKET(g_object_ref(socket))),
      certificate_(certificate),
      context_(context),
      retry_(context, &Acceptor::on_retry, this) {
  // Only this watch accepts, so a WOULD_BLOCK simply means the queue is empty.
  g_socket_set_blocking(socket_, FALSE);
  watch();
}

Acceptor::~Acceptor() {
  unwatch();
  g_socket_close(socket_, nullptr);
  g_object_unref(socket_);
}

GSocket* Acceptor::accepting() { return accepting_now; }

uint16_t Acceptor::port() const {
  glib::GObjectPtr<GSocketAddress> local(g_socket_get_local_address(socket_, nullptr));
  return local ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local.get())) : 0;
}

std::string Acceptor::url() const {
  glib::GObjectPtr<GSocketAddress> local(g_socket_get_local_address(socket_, nullptr));
  if (!local) return {};
  GInetAddress* address = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local.get()));
  glib::GCharPtr host(g_inet_address_to_string(address));
  const bool v6 = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6;
  return std::string(certificate_ ? "https" : "http") + "://" + (v6 ? "[" : "") + host.get() + (v6 ? "]" : "") +
         ":" + std::to_string(port()) + "/";
}

void Acceptor::watch() {
  if (watch_) return;
  watch_ = g_socket_create_source(socket_, G_IO_IN, nullptr);
  g_source_set_callback(watch_, G_SOURCE_FUNC(on_waiting), this, nullptr);  // a GSocketSourceFunc
  g_source_set_static_name(watch_, "sio-signalling acceptor");
  g_source_attach(watch_, context_);
}

void Acceptor::unwatch() {
  if (!watch_) return;
  g_source_destroy(watch_);
  g_source_unref(watch_);
  watch_ = nullptr;
}

gboolean Acceptor::on_waiting(GSocket*, GIOCondition, gpointer data) {
  static_cast<Acceptor*>(data)->accept_waiting();
  return G_SOURCE_CONTINUE;
}

void Acceptor::accept_waiting() {
  for (int i = 0; i < kAcceptsPerDispatch; ++i) {
    glib::GErrorPtr error;
    glib::GObjectPtr<GSocket> client(g_socket_accept(socket_, nullptr, glib::GErrorOut(error)));
    if (client) {
      if (out_of_files_) {
        out_of_files_ = false;
        SIO_LOG_WARN("accepting connections again (none could be accepted for %lld ms)",
                     static_cast<long long>((g_get_monotonic_time() - out_since_us_) / 1000));
      }
      hand_over(client.get());
      continue;
    }
    if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) return;
    if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)) {
      if (!out_of_files_) {
        out_of_files_ = true;
        out_since_us_ = g_get_monotonic_time();
        SIO_LOG_WARN("cannot accept connections: %s (every open file allowed is in use); accepting again "
                     "as soon as connections close",
                     error->message);
      }
      unwatch();  // the socket stays readable: polled again after kRetryMs, not in a busy loop
      retry_.arm_ms(kRetryMs);
      return;
    }
    // A connection reset before it was taken, and the like: that one is lost, the next is taken.
    SIO_LOG_DEBUG("accept failed: %s", error->message);
  }
}

void Acceptor::hand_over(GSocket* client) {
  // As libsoup's listener: small signalling messages go out at once.
  g_socket_set_option(client, IPPROTO_TCP, TCP_NODELAY, TRUE, nullptr);
  glib::GObjectPtr<GSocketConnection> connection(g_socket_connection_factory_create_connection(client));
  glib::GObjectPtr<GSocketAddress> local(g_socket_get_local_address(client, nullptr));
  glib::GObjectPtr<GSocketAddress> remote(g_socket_get_remote_address(client, nullptr));
  if (!local || !remote) return;  // already reset by the peer
  glib::GObjectPtr<GIOStream> stream(G_IO_STREAM(g_object_ref(connection.get())));
  glib::GErrorPtr error;
  if (certificate_) {
    stream.reset(g_tls_server_connection_new(G_IO_STREAM(connection.get()), certificate_, glib::GErrorOut(error)));
    if (!stream) {
      SIO_LOG_WARN("cannot start TLS on an accepted connection: %s", error->message);
      return;
    }
    // As libsoup's listener: a client may close without close_notify.
    g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(stream.get()), FALSE);
  }
  accepting_now = client;
  const bool taken = soup_server_accept_iostream(soup_, stream.get(), local.get(), remote.get(), glib::GErrorOut(error));
  accepting_now = nullptr;
  if (!taken) SIO_LOG_WARN("libsoup did not take an accepted connection: %s", error->message);
}

void Acceptor::on_retry(void* data) {
  auto* self = static_cast<Acceptor*>(data);
  self->watch();
  self->accept_waiting();
}

}  // namespace sio::signalling
