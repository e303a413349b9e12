// This process's CPU time, memory and descriptors from /proc/self (the metrics' process_* series,
// named as Prometheus's own client libraries name them).
#pragma once

#include <cstdint>

namespace sio::signalling {

struct ProcessStats {
  double cpu_seconds = 0;        // user + system
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;          // the soft RLIMIT_NOFILE
  bool ok = false;               // false when /proc could not be read (the series are left out)
};

ProcessStats read_process_stats();

}  // namespace sio::signalling
