// --metrics-port: a small HTTP server of its own (libsoup, main context) answering GET /metrics
// with what `render` returns; anything else is 404. Separate from the embedded signalling server,
// which a launcher joining another server does not run.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gobject_ptr.hpp"

namespace sio::launcher {

class MetricsEndpoint {
 public:
  // nullptr + `error` when it cannot listen (address in use...).
  static std::unique_ptr<MetricsEndpoint> start(const std::string& host, uint16_t port,
                                                std::function<std::string()> render, std::string& error);
  const std::string& url() const { return url_; }  // http://HOST:PORT/metrics

  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  ~MetricsEndpoint();

 private:
  MetricsEndpoint() = default;
  static void on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer self);

  glib::GObjectPtr<SoupServer> soup_;
  std::function<std::string()> render_;
  std::string url_;
};

}  // namespace sio::launcher
