// Takes every connection on a listening socket and hands it to libsoup (soup_server_accept_iostream)
// instead of letting libsoup's own listener accept it, for two faults of libsoup 3.2's listener:
// - it leaks the GSocket of every connection it accepts (valgrind: definitely lost, from
//   g_socket_accept in its listener; ~340 bytes a connection, 100,000 connections 35 MB), while
//   a connection handed over as a stream is freed whole (fixed upstream in later libsoup);
// - its watch stops for good at the first failed accept (EMFILE/ENFILE with every descriptor in
//   use, or a connection reset before it was taken): the server never accepted again.
// Here a failed accept is logged once per episode and retried after 100 ms, and accepting
// resumes as soon as descriptors free up.
#pragma once

#include <libsoup/soup.h>

#include <string>

#include "timer.hpp"

namespace sio::signalling {

class Acceptor {
 public:
  // `socket` (listening, a reference is kept) is accepted on; connections are wrapped in TLS when
  // `certificate` is set. `soup`, `certificate` and `context` are borrowed.
  Acceptor(SoupServer* soup, GSocket* socket, GTlsCertificate* certificate, GMainContext* context);
  ~Acceptor();

  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // "http://127.0.0.1:8080/", as soup_server_get_uris() wrote it for its own listeners.
  std::string url() const;
  uint16_t port() const;

  // The connection being handed to libsoup on this thread, else null. libsoup emits
  // request-started for a connection's first message inside soup_server_accept_iostream, and
  // libsoup knows no GSocket for a connection handed over as a stream.
  static GSocket* accepting();

 private:
  static gboolean on_waiting(GSocket* socket, GIOCondition condition, gpointer self);
  static void on_retry(void* self);
  void watch();
  void unwatch();
  void accept_waiting();
  void hand_over(GSocket* client);

  SoupServer* soup_;
  GSocket* socket_;
  GTlsCertificate* certificate_;
  GMainContext* context_;
  GSource* watch_ = nullptr;
  Timer retry_;                 // descriptors ran out: try again
  bool out_of_files_ = false;   // said once per episode
  gint64 out_since_us_ = 0;
};

}  // namespace sio::signalling
