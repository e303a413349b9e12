// Where the pages and bundles are (web_files.hpp).
#include "web_files.hpp"

#include <glib.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "gobject_ptr.hpp"

#if !defined(SIO_SOURCE_ROOT) || !defined(SIO_BUILD_ROOT) || !defined(SIO_BINDIR_TO_DATA) || !defined(SIO_INSTALLED_DATA)
#error "signalling/meson.build defines SIO_SOURCE_ROOT, SIO_BUILD_ROOT, SIO_BINDIR_TO_DATA and SIO_INSTALLED_DATA"
#endif

namespace sio::signalling {
namespace {

constexpr const char* kClientBundle = "socket.io.js";

std::string canonical(const std::string& path) {
  if (path.empty()) return "";
  glib::GCharPtr resolved(g_canonicalize_filename(path.c_str(), nullptr));
  char* real = realpath(resolved.get(), nullptr);
  if (!real) return resolved.get();
  std::string out(real);
  free(real);
  return out;
}

bool is_inside(const std::string& folder, const std::string& path) {
  if (folder.empty() || path.empty()) return false;
  std::string root = canonical(folder);
  std::string p = canonical(path);
  if (p == root) return true;
  if (root.back() != '/') root += '/';
  return p.compare(0, root.size(), root) == 0;
}

std::string pick(const std::string& configured, const char* env_name, const std::string& fallback) {
  if (!configured.empty()) return configured;
  const char* from_env = g_getenv(env_name);
  if (from_env && *from_env) return from_env;
  return fallback;
}

}  // namespace

DataLayout compiled_layout() {
  return {SIO_BUILD_ROOT, SIO_SOURCE_ROOT, SIO_BINDIR_TO_DATA, SIO_INSTALLED_DATA};
}

std::string executable_dir() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0) return "";
  buffer[n] = '\0';
  glib::GCharPtr dir(g_path_get_dirname(buffer));
  return dir.get();
}

WebFiles locate_web_files(const ServerConfig& config, const DataLayout& layout, const std::string& exe_dir) {
  WebFiles defaults;
  if (is_inside(layout.build_root, exe_dir)) {
    const std::string& src = layout.source_root;
    defaults = {src + "/web", src + "/node_modules/socket.io-client/dist",
                src + "/node_modules/simple-peer/simplepeer.min.js", "the source tree's web/ (this binary runs from the build tree)"};
  } else {
    std::string data = !exe_dir.empty() && !layout.bindir_to_data.empty()
                           ? canonical(exe_dir + "/" + layout.bindir_to_data)
                           : layout.installed_data;
    defaults = {data + "/web", data + "/socket.io-client", data + "/simple-peer/simplepeer.min.js",
                "where `meson install` puts the pages for this binary's prefix"};
  }
  std::string origin = defaults.origin;
  if (!config.public_dir.empty()) origin = "--public";
  else if (const char* env = g_getenv("SIO_WEB_DIR"); env && *env) origin = "SIO_WEB_DIR";
  return {pick(config.public_dir, "SIO_WEB_DIR", defaults.public_dir),
          pick(config.client_dist_dir, "SIO_CLIENT_DIST_DIR", defaults.client_dist_dir),
          pick(config.simple_peer_file, "SIO_SIMPLE_PEER_FILE", defaults.simple_peer_file), origin};
}

std::string check_public_dir(const WebFiles& files) {
  if (g_file_test(files.public_dir.c_str(), G_FILE_TEST_IS_DIR)) return "";
  return "no web pages: " + files.public_dir + " is not a folder (" + files.origin +
         "); install them with `meson install`, or name a folder with --public=DIR or SIO_WEB_DIR";
}

std::vector<std::string> missing_bundles(const WebFiles& files) {
  std::vector<std::string> missing;
  std::string client = files.client_dist_dir + "/" + kClientBundle;
  if (!g_file_test(client.c_str(), G_FILE_TEST_IS_REGULAR))
    missing.push_back("/socket.io/socket.io.js (" + client + " is missing; set SIO_CLIENT_DIST_DIR)");
  if (!g_file_test(files.simple_peer_file.c_str(), G_FILE_TEST_IS_REGULAR))
    missing.push_back("/vendor/simplepeer.min.js (" + files.simple_peer_file +
                      " is missing; set SIO_SIMPLE_PEER_FILE)");
  return missing;
}

}  // namespace sio::signalling
