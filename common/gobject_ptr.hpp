// RAII for GLib/GObject in C++ (shared by signalling/, gst-plugin/ and launcher/).
// GObjectPtr<T> owns one reference; .release() spells out every transfer-full hand-off.
#pragma once

#include <glib-object.h>

#include <memory>
#include <utility>

namespace sio::glib {

struct GObjectUnref {
  void operator()(gpointer object) const {
    if (object) g_object_unref(object);
  }
};
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

// Adopts a reference the caller already owns (transfer full).
template <class T>
GObjectPtr<T> adopt(T* object) {
  return GObjectPtr<T>(object);
}
// Takes a new reference (transfer none -> owned).
template <class T>
GObjectPtr<T> retain(T* object) {
  return GObjectPtr<T>(object ? static_cast<T*>(g_object_ref(object)) : nullptr);
}

struct GErrorFree {
  void operator()(GError* error) const {
    if (error) g_error_free(error);
  }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<char, GFree>;

struct GStrvFree {
  void operator()(char** v) const { g_strfreev(v); }
};
using GStrvPtr = std::unique_ptr<char*, GStrvFree>;

struct GSourceUnref {
  void operator()(GSource* s) const {
    if (s) g_source_unref(s);
  }
};
using GSourcePtr = std::unique_ptr<GSource, GSourceUnref>;

struct GMainContextUnref {
  void operator()(GMainContext* c) const {
    if (c) g_main_context_unref(c);
  }
};
using GMainContextPtr = std::unique_ptr<GMainContext, GMainContextUnref>;

struct GMainLoopUnref {
  void operator()(GMainLoop* l) const {
    if (l) g_main_loop_unref(l);
  }
};
using GMainLoopPtr = std::unique_ptr<GMainLoop, GMainLoopUnref>;

struct GBytesUnref {
  void operator()(GBytes* b) const {
    if (b) g_bytes_unref(b);
  }
};
using GBytesPtr = std::unique_ptr<GBytes, GBytesUnref>;

// Pushes a context as thread-default for a scope: libsoup attaches its sources (and GTask
// callbacks) to the thread-default context at the time of each call.
class ThreadDefaultContext {
 public:
  explicit ThreadDefaultContext(GMainContext* context) : context_(context) {
    g_main_context_push_thread_default(context_);
  }
  ~ThreadDefaultContext() { g_main_context_pop_thread_default(context_); }
  ThreadDefaultContext(const ThreadDefaultContext&) = delete;
  ThreadDefaultContext& operator=(const ThreadDefaultContext&) = delete;

 private:
  GMainContext* context_;
};

// Out-parameter adapter: `call(..., GErrorOut(err))` fills a GErrorPtr from a GError**.
class GErrorOut {
 public:
  explicit GErrorOut(GErrorPtr& target) : target_(target) {}
  ~GErrorOut() {
    if (raw_) target_.reset(raw_);
  }
  operator GError**() { return &raw_; }  // NOLINT: the point of the adapter
  GErrorOut(const GErrorOut&) = delete;
  GErrorOut& operator=(const GErrorOut&) = delete;

 private:
  GErrorPtr& target_;
  GError* raw_ = nullptr;
};

}  // namespace sio::glib
