#include "ids.hpp"

#include <glib.h>
#include <gnutls/crypto.h>

#include <cstdint>

namespace sio::signalling {

std::string random_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint8_t bytes[15];
  // Ids are the only credential of a polling session: use a CSPRNG, not GLib's Mersenne twister.
  if (gnutls_rnd(GNUTLS_RND_NONCE, bytes, sizeof bytes) != 0) {
    for (auto& b : bytes) b = static_cast<uint8_t>(g_random_int_range(0, 256));
  }
  std::string id;
  id.reserve(20);
  for (size_t i = 0; i < sizeof bytes; i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    id += kAlphabet[(v >> 18) & 63];
    id += kAlphabet[(v >> 12) & 63];
    id += kAlphabet[(v >> 6) & 63];
    id += kAlphabet[v & 63];
  }
  return id;
}

}  // namespace sio::signalling
