// Library versions for --version (versions.hpp).
#include "versions.hpp"

#include <glib.h>
#include <libsoup/soup.h>

namespace sio::signalling {

std::string library_versions() {
  auto triple = [](unsigned major, unsigned minor, unsigned micro) {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro);
  };
  return "libsoup " + triple(soup_get_major_version(), soup_get_minor_version(), soup_get_micro_version()) +
         ", GLib " + triple(glib_major_version, glib_minor_version, glib_micro_version);
}

}  // namespace sio::signalling
