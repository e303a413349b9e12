// sio-signalling's /metrics (--metrics): the server's counters and the process's, in Prometheus
// text format. Pure: the caller reads the stats.
#pragma once

#include <string>

#include "process_stats.hpp"
#include "server.hpp"

namespace sio::signalling {

std::string server_metrics_text(const ServerStats& stats, const ProcessStats& process);

}  // namespace sio::signalling
