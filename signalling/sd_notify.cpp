// $NOTIFY_SOCKET datagrams (sd_notify.hpp), as sd_notify(3) describes the protocol.
#include "sd_notify.hpp"

#include <glib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "log.hpp"

namespace sio::signalling {

bool notify_service_manager(const char* state) {
  const char* path = g_getenv("NOTIFY_SOCKET");
  if (!path || !*path) return false;
  const size_t length = std::strlen(path);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A path, or an abstract socket written with a leading '@'.
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof address.sun_path) {
    SIO_LOG_WARN("NOTIFY_SOCKET=%s is not a socket path; systemd is not told \"%s\"", path, state);
    return false;
  }
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  const ssize_t sent = sendto(fd, state, std::strlen(state), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&address), size);
  const int saved = errno;
  close(fd);
  if (sent < 0) {
    SIO_LOG_WARN("cannot tell systemd \"%s\" through %s: %s", state, path, g_strerror(saved));
    return false;
  }
  return true;
}

}  // namespace sio::signalling
