#include "accept_recovery.hpp"

#include "gobject_ptr.hpp"
#include "log.hpp"

namespace sio::signalling {

namespace {

constexpr uint32_t kRetryMs = 100;
constexpr uint32_t kQuietMs = 1000;
constexpr int kAcceptsPerDispatch = 64;  // other sources get their turn

}  // namespace

AcceptRecovery::AcceptRecovery(SoupServer* soup, GSocket* socket, SoupServerListenOptions options,
                               GTlsCertificate* certificate, GMainContext* context)
    : soup_(soup), socket_(G_SOCKET(g_object_ref(socket))), options_(options), certificate_(certificate), context_(context),
      retry_(context, &AcceptRecovery::on_retry, this), quiet_(context, &AcceptRecovery::on_quiet, this) {
  watch();
}

AcceptRecovery::~AcceptRecovery() {
  unwatch();
  g_object_unref(socket_);
}

void AcceptRecovery::watch() {
  if (watch_) return;
  watch_ = g_socket_create_source(socket_, G_IO_IN, nullptr);
  // Below libsoup's listener (G_PRIORITY_DEFAULT): GLib dispatches only the highest priority
  // among ready sources, so this runs only when libsoup's watch on the same socket is gone.
  g_source_set_priority(watch_, G_PRIORITY_LOW);
  g_source_set_callback(watch_, G_SOURCE_FUNC(on_waiting), this, nullptr);  // a GSocketSourceFunc
  g_source_set_static_name(watch_, "sio-signalling accept recovery");
  g_source_attach(watch_, context_);
}

void AcceptRecovery::unwatch() {
  if (!watch_) return;
  g_source_destroy(watch_);
  g_source_unref(watch_);
  watch_ = nullptr;
}

gboolean AcceptRecovery::on_waiting(GSocket*, GIOCondition, gpointer data) {
  auto* self = static_cast<AcceptRecovery*>(data);
  if (!self->stopped_) {
    self->stopped_ = true;
    SIO_LOG_DEBUG("libsoup's listener stopped after a failed accept; accepting here");
  }
  self->accept_waiting();
  return G_SOURCE_CONTINUE;
}

void AcceptRecovery::accept_waiting() {
  // Non-blocking only here: libsoup's listener accepts when the socket is readable, and would
  // take a WOULD_BLOCK as a failure and stop.
  struct NonBlocking {
    GSocket* socket;
    explicit NonBlocking(GSocket* s) : socket(s) { g_socket_set_blocking(socket, FALSE); }
    ~NonBlocking() { g_socket_set_blocking(socket, TRUE); }
  } non_blocking(socket_);
  for (int i = 0; i < kAcceptsPerDispatch; ++i) {
    glib::GErrorPtr error;
    GSocket* client = g_socket_accept(socket_, nullptr, glib::GErrorOut(error));
    if (client) {
      hand_over(client);
      g_object_unref(client);
      continue;
    }
    if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) break;
    if (g_error_matches(error.get(), G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES)) {
      if (!out_of_files_) {
        out_of_files_ = true;
        SIO_LOG_WARN("cannot accept connections: %s (every open file allowed is in use); accepting again "
                     "as soon as connections close",
                     error->message);
      }
      unwatch();  // the socket stays readable: polled again after kRetryMs, not in a busy loop
      quiet_.disarm();
      retry_.arm_ms(kRetryMs);
      return;
    }
    // A connection reset before it was taken, and the like: that one is lost, the next is taken.
    SIO_LOG_DEBUG("accept failed: %s", error->message);
  }
  if (stopped_) quiet_.arm_ms(kQuietMs);
}

void AcceptRecovery::hand_over(GSocket* client) {
  glib::GObjectPtr<GSocketConnection> connection(g_socket_connection_factory_create_connection(client));
  glib::GObjectPtr<GSocketAddress> local(g_socket_get_local_address(client, nullptr));
  glib::GObjectPtr<GSocketAddress> remote(g_socket_get_remote_address(client, nullptr));
  glib::GObjectPtr<GIOStream> stream(G_IO_STREAM(g_object_ref(connection.get())));
  glib::GErrorPtr error;
  if (options_ & SOUP_SERVER_LISTEN_HTTPS) {
    // libsoup wraps the connections its listener takes; one handed over is wrapped here.
    stream.reset(g_tls_server_connection_new(G_IO_STREAM(connection.get()), certificate_, glib::GErrorOut(error)));
    if (!stream) {
      SIO_LOG_WARN("cannot start TLS on an accepted connection: %s", error->message);
      return;
    }
  }
  if (!soup_server_accept_iostream(soup_, stream.get(), local.get(), remote.get(), glib::GErrorOut(error))) {
    SIO_LOG_WARN("libsoup did not take an accepted connection: %s", error->message);
    return;
  }
  ++accepted_here_;
}

void AcceptRecovery::on_retry(void* data) {
  auto* self = static_cast<AcceptRecovery*>(data);
  self->watch();
  self->accept_waiting();
}

// A second without a failed accept: libsoup's listener is restarted on the same socket (this
// watch then goes quiet again). Each restart leaves libsoup's stopped listener object behind
// (libsoup has no call to remove one), a few hundred bytes per episode, not per connection.
void AcceptRecovery::on_quiet(void* data) {
  auto* self = static_cast<AcceptRecovery*>(data);
  glib::GErrorPtr error;
  if (!soup_server_listen_socket(self->soup_, self->socket_, self->options_, glib::GErrorOut(error))) {
    SIO_LOG_WARN("cannot restart libsoup's listener (%s); connections are still accepted here", error->message);
    return;
  }
  SIO_LOG_WARN("accepting connections again (%u taken while libsoup's listener was stopped)", self->accepted_here_);
  self->stopped_ = false;
  self->out_of_files_ = false;
  self->accepted_here_ = 0;
}

}  // namespace sio::signalling
