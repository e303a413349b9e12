// Static files: what express.static(public) and the socket.io server's client-script route do for
// the chapter's pages. Files are small, so each request reads the whole file.
#include "static_files.hpp"

#include <glib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string_view>
#include <vector>

#include "gobject_ptr.hpp"
#include "log.hpp"

namespace sio::signalling {
namespace {

constexpr std::string_view kClientPrefix = "/socket.io/";
constexpr std::string_view kSimplePeerPath = "/vendor/simplepeer.min.js";

// The files socket.io's server answers under /socket.io/ (its `clientFiles` list).
constexpr std::string_view kClientFiles[] = {
    "socket.io.js",          "socket.io.js.map",          "socket.io.min.js",
    "socket.io.min.js.map",  "socket.io.esm.min.js",      "socket.io.esm.min.js.map",
    "socket.io.msgpack.min.js", "socket.io.msgpack.min.js.map",
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* content_type_for(std::string_view file) {
  struct Type {
    std::string_view extension;
    const char* mime;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "application/javascript; charset=utf-8"},
      {".mjs", "application/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".wasm", "application/wasm"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".webm", "video/webm"},
      {".mp4", "video/mp4"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& type : kTypes)
    if (ends_with(file, type.extension)) return type.mime;
  return "application/octet-stream";
}

// realpath(3), or "" when the file does not exist.
std::string real_path(const std::string& path) {
  char* resolved = realpath(path.c_str(), nullptr);
  if (!resolved) return "";
  std::string out(resolved);
  free(resolved);
  return out;
}

// True when `file` (after resolving symlinks) is `root` itself or inside it.
bool inside(const std::string& root, const std::string& file) {
  std::string real_root = real_path(root);
  std::string real_file = real_path(file);
  if (real_root.empty() || real_file.empty()) return false;
  if (real_file == real_root) return true;
  if (real_root.back() != '/') real_root += '/';
  return real_file.compare(0, real_root.size(), real_root) == 0;
}

enum class Lookup { Found, NotFound, Forbidden, AddSlash };

// Maps a URL path (percent-encoded) under the public folder to a file. ".." segments, encoded
// slashes and NULs are Forbidden; dotfiles (.env!) are NotFound, as express.static's default.
Lookup resolve_public(const std::string& root, const char* url_path, std::string& file) {
  // "/" stays illegal once decoded: %2F inside a segment would smuggle a separator.
  glib::GCharPtr decoded(g_uri_unescape_string(url_path, "/"));
  if (!decoded) return Lookup::Forbidden;
  std::string_view rest(decoded.get());
  if (rest.empty() || rest[0] != '/') return Lookup::Forbidden;

  std::vector<std::string_view> segments;
  while (!rest.empty()) {
    rest.remove_prefix(1);  // the '/'
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return Lookup::Forbidden;
    if (segment.find('\\') != std::string_view::npos) return Lookup::Forbidden;
    if (segment[0] == '.') return Lookup::NotFound;
    segments.push_back(segment);
  }
  file = root;
  for (auto segment : segments) {
    file += '/';
    file += segment;
  }
  if (g_file_test(file.c_str(), G_FILE_TEST_IS_DIR)) {
    if (!ends_with(url_path, "/")) return Lookup::AddSlash;
    file += "/index.html";
  }
  if (!g_file_test(file.c_str(), G_FILE_TEST_IS_REGULAR)) return Lookup::NotFound;
  if (!inside(root, file)) return Lookup::NotFound;  // a symlink pointing out of the folder
  return Lookup::Found;
}

void answer_status(SoupServerMessage* msg, guint status) {
  soup_server_message_set_status(msg, status, nullptr);
  const char* phrase = soup_status_get_phrase(status);
  std::string body = std::to_string(status) + " " + (phrase ? phrase : "") + "\n";
  soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, body.data(), body.size());
}

// Sends `file` (GET/HEAD already checked) with its type, cache headers and an ETag from size and
// mtime, answering 304 to a matching If-None-Match.
void send_file(SoupServerMessage* msg, const std::string& file, const char* cache_control) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) {
    answer_status(msg, SOUP_STATUS_NOT_FOUND);
    return;
  }
  char etag[64];
  g_snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
             static_cast<unsigned long long>(st.st_mtime));
  SoupMessageHeaders* response_headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(response_headers, "Cache-Control", cache_control);
  soup_message_headers_replace(response_headers, "ETag", etag);
  soup_message_headers_replace(response_headers, "X-Content-Type-Options", "nosniff");

  const char* if_none_match =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "If-None-Match");
  if (if_none_match) {
    std::string weak = std::string("W/") + etag;
    if (g_strcmp0(if_none_match, etag) == 0 || weak == if_none_match || g_strcmp0(if_none_match, "*") == 0) {
      soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, nullptr);
      return;
    }
  }

  char* contents = nullptr;
  gsize length = 0;
  GError* raw_error = nullptr;
  if (!g_file_get_contents(file.c_str(), &contents, &length, &raw_error)) {
    glib::GErrorPtr error(raw_error);
    SIO_LOG_WARN("static: cannot read %s: %s", file.c_str(), error->message);
    answer_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
    return;
  }
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  // libsoup sends Content-Length but no body for HEAD.
  soup_server_message_set_response(msg, content_type_for(file), SOUP_MEMORY_TAKE, contents, length);
}

bool is_get_or_head(SoupServerMessage* msg) {
  const char* method = soup_server_message_get_method(msg);
  return method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
}

void refuse_method(SoupServerMessage* msg) {
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
  answer_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
}

}  // namespace

StaticFiles::StaticFiles(const WebFiles& files)
    : public_dir_(files.public_dir), client_dist_dir_(files.client_dist_dir), simple_peer_file_(files.simple_peer_file) {}

bool StaticFiles::is_client_script(const char* path) const {
  if (!path) return false;
  std::string_view p(path);
  if (p.substr(0, kClientPrefix.size()) != kClientPrefix) return false;
  p.remove_prefix(kClientPrefix.size());
  for (auto name : kClientFiles)
    if (p == name) return true;
  return false;
}

bool StaticFiles::serve(SoupServerMessage* msg, const char* path) const {
  if (!path) return false;
  if (is_client_script(path)) {
    std::string file = client_dist_dir_ + "/" + (path + kClientPrefix.size());
    if (!g_file_test(file.c_str(), G_FILE_TEST_IS_REGULAR)) return false;
    if (!is_get_or_head(msg)) return refuse_method(msg), true;
    // As the Node socket.io server sends them.
    send_file(msg, file, "public, max-age=0");
    return true;
  }
  if (kSimplePeerPath == path) {
    if (!g_file_test(simple_peer_file_.c_str(), G_FILE_TEST_IS_REGULAR)) return false;
    if (!is_get_or_head(msg)) return refuse_method(msg), true;
    send_file(msg, simple_peer_file_, "no-cache");
    return true;
  }

  std::string file;
  switch (resolve_public(public_dir_, path, file)) {
    case Lookup::NotFound:
      return false;
    case Lookup::Forbidden:
      SIO_LOG_DEBUG("static: refused path %s", path);
      answer_status(msg, SOUP_STATUS_FORBIDDEN);
      return true;
    case Lookup::AddSlash: {
      if (!is_get_or_head(msg)) return refuse_method(msg), true;
      // As express.static: /dir -> /dir/, so the page's relative links resolve inside it.
      // Leading slashes collapsed: "//host/dir" must not become a protocol-relative redirect.
      const char* tail = path;
      while (*tail == '/') ++tail;
      std::string location = std::string("/") + tail + "/";
      soup_server_message_set_redirect(msg, SOUP_STATUS_MOVED_PERMANENTLY, location.c_str());
      return true;
    }
    case Lookup::Found:
      break;
  }
  if (!is_get_or_head(msg)) return refuse_method(msg), true;
  send_file(msg, file, "no-cache");
  return true;
}

}  // namespace sio::signalling
