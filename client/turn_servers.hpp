// TURN servers for ICE, without GStreamer: a list given as one string (socketiosignaller's
// turn-server, sio-webrtc's repeated --turn), and time-limited credentials from a secret shared
// with the TURN server (coturn's use-auth-secret / static-auth-secret, the "TURN REST API"
// scheme): username "<expiry, unix seconds>", password base64(HMAC-SHA1(secret, username)).
// Pure: the caller gives the expiry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sio::client {

// "turn://a:b@h1:3478, turns://c:d@h2" -> each URI (separated by commas and/or spaces).
std::vector<std::string> split_turn_list(const std::string& list);

struct TurnCredentials {
  std::string username;
  std::string password;
};

TurnCredentials turn_rest_credentials(const std::string& secret, int64_t expiry_unix);

// `uri` (turn(s)://HOST[:PORT][?transport=...]) with the credentials put in its user info,
// escaped as a URI needs them (the password is base64: '/' must be). A URI that already has a user
// comes back as it is; so does one that does not parse.
std::string with_turn_credentials(const std::string& uri, const TurnCredentials& credentials);

}  // namespace sio::client
