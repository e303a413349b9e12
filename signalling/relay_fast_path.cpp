#include "relay_fast_path.hpp"

#include <cstdint>
#include <cstring>

#include "json.hpp"
#include "websocket_frame.hpp"

namespace sio::signalling::fast_relay {

namespace {

// Deeper payloads take the general path (its own limit is 64).
constexpr int kMaxDepth = 32;
// Larger objects take the general path (duplicate keys are checked pairwise here).
constexpr int kMaxKeys = 32;

// Bytes a string may hold as they are: printable ASCII but '"' and '\\'.
constexpr auto kPlain = [] {
  struct Table {
    bool value[256] = {};
    constexpr bool operator[](uint8_t c) const { return value[c]; }
  } table;
  for (int c = 0x20; c < 0x80; ++c) table.value[c] = c != '"' && c != '\\';
  return table;
}();

// A scanner that accepts only canonical JSON. Each function returns false for "not canonical
// or not valid": the caller then falls back, so false never means "reject the input".
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::size_t pos = 0;

  bool at(char c) const { return pos < text_.size() && text_[pos] == c; }

  // A string: control characters must be escaped, and only the escapes our serializer writes
  // (\" \\ \b \f \n \r \t) are accepted; \uXXXX and \/ take the general path. Non-ASCII
  // must be well-formed UTF-8 (the general path would reject it otherwise).
  bool string(bool& has_escape) {
    has_escape = false;
    if (!at('"')) return false;
    ++pos;
    const std::size_t size = text_.size();
    const auto* bytes = reinterpret_cast<const uint8_t*>(text_.data());
    while (pos < size) {
      // Plain characters first: 8 at a time while none is '"', '\\', a control or non-ASCII
      // byte (the classic "has zero byte" bit trick; a false alarm only means the byte loop).
      while (pos + 8 <= size) {
        uint64_t x;
        std::memcpy(&x, bytes + pos, 8);
        constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
        const uint64_t quote = x ^ (kOnes * '"');
        const uint64_t backslash = x ^ (kOnes * '\\');
        const uint64_t special = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                                 ((x - kOnes * 0x20) & ~x) | x;
        if (special & kHigh) break;
        pos += 8;
      }
      while (pos < size && kPlain[bytes[pos]]) ++pos;
      if (pos >= size) return false;
      const uint8_t c = bytes[pos];
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c == '\\') {
        if (pos + 1 >= size) return false;
        switch (text_[pos + 1]) {
          case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't': break;
          default: return false;
        }
        has_escape = true;
        pos += 2;
        continue;
      }
      if (c < 0x80) return false;  // a raw control character: invalid JSON
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (pos + length > size || !websocket::valid_utf8(text_.substr(pos, length))) return false;
      pos += length;
    }
    return false;
  }

  // A number exactly as our serializer (JSON.stringify) would write it. Plain decimals with at
  // most 15 significant digits are canonical by construction (DBL_DIG: they survive the
  // round trip through a double, so the shortest form is themselves) unless they are -0, have
  // a trailing fractional zero or need more than five leading fractional zeros (JavaScript
  // switches to 1e-7 there). Anything else is parsed and re-serialized by the codec and
  // compared, which is what the general path would write.
  bool number() {
    const std::size_t start = pos;
    const auto digit = [&] { return pos < text_.size() && text_[pos] >= '0' && text_[pos] <= '9'; };
    const bool negative = at('-');
    if (negative) ++pos;
    if (!digit()) return false;
    const bool zero_int = text_[pos] == '0';
    std::size_t int_digits = 0;
    while (digit()) {
      ++pos;
      ++int_digits;
    }
    if (zero_int && int_digits > 1) return false;  // leading zero: invalid JSON
    std::size_t frac_digits = 0, frac_leading_zeros = 0;
    bool trailing_zero = false;
    if (at('.')) {
      ++pos;
      if (!digit()) return false;
      bool leading = true;
      while (digit()) {
        leading = leading && text_[pos] == '0';
        if (leading) ++frac_leading_zeros;
        trailing_zero = text_[pos] == '0';
        ++pos;
        ++frac_digits;
      }
    }
    bool exponent = false;
    if (at('e') || at('E')) {
      exponent = true;
      ++pos;
      if (at('+') || at('-')) ++pos;
      if (!digit()) return false;
      while (digit()) ++pos;
    }
    const std::size_t significant =
        zero_int ? frac_digits - frac_leading_zeros : int_digits + frac_digits;
    const bool plain_canonical = !exponent && !trailing_zero && significant <= 15 &&
                                 !(zero_int && frac_digits == 0 && negative) &&
                                 !(zero_int && frac_digits > 0 && frac_leading_zeros > 5);
    if (plain_canonical) return true;
    const std::string_view token = text_.substr(start, pos - start);
    auto parsed = json::parse(token);
    return parsed && parsed->is_number() && json::serialize(*parsed) == token;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos, word.size()) != word) return false;
    pos += word.size();
    return true;
  }

  bool value(int depth) {
    if (pos >= text_.size()) return false;
    bool escape = false;
    switch (text_[pos]) {
      case '"': return string(escape);
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  bool array(int depth) {
    if (depth > kMaxDepth) return false;
    ++pos;  // '['
    if (at(']')) {
      ++pos;
      return true;
    }
    for (;;) {
      if (!value(depth)) return false;
      if (at(']')) {
        ++pos;
        return true;
      }
      if (!at(',')) return false;
      ++pos;
    }
  }

  // Keys: no duplicates (JSON.parse keeps the last at the first's place) and no key starting
  // with a digit (array-index keys are written first, in numeric order).
  bool object(int depth) {
    if (depth > kMaxDepth) return false;
    ++pos;  // '{'
    if (at('}')) {
      ++pos;
      return true;
    }
    std::string_view keys[kMaxKeys];
    int count = 0;
    for (;;) {
      const std::size_t key_start = pos;
      bool escape = false;
      if (!string(escape)) return false;
      const std::string_view key = text_.substr(key_start, pos - key_start);
      if (key.size() > 2 && key[1] >= '0' && key[1] <= '9') return false;
      if (count == kMaxKeys) return false;
      // Canonical escapes make raw equality the same as decoded equality.
      for (int k = 0; k < count; ++k) {
        if (keys[k] == key) return false;
      }
      keys[count++] = key;
      if (!at(':')) return false;
      ++pos;
      if (!value(depth)) return false;
      if (at('}')) {
        ++pos;
        return true;
      }
      if (!at(',')) return false;
      ++pos;
    }
  }

 private:
  std::string_view text_;
};

bool relayed_event(std::string_view name) {
  return name == "peerIce" || name == "peerOffer" || name == "peerAnswer" || name == "signal";
}

}  // namespace

std::optional<Splice> parse(std::string_view packet) {
  // "2[": EVENT, default namespace (no '/'), no ack id, no attachment count.
  if (packet.size() < 4 || packet[0] != '2' || packet[1] != '[') return std::nullopt;
  Scanner scan(packet);
  scan.pos = 2;
  Splice splice;
  bool escape = false;

  std::size_t start = scan.pos;
  if (!scan.string(escape) || escape) return std::nullopt;
  splice.event_json = packet.substr(start, scan.pos - start);
  splice.event = splice.event_json.substr(1, splice.event_json.size() - 2);
  if (!relayed_event(splice.event) || !scan.at(',')) return std::nullopt;
  ++scan.pos;

  start = scan.pos;
  if (!scan.string(escape) || escape) return std::nullopt;
  splice.target_json = packet.substr(start, scan.pos - start);
  splice.target = splice.target_json.substr(1, splice.target_json.size() - 2);

  for (int index = 2;; ++index) {
    if (scan.at(']')) {
      ++scan.pos;
      break;
    }
    if (!scan.at(',')) return std::nullopt;
    ++scan.pos;
    start = scan.pos;
    if (!scan.value(1)) return std::nullopt;
    if (index == 2) splice.payload_json = packet.substr(start, scan.pos - start);
  }
  if (scan.pos != packet.size()) return std::nullopt;  // trailing bytes: the general path's error
  return splice;
}

void append_relayed(const Splice& splice, std::string_view from_id, std::string& out) {
  out += "42[";
  out += splice.event_json;
  out += ',';
  out += splice.target_json;
  out += ',';
  if (splice.payload_json.empty()) {
    out += "null";
  } else {
    out += splice.payload_json;
  }
  out += ",\"";
  out += from_id;
  out += "\"]";
}

}  // namespace sio::signalling::fast_relay
