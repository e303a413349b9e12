// One Engine.IO v4 session: its transport (long-polling, WebSocket, or polling being upgraded),
// the queue of packets a poll has not fetched yet, the heartbeat, and flood protection.
// Methods are split by transport: eio_session.cpp (packets, heartbeat, close), polling.cpp,
// websocket.cpp. Everything runs on the server's GMainContext.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engineio.hpp"
#include "polling_outbox.hpp"
#include "gobject_ptr.hpp"
#include "timer.hpp"
#include "ws_connection.hpp"

namespace sio::signalling {

class EioEndpoint;
class EioSession;

// What runs on top of a session: the Socket.IO layer, or the conformance echo.
class EioSessionHandler {
 public:
  virtual ~EioSessionHandler() = default;
  // A Message packet: text without its '4', or the bytes of a binary message. The view is only
  // valid during the call. The handler may close the session from here.
  virtual void on_message(std::string_view data, bool binary) = 0;
  // The session closed (`reason` as engine.io words it). Called once; sending is ignored from now.
  virtual void on_close(const char* reason) = 0;
};

class EioSession : private WsConnection::Listener {
 public:
  enum class Transport : uint8_t { Polling, WebSocket };
  enum class CloseMode : uint8_t {
    Now,       // errors, timeouts, client close: the transport goes at once
    Graceful,  // server decided (engine.io's socket.close()): a poll still gets the queue + "1"
  };

  EioSession(EioEndpoint& endpoint, std::string sid, Transport transport);
  ~EioSession() override;

  const std::string& sid() const { return sid_; }
  // The client's address (for the per-address limit), "" when unknown.
  const std::string& remote_host() const { return remote_host_; }
  void set_remote_host(std::string host) { remote_host_ = std::move(host); }
  Transport transport() const { return transport_; }
  bool is_open() const { return state_ == State::Open; }
  bool is_closing() const { return state_ == State::Closing; }
  bool upgrading() const { return probe_ws_ != nullptr; }
  bool upgraded() const { return upgraded_; }
  EioEndpoint& endpoint() { return endpoint_; }

  void set_handler(std::unique_ptr<EioSessionHandler> handler) { handler_ = std::move(handler); }
  // Queues the open packet and starts the heartbeat.
  void open();

  // Sending; ignored unless open. `packet` is a whole Engine.IO text packet, type digit first,
  // so a broadcast can build "42[...]" once and hand the same bytes to every session.
  void send_text_packet(std::string_view packet);
  // A broadcast carrying a whole state that supersedes the previous one sent this way (the
  // clients list): WebSocket transports reference the shared bytes, not copy them; a polling
  // session keeps only the latest until it polls.
  void send_state_packet(const std::shared_ptr<const std::string>& packet);
  void send_binary(std::string_view bytes);  // a binary Message packet

  void close(const char* reason, CloseMode mode = CloseMode::Now);

  // Long-polling requests for this sid (polling.cpp). The endpoint validated the query.
  void handle_poll(SoupServerMessage* msg);
  void handle_post(SoupServerMessage* msg);

  // WebSocket (websocket.cpp): the transport of a session opened over WebSocket, or a probe to
  // upgrade a polling session ("2probe" -> "3probe", then "5").
  void attach_websocket(WsConnection* connection);
  void begin_upgrade(WsConnection* connection);

  EioSession(const EioSession&) = delete;
  EioSession& operator=(const EioSession&) = delete;

 private:
  enum class State : uint8_t { Open, Closing, Closed };
  enum class Heartbeat : uint8_t { WaitingToPing, WaitingForPong };

  // eio_session.cpp
  void on_packet(engineio::PacketType type, std::string_view data, bool binary);
  bool take_flood_token();
  void schedule_ping(gint64 now_us);
  bool pong_overdue();  // closes the session when the pong deadline has passed
  void protocol_error(const char* what);
  static void on_heartbeat_timer(void* self);
  static void on_upgrade_timer(void* self);

  // polling.cpp
  void flush_poll();
  void answer_poll(std::string_view body);
  void drop_pending_poll_handler();
  static void on_poll_finished(SoupServerMessage* msg, gpointer self);

  // websocket.cpp
  void on_ws_message(WsConnection& connection, std::string_view frame, bool binary) override;
  void on_ws_error(WsConnection& connection, uint16_t code, const char* reason) override;
  void on_ws_closed(WsConnection& connection) override;
  void finish_upgrade();
  void abandon_upgrade(const char* why);
  void schedule_noop_check();
  void release_ws(WsConnection*& connection);

  EioEndpoint& endpoint_;
  std::string sid_;
  std::string remote_host_;
  std::unique_ptr<EioSessionHandler> handler_;
  State state_ = State::Open;
  Transport transport_;
  Heartbeat heartbeat_ = Heartbeat::WaitingToPing;
  bool ping_timeout_refreshed_ = false;  // engine.io refreshes the pong deadline once per ping
  // When the next ping is due, then when its pong is due: kept exact (not "dispatch time +
  // delay") so a request arriving after the deadline never beats a late timer.
  gint64 heartbeat_due_us_ = 0;
  bool upgraded_ = false;
  bool probe_answered_ = false;  // "3probe" sent: polls get a noop so the client can switch
  bool closed_by_client_ = false;  // a pending poll gets "6" (noop) instead of "1"

  // Long-polling: the pending GET (held paused) and the encoded payload it will get.
  SoupServerMessage* pending_poll_ = nullptr;
  gulong pending_poll_finished_id_ = 0;
  PollingOutbox outbox_;

  // Owned by the server's LoopTail; handed back with release_ws().
  WsConnection* ws_ = nullptr;
  WsConnection* probe_ws_ = nullptr;

  Timer heartbeat_timer_;  // also the deadline of a graceful polling close
  Timer upgrade_timer_;  // the upgrade deadline, and the noop check while upgrading
  gint64 upgrade_deadline_us_ = 0;

  // Token bucket on incoming packets.
  double flood_tokens_;
  gint64 flood_refill_us_;
};

}  // namespace sio::signalling
