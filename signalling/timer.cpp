#include "timer.hpp"

#include <mutex>
#include <unordered_map>

namespace sio::signalling {

// The armed timers of one GMainContext, earliest first, behind one GSource dispatched by its
// ready time alone (no prepare/check). Shared by the context's timers; gone with the last one.
class TimerQueue {
 public:
  static std::shared_ptr<TimerQueue> of(GMainContext* context) {
    static std::mutex mutex;  // servers on several threads (the launcher's, tests) share the registry
    static std::unordered_map<GMainContext*, std::weak_ptr<TimerQueue>> queues;
    std::lock_guard lock(mutex);
    std::weak_ptr<TimerQueue>& slot = queues[context];
    std::shared_ptr<TimerQueue> queue = slot.lock();
    if (!queue) {
      // Drop the expired entries (contexts whose timers are all gone) while here.
      std::erase_if(queues, [](const auto& entry) { return entry.second.expired(); });
      queue = std::make_shared<TimerQueue>(context);
      queues[context] = queue;
    }
    return queue;
  }

  explicit TimerQueue(GMainContext* context) {
    static GSourceFuncs funcs = {nullptr, nullptr, &TimerQueue::dispatch, nullptr, nullptr, nullptr};
    source_ = g_source_new(&funcs, sizeof(QueueSource));
    reinterpret_cast<QueueSource*>(source_)->queue = this;
    g_source_set_name(source_, "sio-signalling timers");
    g_source_set_ready_time(source_, -1);
    g_source_attach(source_, context);
  }
  ~TimerQueue() {
    g_source_destroy(source_);
    g_source_unref(source_);
  }

  void insert(Timer& timer, gint64 at_us) {
    timer.position_ = timers_.emplace(at_us, &timer);  // after those due at the same time
    timer.armed_ = true;
    if (timer.position_ == timers_.begin()) g_source_set_ready_time(source_, at_us);
  }
  void remove(Timer& timer) {
    const bool first = timer.position_ == timers_.begin();
    timers_.erase(timer.position_);
    timer.armed_ = false;
    // A later deadline than the source's is harmless (dispatch finds nothing due and re-arms):
    // only an emptied queue stops the source, saving a wake-up.
    if (first && timers_.empty()) g_source_set_ready_time(source_, -1);
  }

  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

 private:
  struct QueueSource {
    GSource base;
    TimerQueue* queue;
  };

  static gboolean dispatch(GSource* source, GSourceFunc, gpointer) {
    TimerQueue* queue = reinterpret_cast<QueueSource*>(source)->queue;
    // A callback may destroy the last timer, and with it the queue: hold it until we are done.
    const std::shared_ptr<TimerQueue> hold = queue->timers_.empty() ? nullptr : queue->timers_.begin()->second->queue_;
    const gint64 now = g_source_get_time(source);
    // One at a time from the front: a callback may arm, disarm or destroy any timer.
    while (!queue->timers_.empty() && queue->timers_.begin()->first <= now) {
      Timer* timer = queue->timers_.begin()->second;
      queue->timers_.erase(queue->timers_.begin());
      timer->armed_ = false;  // one-shot, before the callback (which may re-arm it)
      timer->callback_(timer->data_);
    }
    g_source_set_ready_time(source, queue->timers_.empty() ? -1 : queue->timers_.begin()->first);
    return G_SOURCE_CONTINUE;
  }

  GSource* source_;
  std::multimap<gint64, Timer*> timers_;
};

Timer::~Timer() {
  if (armed_) queue_->remove(*this);
}

void Timer::arm_ms(uint32_t delay_ms) {
  arm_at(g_get_monotonic_time() + static_cast<gint64>(delay_ms) * 1000);
}

void Timer::arm_at(gint64 monotonic_us) {
  if (!queue_) queue_ = TimerQueue::of(context_);
  if (armed_) queue_->remove(*this);
  queue_->insert(*this, monotonic_us);
}

void Timer::disarm() {
  if (armed_) queue_->remove(*this);
}

}  // namespace sio::signalling
