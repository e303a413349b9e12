#include "timer.hpp"

namespace sio::signalling {

namespace {

struct TimerSource {
  GSource base;
  Timer* owner;
};

}  // namespace

gboolean Timer::dispatch(GSource* source, GSourceFunc, gpointer) {
  // One-shot: disarm before the callback, which may re-arm or destroy the timer.
  g_source_set_ready_time(source, -1);
  Timer* timer = reinterpret_cast<TimerSource*>(source)->owner;
  timer->callback_(timer->data_);
  return G_SOURCE_CONTINUE;
}

Timer::~Timer() {
  if (source_) {
    g_source_destroy(source_);
    g_source_unref(source_);
  }
}

void Timer::arm_ms(uint32_t delay_ms) {
  arm_at(g_get_monotonic_time() + static_cast<gint64>(delay_ms) * 1000);
}

void Timer::arm_at(gint64 monotonic_us) {
  if (!source_) {
    // prepare/check are NULL: the source is dispatched by its ready time alone.
    static GSourceFuncs funcs = {nullptr, nullptr, &Timer::dispatch, nullptr, nullptr, nullptr};
    source_ = g_source_new(&funcs, sizeof(TimerSource));
    reinterpret_cast<TimerSource*>(source_)->owner = this;
    g_source_set_name(source_, "sio-signalling timer");
    g_source_set_ready_time(source_, -1);
    g_source_attach(source_, context_);
  }
  g_source_set_ready_time(source_, monotonic_us);
}

void Timer::disarm() {
  if (source_) g_source_set_ready_time(source_, -1);
}

bool Timer::armed() const { return source_ && g_source_get_ready_time(source_) >= 0; }

}  // namespace sio::signalling
