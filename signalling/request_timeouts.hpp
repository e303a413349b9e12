// A time limit on reading a request head, which libsoup 3.2 does not have: a connection that
// opened and sent nothing, or sends its headers a byte at a time (slowloris), was held forever.
// As Node's http server (headersTimeout, 60 s): the head must be complete within `header_ms` of
// the connection's start; else the connection is shut down (libsoup then closes it) and the
// reason logged. There is no idle keep-alive state to time: every plain HTTP answer closes its
// connection (server.cpp), and WebSocket connections are watched by the Engine.IO heartbeat.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>

namespace sio::signalling {

class RequestTimeouts {
 public:
  // `soup` and `context` borrowed; `header_ms` 0 = no limit.
  RequestTimeouts(SoupServer* soup, GMainContext* context, uint32_t header_ms);
  // Connections closed for a request head that did not come in time (metrics).
  uint64_t expired() const { return *expired_; }
  ~RequestTimeouts();

  RequestTimeouts(const RequestTimeouts&) = delete;
  RequestTimeouts& operator=(const RequestTimeouts&) = delete;

 private:
  static void on_request_started(SoupServer* server, SoupServerMessage* msg, gpointer self);
  static void on_got_headers(SoupServerMessage* msg, gpointer);

  SoupServer* soup_;
  GMainContext* context_;
  uint32_t header_ms_;
  std::shared_ptr<uint64_t> expired_;
  gulong handler_ = 0;
};

}  // namespace sio::signalling
