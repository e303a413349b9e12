// Keeps a listening socket accepting after accept() failed. libsoup 3.2's listener stops for good
// at its first failed accept (EMFILE/ENFILE with every descriptor in use, or a connection reset
// before it was taken): its source returns G_SOURCE_REMOVE and nothing restarts it, so the server
// never accepted again, even once every descriptor was free.
//
// A second watch on the listening socket, at a lower priority than libsoup's, is dispatched only
// when the socket has connections waiting and libsoup's watch did not take them: its listener has
// stopped. Then connections are accepted here and handed to libsoup (soup_server_accept_iostream);
// when descriptors run out, accepting backs off (100 ms) and the log says so once; after a second
// without a failure, libsoup's listener is restarted on the same socket (it keeps the WebSocket
// fast path, see ws_connection.cpp) and the log says accepting works again.
#pragma once

#include <libsoup/soup.h>

#include "timer.hpp"

namespace sio::signalling {

class AcceptRecovery {
 public:
  // `socket` (a reference is kept) is listened on by `soup` with `options`; `certificate` for
  // HTTPS. `soup`, `certificate` and `context` are borrowed.
  AcceptRecovery(SoupServer* soup, GSocket* socket, SoupServerListenOptions options, GTlsCertificate* certificate,
                 GMainContext* context);
  ~AcceptRecovery();

  AcceptRecovery(const AcceptRecovery&) = delete;
  AcceptRecovery& operator=(const AcceptRecovery&) = delete;

 private:
  static gboolean on_waiting(GSocket* socket, GIOCondition condition, gpointer self);
  static void on_retry(void* self);
  static void on_quiet(void* self);
  void watch();
  void unwatch();
  void accept_waiting();
  void hand_over(GSocket* client);

  SoupServer* soup_;
  GSocket* socket_;
  SoupServerListenOptions options_;
  GTlsCertificate* certificate_;
  GMainContext* context_;
  GSource* watch_ = nullptr;
  Timer retry_;   // descriptors ran out: try again
  Timer quiet_;   // a second without a failure: libsoup's listener restarted
  bool stopped_ = false;        // libsoup's listener has stopped: connections are accepted here
  bool out_of_files_ = false;   // said once per episode
  unsigned accepted_here_ = 0;  // during this episode
};

}  // namespace sio::signalling
