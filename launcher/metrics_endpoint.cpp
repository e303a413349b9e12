// --metrics-port's HTTP server (metrics_endpoint.hpp).
#include "metrics_endpoint.hpp"

#include <gio/gio.h>

#include "prometheus_text.hpp"

namespace sio::launcher {

std::unique_ptr<MetricsEndpoint> MetricsEndpoint::start(const std::string& host, uint16_t port,
                                                        std::function<std::string()> render, std::string& error) {
  std::unique_ptr<MetricsEndpoint> self(new MetricsEndpoint());
  self->render_ = std::move(render);
  self->soup_ = glib::adopt(static_cast<SoupServer*>(g_object_new(SOUP_TYPE_SERVER, nullptr)));
  soup_server_add_handler(self->soup_.get(), nullptr, &MetricsEndpoint::on_request, self.get(), nullptr);
  glib::GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(host.c_str()));
  if (!address) {
    error = "--metrics-port: --host " + host + " is not an IP address";
    return nullptr;
  }
  glib::GObjectPtr<GSocketAddress> socket_address(g_inet_socket_address_new(address.get(), port));
  glib::GErrorPtr listen_error;
  if (!soup_server_listen(self->soup_.get(), socket_address.get(), static_cast<SoupServerListenOptions>(0),
                          glib::GErrorOut(listen_error))) {
    error = "--metrics-port: cannot listen on " + host + ":" + std::to_string(port) + ": " + listen_error->message;
    return nullptr;
  }
  uint16_t bound = port;
  GSList* listeners = soup_server_get_listeners(self->soup_.get());
  if (listeners) {
    glib::GObjectPtr<GSocketAddress> local(g_socket_get_local_address(G_SOCKET(listeners->data), nullptr));
    if (local && G_IS_INET_SOCKET_ADDRESS(local.get()))
      bound = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local.get()));
  }
  g_slist_free(listeners);
  const bool v6 = host.find(':') != std::string::npos;
  self->url_ = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(bound) + "/metrics";
  return self;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (soup_) soup_server_disconnect(soup_.get());
}

void MetricsEndpoint::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer data) {
  auto* self = static_cast<MetricsEndpoint*>(data);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
  const char* method = soup_server_message_get_method(msg);
  if (g_strcmp0(path, "/metrics") != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
    soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "Not Found\n", 10);
    return;
  }
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
    return;
  }
  const std::string text = self->render_();
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_server_message_set_response(msg, std::string(prometheus::kContentType).c_str(), SOUP_MEMORY_COPY,
                                   text.data(), text.size());
}

}  // namespace sio::launcher
