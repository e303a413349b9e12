// /proc/self readings for the metrics (process_stats.hpp).
#include "process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <unistd.h>

#include <cstdio>

namespace sio::signalling {

ProcessStats read_process_stats() {
  ProcessStats stats;
  struct tms cpu {};
  const long ticks = sysconf(_SC_CLK_TCK);
  if (times(&cpu) == static_cast<clock_t>(-1) || ticks <= 0) return stats;
  stats.cpu_seconds = static_cast<double>(cpu.tms_utime + cpu.tms_stime) / static_cast<double>(ticks);

  // statm: size resident shared text lib data dt, in pages.
  FILE* statm = std::fopen("/proc/self/statm", "r");
  if (!statm) return stats;
  unsigned long long size_pages = 0, resident_pages = 0;
  const int fields = std::fscanf(statm, "%llu %llu", &size_pages, &resident_pages);
  std::fclose(statm);
  if (fields != 2) return stats;
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  stats.virtual_bytes = size_pages * page;
  stats.resident_bytes = resident_pages * page;

  if (DIR* fds = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(fds))
      if (entry->d_name[0] != '.') stats.open_fds++;
    closedir(fds);
    stats.open_fds--;  // the descriptor of the listing itself
  }
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
  stats.ok = true;
  return stats;
}

}  // namespace sio::signalling
