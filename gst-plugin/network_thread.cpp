#include "network_thread.hpp"

#include <memory>
#include <utility>

namespace sio::gst {

namespace {

struct Task {
  std::function<void()> fn;
};

gboolean run_task(gpointer data) {
  auto* task = static_cast<Task*>(data);
  // Never let an exception cross the GLib callback.
  try {
    task->fn();
  } catch (...) {
    g_critical("socketiosignaller: exception in network task");
  }
  return G_SOURCE_REMOVE;
}

void free_task(gpointer data) { delete static_cast<Task*>(data); }

// Quit is queued after the on_stop task so it runs once on_stop is done.
struct StopTask {
  std::function<void()> on_stop;
  GMainLoop* loop;
};

gboolean run_stop(gpointer data) {
  auto* stop = static_cast<StopTask*>(data);
  try {
    if (stop->on_stop) stop->on_stop();
  } catch (...) {
    g_critical("socketiosignaller: exception while stopping the network thread");
  }
  g_main_loop_quit(stop->loop);
  return G_SOURCE_REMOVE;
}

void free_stop(gpointer data) { delete static_cast<StopTask*>(data); }

}  // namespace

NetworkThread::~NetworkThread() { stop(); }

void NetworkThread::start(const char* name) {
  std::lock_guard lock(mutex_);
  if (thread_ != nullptr) return;
  context_ = g_main_context_new();
  loop_ = g_main_loop_new(context_, FALSE);
  thread_ = g_thread_new(name, &NetworkThread::run, this);
}

gpointer NetworkThread::run(gpointer data) {
  auto* self = static_cast<NetworkThread*>(data);
  // context_/loop_ are not changed while the thread runs (stop() joins before clearing them).
  g_main_context_push_thread_default(self->context_);
  g_main_loop_run(self->loop_);
  g_main_context_pop_thread_default(self->context_);
  return nullptr;
}

void NetworkThread::stop(std::function<void()> on_stop) {
  GThread* thread = nullptr;
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (thread_ == nullptr) return;
    g_return_if_fail(!g_main_context_is_owner(context_));
    auto* stop = new StopTask{std::move(on_stop), loop_};
    GSource* source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_HIGH);
    g_source_set_callback(source, run_stop, stop, free_stop);
    g_source_attach(source, context_);
    g_source_unref(source);
    thread = std::exchange(thread_, nullptr);
    context = context_;
    loop = loop_;
  }
  g_thread_join(thread);
  {
    std::lock_guard lock(mutex_);
    context_ = nullptr;
    loop_ = nullptr;
  }
  g_main_loop_unref(loop);
  // Tasks still queued are dropped: their destroy notifies run here and only free captures.
  g_main_context_unref(context);
}

bool NetworkThread::post(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  if (thread_ == nullptr) return false;
  auto* owned = new Task{std::move(task)};
  if (g_main_context_is_owner(context_)) {
    // invoke_full would run it right now, inside whatever network code is posting: defer instead.
    GSource* source = g_idle_source_new();
    g_source_set_callback(source, run_task, owned, free_task);
    g_source_attach(source, context_);
    g_source_unref(source);
  } else {
    g_main_context_invoke_full(context_, G_PRIORITY_DEFAULT, run_task, owned, free_task);
  }
  return true;
}

}  // namespace sio::gst
