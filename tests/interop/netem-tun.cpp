// netem-tun: a lossy, slow link between two network namespaces, for kernels without sch_netem
// (`tc qdisc add ... netem` fails here: "Specified qdisc kind is unknown"). It opens a TUN device
// in each namespace (setns into /run/netns/NAME, so it needs root) and forwards every IP packet
// between them in user space, dropping a share of them and holding the rest for a fixed delay, per
// direction: what `tc qdisc add dev IF root netem loss 5% delay 100ms` does to IF's egress. The
// test gives the devices their addresses (`ip -n NS addr add A peer B dev DEV`).
//
//   netem-tun --ns-a=NS --ns-b=NS [--dev=NAME] [--a-to-b=LOSS%,DELAYms] [--b-to-a=LOSS%,DELAYms]
//             [--seed=N] [--report-ms=N]
//
// stdout, one line each: `ready` once both devices exist, then every --report-ms (default 1000)
// and at exit `link: a>b in=N dropped=N out=N b>a in=N dropped=N out=N queue_full=N`.
// Each direction's queue holds at most kMaxQueued packets: a packet beyond that is dropped and
// counted in queue_full (and said once on stderr), as a qdisc's limit would.
// Exit: 0 on SIGTERM/SIGINT, 1 on a system error, 2 on bad usage.
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxQueued = 20000;  // ~2 s of 10k packets/s: far beyond a call's rate
constexpr size_t kMaxPacket = 65536;

volatile std::sig_atomic_t stop_requested = 0;

struct Impairment {
  double loss = 0;  // 0..1
  std::chrono::milliseconds delay{0};
};

struct Packet {
  Clock::time_point due;
  std::vector<uint8_t> bytes;
};

struct Direction {
  const char* name;
  int from = -1, to = -1;
  Impairment impairment;
  std::deque<Packet> queue;  // FIFO: one fixed delay keeps it sorted by due time
  uint64_t in = 0, dropped = 0, out = 0, queue_full = 0;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "netem-tun: %s\nusage: netem-tun --ns-a=NS --ns-b=NS [--dev=NAME] [--a-to-b=LOSS%%,DELAYms] "
               "[--b-to-a=LOSS%%,DELAYms] [--seed=N] [--report-ms=N]\n",
               why);
  return 2;
}

// "5%,100ms" (either part may be left out: "5%", "100ms").
bool parse_impairment(const std::string& text, Impairment& out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string part = text.substr(start, end - start);
    char* rest = nullptr;
    const double value = std::strtod(part.c_str(), &rest);
    if (rest == part.c_str() || value < 0) return false;
    if (std::strcmp(rest, "%") == 0 && value < 100) {
      out.loss = value / 100;
    } else if (std::strcmp(rest, "ms") == 0 && value <= 10000) {
      out.delay = std::chrono::milliseconds(static_cast<long>(value));
    } else {
      return false;
    }
    start = end + 1;
  }
  return true;
}

// A TUN device named `dev` (no packet information header: the reads are bare IP packets) in the
// namespace /run/netns/`ns`; the calling thread returns to its own namespace afterwards. The file
// descriptor keeps the device in the namespace it was made in.
int open_tun_in(const std::string& ns, const std::string& dev) {
  const int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  const int there = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  if (home < 0 || there < 0) {
    std::fprintf(stderr, "netem-tun: cannot open namespace %s: %s\n", ns.c_str(), std::strerror(errno));
    return -1;
  }
  int fd = -1;
  if (setns(there, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "netem-tun: setns %s: %s\n", ns.c_str(), std::strerror(errno));
  } else {
    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    ifreq request{};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::snprintf(request.ifr_name, IFNAMSIZ, "%s", dev.c_str());
    if (fd < 0 || ioctl(fd, TUNSETIFF, &request) != 0) {
      std::fprintf(stderr, "netem-tun: TUN device %s in %s: %s\n", dev.c_str(), ns.c_str(), std::strerror(errno));
      if (fd >= 0) close(fd);
      fd = -1;
    }
    if (setns(home, CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "netem-tun: back to the own namespace: %s\n", std::strerror(errno));
      if (fd >= 0) close(fd);
      fd = -1;
    }
  }
  close(home);
  close(there);
  return fd;
}

void report(const Direction& ab, const Direction& ba) {
  std::printf("link: a>b in=%llu dropped=%llu out=%llu b>a in=%llu dropped=%llu out=%llu queue_full=%llu\n",
              static_cast<unsigned long long>(ab.in), static_cast<unsigned long long>(ab.dropped),
              static_cast<unsigned long long>(ab.out), static_cast<unsigned long long>(ba.in),
              static_cast<unsigned long long>(ba.dropped), static_cast<unsigned long long>(ba.out),
              static_cast<unsigned long long>(ab.queue_full + ba.queue_full));
  std::fflush(stdout);
}

// Reads every packet waiting on d.from; each is dropped or queued for its due time.
void take_in(Direction& d, std::mt19937_64& random, std::vector<uint8_t>& buffer) {
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (;;) {
    const ssize_t n = read(d.from, buffer.data(), buffer.size());
    if (n <= 0) return;  // EAGAIN: all read
    d.in++;
    if (uniform(random) < d.impairment.loss) {
      d.dropped++;
      continue;
    }
    if (d.queue.size() >= kMaxQueued) {
      if (d.queue_full++ == 0)
        std::fprintf(stderr, "netem-tun: %s queue full (%zu packets): dropping\n", d.name, kMaxQueued);
      continue;
    }
    d.queue.push_back({Clock::now() + d.impairment.delay, {buffer.begin(), buffer.begin() + n}});
  }
}

// Writes what is due; a TUN write does not block (the kernel takes it or drops it).
void hand_out(Direction& d, Clock::time_point now) {
  while (!d.queue.empty() && d.queue.front().due <= now) {
    const auto& bytes = d.queue.front().bytes;
    if (write(d.to, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size())) d.out++;
    d.queue.pop_front();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string ns_a, ns_b, dev = "netem0";
  Impairment a_to_b, b_to_a;
  uint64_t seed = 20261204;
  long report_ms = 1000;
  for (int i = 1; i < argc; i++) {
    const std::string arg = argv[i];
    const auto value = [&](const char* name) -> const char* {
      const size_t length = std::strlen(name);
      return arg.compare(0, length, name) == 0 ? argv[i] + length : nullptr;
    };
    if (const char* v = value("--ns-a=")) {
      ns_a = v;
    } else if (const char* v = value("--ns-b=")) {
      ns_b = v;
    } else if (const char* v = value("--dev=")) {
      dev = v;
      if (dev.empty() || dev.size() >= IFNAMSIZ) return usage("--dev: 1 to 15 characters");
    } else if (const char* v = value("--a-to-b=")) {
      if (!parse_impairment(v, a_to_b)) return usage("--a-to-b: LOSS% (below 100) and/or DELAYms (up to 10000)");
    } else if (const char* v = value("--b-to-a=")) {
      if (!parse_impairment(v, b_to_a)) return usage("--b-to-a: LOSS% (below 100) and/or DELAYms (up to 10000)");
    } else if (const char* v = value("--seed=")) {
      seed = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("--report-ms=")) {
      report_ms = std::strtol(v, nullptr, 10);
      if (report_ms < 100) return usage("--report-ms: at least 100");
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  if (ns_a.empty() || ns_b.empty() || ns_a == ns_b) return usage("--ns-a and --ns-b: two different namespaces");

  Direction ab{"a>b"}, ba{"b>a"};
  const int fd_a = open_tun_in(ns_a, dev), fd_b = fd_a < 0 ? -1 : open_tun_in(ns_b, dev);
  if (fd_a < 0 || fd_b < 0) return 1;
  ab.from = ba.to = fd_a;
  ab.to = ba.from = fd_b;
  ab.impairment = a_to_b;
  ba.impairment = b_to_a;

  struct sigaction action{};
  action.sa_handler = [](int) { stop_requested = 1; };
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);

  std::printf("ready\n");
  std::fflush(stdout);
  std::mt19937_64 random(seed);
  std::vector<uint8_t> buffer(kMaxPacket);
  auto next_report = Clock::now() + std::chrono::milliseconds(report_ms);
  while (!stop_requested) {
    auto wake = next_report;
    for (const Direction* d : {&ab, &ba})
      if (!d->queue.empty() && d->queue.front().due < wake) wake = d->queue.front().due;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
    pollfd fds[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
    if (poll(fds, 2, static_cast<int>(std::max<long long>(0, wait))) < 0 && errno != EINTR) {
      std::fprintf(stderr, "netem-tun: poll: %s\n", std::strerror(errno));
      return 1;
    }
    if (fds[0].revents & POLLIN) take_in(ab, random, buffer);
    if (fds[1].revents & POLLIN) take_in(ba, random, buffer);
    const auto now = Clock::now();
    hand_out(ab, now);
    hand_out(ba, now);
    if (now >= next_report) {
      report(ab, ba);
      next_report = now + std::chrono::milliseconds(report_ms);
    }
  }
  report(ab, ba);
  return 0;
}
