// Where the pages and the two client bundles (socket.io-client's dist/, simple-peer) are found.
// Installed binaries look in <datadir>/gst-socketio-webrtc/ relative to their own location (so a
// relocated or DESTDIR-staged prefix still works); binaries in the build tree use the source tree;
// a configured path or the SIO_* environment variables win over both.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace sio::signalling {

struct WebFiles {
  std::string public_dir;
  std::string client_dist_dir;
  std::string simple_peer_file;
  std::string origin;  // why public_dir is that folder, for messages
};

// Where the executable sees its data: `exe_dir` is the folder of the running binary ("" when
// unknown). Pure apart from the environment lookups, so tests can feed any folder.
struct DataLayout {
  std::string build_root;         // meson's build folder (binaries under it run from the build tree)
  std::string source_root;        // what build-tree binaries serve from
  std::string bindir_to_data;     // e.g. "../share/gst-socketio-webrtc" ("" if bindir is absolute)
  std::string installed_data;     // <prefix>/<datadir>/gst-socketio-webrtc, the last resort
};

// The layout this binary was built with (meson's defines).
DataLayout compiled_layout();

// The folder of the running executable, from /proc/self/exe ("" if unreadable).
std::string executable_dir();

WebFiles locate_web_files(const ServerConfig& config, const DataLayout& layout, const std::string& exe_dir);

// "" when the public folder is usable; otherwise what is wrong and how to fix it (a start error).
std::string check_public_dir(const WebFiles& files);
// What is missing among the bundles the chapter's pages load (warnings: a --public of one's own
// may not need them).
std::vector<std::string> missing_bundles(const WebFiles& files);

}  // namespace sio::signalling
