// signalling/timer.cpp: the timers of a context share one queue (one GSource). Driven by
// iterating the context until a condition holds, with a bound.
#include "timer.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace {

using sio::signalling::Timer;

struct Context {
  GMainContext* context = g_main_context_new();
  ~Context() { g_main_context_unref(context); }
  // Iterates until `done()` (false after 2 s).
  bool run_until(const std::function<bool()>& done) {
    const gint64 deadline = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
    while (!done()) {
      if (g_get_monotonic_time() > deadline) return false;
      g_main_context_iteration(context, FALSE);
    }
    return true;
  }
  // Iterates until nothing is ready now.
  void drain() {
    while (g_main_context_iteration(context, FALSE)) {
    }
  }
};

// A timer that records its name in `log` when it fires, and then runs `then`.
struct Named {
  std::string name;
  std::vector<std::string>* log;
  std::function<void()> then;
  Timer timer;
  Named(GMainContext* context, std::string n, std::vector<std::string>* l)
      : name(std::move(n)), log(l), timer(context, &Named::fire, this) {}
  static void fire(void* data) {
    auto* self = static_cast<Named*>(data);
    self->log->push_back(self->name);
    if (self->then) self->then();
  }
};

TEST(Timer, FiresInDeadlineOrderThenArmingOrder) {
  Context c;
  std::vector<std::string> log;
  Named a(c.context, "a", &log), b(c.context, "b", &log), d(c.context, "d", &log), e(c.context, "e", &log);
  const gint64 now = g_get_monotonic_time();
  d.timer.arm_at(now + 30000);
  b.timer.arm_at(now + 10000);
  e.timer.arm_at(now + 10000);  // due with b, armed after it
  a.timer.arm_at(now - 1000);   // already due
  EXPECT_TRUE(a.timer.armed() && b.timer.armed() && d.timer.armed() && e.timer.armed());
  ASSERT_TRUE(c.run_until([&] { return log.size() == 4; }));
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "e", "d"}));
  EXPECT_FALSE(a.timer.armed() || b.timer.armed() || d.timer.armed() || e.timer.armed());
}

TEST(Timer, RearmMovesTheDeadlineAndDisarmCancels) {
  Context c;
  std::vector<std::string> log;
  Named a(c.context, "a", &log), b(c.context, "b", &log), stop(c.context, "stop", &log);
  const gint64 now = g_get_monotonic_time();
  a.timer.arm_at(now - 1000);
  a.timer.arm_at(now + 20000);  // moved after b
  b.timer.arm_at(now + 5000);
  stop.timer.arm_at(now + 40000);
  Named gone(c.context, "gone", &log);
  gone.timer.arm_at(now - 1000);
  gone.timer.disarm();
  EXPECT_FALSE(gone.timer.armed());
  ASSERT_TRUE(c.run_until([&] { return !log.empty() && log.back() == "stop"; }));
  EXPECT_EQ(log, (std::vector<std::string>{"b", "a", "stop"}));
}

TEST(Timer, CallbackRearmsItselfAndDisarmsAnother) {
  Context c;
  std::vector<std::string> log;
  Named a(c.context, "a", &log), b(c.context, "b", &log);
  int rounds = 0;
  a.then = [&] {
    b.timer.disarm();  // due at the same time, not yet fired: it must not fire
    if (++rounds < 3) a.timer.arm_ms(1);
  };
  const gint64 now = g_get_monotonic_time();
  a.timer.arm_at(now - 1000);
  b.timer.arm_at(now - 1000);
  ASSERT_TRUE(c.run_until([&] { return rounds == 3; }));
  c.drain();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "a", "a"}));
  EXPECT_FALSE(a.timer.armed());
}

TEST(Timer, CallbackDestroysTheLastTimers) {
  Context c;
  std::vector<std::string> log;
  auto* a = new Named(c.context, "a", &log);
  auto* b = new Named(c.context, "b", &log);
  // a destroys b (armed, due) and itself: the queue goes with them, inside its own dispatch.
  a->then = [&] {
    delete b;
    b = nullptr;
    delete a;
    a = nullptr;
  };
  const gint64 now = g_get_monotonic_time();
  a->timer.arm_at(now - 2000);
  b->timer.arm_at(now - 1000);
  ASSERT_TRUE(c.run_until([&] { return a == nullptr; }));
  c.drain();
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
  // A new timer on the same context gets a working queue again.
  Named d(c.context, "d", &log);
  d.timer.arm_at(g_get_monotonic_time() - 1);
  ASSERT_TRUE(c.run_until([&] { return log.size() == 2; }));
  EXPECT_EQ(log.back(), "d");
}

TEST(Timer, EachContextDispatchesOnlyItsOwn) {
  Context one, two;
  std::vector<std::string> log;
  Named a(one.context, "a", &log), b(two.context, "b", &log);
  const gint64 now = g_get_monotonic_time();
  a.timer.arm_at(now - 1000);
  b.timer.arm_at(now - 1000);
  ASSERT_TRUE(two.run_until([&] { return log.size() == 1; }));
  EXPECT_EQ(log, (std::vector<std::string>{"b"}));
  EXPECT_TRUE(a.timer.armed());
  ASSERT_TRUE(one.run_until([&] { return log.size() == 2; }));
  EXPECT_EQ(log.back(), "a");
}

TEST(Timer, OneSourceForManyTimers) {
  Context c;
  std::vector<std::string> log;
  std::vector<std::unique_ptr<Named>> timers;
  for (int i = 0; i < 1000; ++i) {
    timers.push_back(std::make_unique<Named>(c.context, std::to_string(i), &log));
    timers.back()->timer.arm_ms(60000);
  }
  // Every source attached to the context is visited by g_main_context_query's prepare pass; the
  // queue is the only one (plus GLib's own none): count them by id, which GLib hands out in order.
  int found = 0;
  GSource* probe = g_idle_source_new();
  const guint last = g_source_attach(probe, c.context);
  for (guint id = 1; id < last; ++id) {
    if (g_main_context_find_source_by_id(c.context, id) != nullptr) ++found;
  }
  g_source_destroy(probe);
  g_source_unref(probe);
  EXPECT_EQ(found, 1);
}

}  // namespace
