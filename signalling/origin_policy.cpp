#include "origin_policy.hpp"

#include <gio/gio.h>

#include <algorithm>

namespace sio::signalling {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return g_ascii_tolower(c); });
  return out;
}

struct Parsed {
  std::string scheme, host;
  int port = -1;
};

// scheme://host[:port] and nothing more (an Origin has no path); false otherwise.
bool parse_origin(std::string_view text, Parsed& out) {
  GUri* uri = g_uri_parse(std::string(text).c_str(), G_URI_FLAGS_NONE, nullptr);
  if (!uri) return false;
  const char* path = g_uri_get_path(uri);
  const bool plain = g_uri_get_host(uri) && (!path || !*path || std::string_view(path) == "/") &&
                     !g_uri_get_query(uri) && !g_uri_get_fragment(uri) && !g_uri_get_userinfo(uri);
  if (plain) {
    out.scheme = lower(g_uri_get_scheme(uri));
    out.host = lower(g_uri_get_host(uri));
    out.port = g_uri_get_port(uri);
    if (out.port == -1) out.port = out.scheme == "https" ? 443 : out.scheme == "http" ? 80 : -1;
  }
  g_uri_unref(uri);
  return plain;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  GInetAddress* address = g_inet_address_new_from_string(host.c_str());
  if (!address) return false;
  const bool loopback = g_inet_address_get_is_loopback(address);
  g_object_unref(address);
  return loopback;
}

// The Host header's host and port against the origin's: the page came from this server.
bool same_origin(const Parsed& origin, const char* host_header) {
  if (!host_header) return false;
  std::string host = lower(host_header), port;
  const size_t bracket = host.rfind(']');
  const size_t colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const int host_port = port.empty() ? (origin.scheme == "https" ? 443 : 80) : std::atoi(port.c_str());
  return host == origin.host && host_port == origin.port;
}

bool listed(const Parsed& origin, const std::vector<std::string>& list) {
  for (const std::string& entry : list) {
    if (entry == "*") return true;
    Parsed want;
    if (parse_origin(entry, want) && want.scheme == origin.scheme && want.host == origin.host &&
        want.port == origin.port) {
      return true;
    }
  }
  return false;
}

}  // namespace

OriginDecision decide_origin(const char* origin, const char* host, const std::vector<std::string>& allowed,
                             const std::string& cors_origin) {
  OriginDecision decision;
  if (!origin) {
    decision.cors = allowed.empty() ? cors_origin : "";
    return decision;  // not a browser page
  }
  Parsed page;
  if (!parse_origin(origin, page)) {  // "null" (a file:// page, a sandbox) and malformed ones
    decision.allowed = !allowed.empty() ? std::find(allowed.begin(), allowed.end(), "*") != allowed.end()
                                        : cors_origin == "*";
    decision.cors = decision.allowed ? (allowed.empty() ? cors_origin : "*") : "";
    return decision;
  }
  if (!allowed.empty()) {
    decision.allowed = same_origin(page, host) || listed(page, allowed);
    if (decision.allowed && !same_origin(page, host)) decision.cors = origin;
    return decision;
  }
  if (!cors_origin.empty()) {
    // --cors-origin alone: that origin (or every one) may use the server, as before.
    decision.allowed = cors_origin == "*" || same_origin(page, host) || listed(page, {cors_origin}) ||
                       is_loopback(page.host);
    decision.cors = cors_origin;
    return decision;
  }
  decision.allowed = same_origin(page, host) || is_loopback(page.host);
  return decision;
}

bool parse_origin_list(std::string_view text, std::vector<std::string>& out, std::string& error) {
  out.clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '/')) item.remove_suffix(1);
    if (item.empty()) continue;
    Parsed parsed;
    if (item != "*" && !parse_origin(item, parsed)) {
      error = "not an origin (scheme://host[:port]): '" + std::string(item) + "'";
      return false;
    }
    out.emplace_back(item);
  }
  if (out.empty()) {
    error = "an empty list";
    return false;
  }
  return true;
}

}  // namespace sio::signalling
