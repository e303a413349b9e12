// The relay without a JSON tree: recognizes a Socket.IO EVENT `2[<event>,<peerId>,<payload>...]`
// (default namespace, no ack id, no attachments) whose JSON is valid AND already in the exact
// form our encoder writes (no whitespace, canonical escapes and integers, no duplicate or
// index-like object keys), so that splicing its raw pieces gives the very bytes that
// parse + chapter::relay + encode would give. Anything else returns nullopt and takes the
// general path, which decides (and closes the connection on bad input). Pure: no GLib.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sio::signalling::fast_relay {

struct Splice {
  std::string_view event;        // the event name (no escapes: raw == decoded)
  std::string_view target;       // the peer id (no escapes: raw == decoded)
  std::string_view event_json;   // the raw JSON of the arguments, quotes included
  std::string_view target_json;
  std::string_view payload_json;  // empty when the event had only two arguments
};

// `packet` is a Socket.IO text packet (the Engine.IO message without its '4').
std::optional<Splice> parse(std::string_view packet);

// The Engine.IO text packet the target gets: 42[event,peerId,payload|null,"fromId"].
// `from_id` must need no JSON escaping (our socket ids are base64url).
void append_relayed(const Splice& splice, std::string_view from_id, std::string& out);

}  // namespace sio::signalling::fast_relay
