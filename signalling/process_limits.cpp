#include "process_limits.hpp"

#include <sys/resource.h>

#include "log.hpp"

namespace sio::signalling {

void raise_open_files_limit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    SIO_LOG_DEBUG("open files limit raised from %llu to %llu", static_cast<unsigned long long>(before),
                  static_cast<unsigned long long>(limit.rlim_cur));
  }
}

}  // namespace sio::signalling
