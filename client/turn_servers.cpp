#include "turn_servers.hpp"

#include <glib.h>

namespace sio::client {

std::vector<std::string> split_turn_list(const std::string& list) {
  std::vector<std::string> out;
  std::string current;
  for (char c : list) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

TurnCredentials turn_rest_credentials(const std::string& secret, int64_t expiry_unix) {
  TurnCredentials credentials;
  credentials.username = std::to_string(expiry_unix);
  GHmac* hmac = g_hmac_new(G_CHECKSUM_SHA1, reinterpret_cast<const guchar*>(secret.data()), secret.size());
  g_hmac_update(hmac, reinterpret_cast<const guchar*>(credentials.username.data()),
                static_cast<gssize>(credentials.username.size()));
  guint8 digest[20];
  gsize length = sizeof digest;
  g_hmac_get_digest(hmac, digest, &length);
  g_hmac_unref(hmac);
  gchar* base64 = g_base64_encode(digest, length);
  credentials.password = base64;
  g_free(base64);
  return credentials;
}

std::string with_turn_credentials(const std::string& uri, const TurnCredentials& credentials) {
  GUri* parsed = g_uri_parse(uri.c_str(), G_URI_FLAGS_HAS_PASSWORD, nullptr);
  if (parsed == nullptr) return uri;
  std::string out = uri;
  if (g_uri_get_user(parsed) == nullptr) {
    // Not G_URI_FLAGS_ENCODED: g_uri_join escapes the user and password itself.
    gchar* joined = g_uri_join_with_user(G_URI_FLAGS_HAS_PASSWORD, g_uri_get_scheme(parsed),
                                         credentials.username.c_str(), credentials.password.c_str(), nullptr,
                                         g_uri_get_host(parsed), g_uri_get_port(parsed), g_uri_get_path(parsed),
                                         g_uri_get_query(parsed), nullptr);
    out = joined;
    g_free(joined);
  }
  g_uri_unref(parsed);
  return out;
}

}  // namespace sio::client
