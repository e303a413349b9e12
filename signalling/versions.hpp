// The library versions in use at run time, for --version (a bug report needs them, and a binary
// may run against other libraries than it was built with).
#pragma once

#include <string>

namespace sio::signalling {

// "libsoup 3.2.2, GLib 2.74.6"
std::string library_versions();

}  // namespace sio::signalling
