#include "main_context.hpp"

#include <glib.h>

namespace sio::launcher {

void post_to_main(std::function<void()> task) {
  auto* heap = new std::function<void()>(std::move(task));
  GSource* source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(
      source,
      [](gpointer data) -> gboolean {
        (*static_cast<std::function<void()>*>(data))();
        return G_SOURCE_REMOVE;
      },
      heap, [](gpointer data) { delete static_cast<std::function<void()>*>(data); });
  g_source_attach(source, nullptr);
  g_source_unref(source);
}

}  // namespace sio::launcher
