// Handing work from GStreamer's threads to the launcher's main context, where all printing and
// bookkeeping happens.
#pragma once

#include <functional>

namespace sio::launcher {

// Queues `task` on the main context. Always queued, never run in place: g_main_context_invoke
// would run it on the calling (GStreamer) thread whenever the main thread is not iterating the
// context, e.g. during a state change.
void post_to_main(std::function<void()> task);

}  // namespace sio::launcher
