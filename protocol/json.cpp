#include "json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "utf8.hpp"

namespace sio::json {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Value::set(std::string key, Value value) {
  if (!is_object()) v_ = Object{};
  auto& object = as_object();
  for (auto& [k, v] : object) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  object.emplace_back(std::move(key), std::move(value));
}

std::size_t find_invalid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    if (static_cast<uint8_t>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const utf8::Step step = utf8::decode_step(bytes, i);
    if (!step.ok) return i;
    i += step.length;
  }
  return std::string_view::npos;
}

namespace {

constexpr bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Recursive descent; recursion depth is bounded by ParseOptions::max_depth.
class Parser {
 public:
  Parser(std::string_view text, ParseOptions options) : text_(text), options_(options) {}

  bool parse_value(Value& out, std::size_t depth) {
    skip_ws();
    if (at_end()) return fail(ErrorCode::InvalidJson, pos_, "unexpected end of JSON input");
    const char c = text_[pos_];
    switch (c) {
      case '{': return parse_object(out, depth + 1);
      case '[': return parse_array(out, depth + 1);
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out = Value(std::move(s));
        return true;
      }
      case 't': return parse_literal("true", Value(true), out);
      case 'f': return parse_literal("false", Value(false), out);
      case 'n': return parse_literal("null", Value(nullptr), out);
      default:
        if (c == '-' || is_digit(c)) return parse_number(out);
        return unexpected();
    }
  }

  void skip_ws() {
    while (!at_end() && is_ws(text_[pos_])) ++pos_;
  }
  std::size_t pos() const { return pos_; }
  bool at_end() const { return pos_ >= text_.size(); }
  CodecError take_error() { return std::move(error_); }

 private:
  bool fail(ErrorCode code, std::size_t offset, std::string reason) {
    error_ = make_error(code, offset, std::move(reason));
    return false;
  }

  // An unexpected byte: InvalidUtf8 when it does not even start well-formed UTF-8.
  bool unexpected() {
    if (at_end()) return fail(ErrorCode::InvalidJson, pos_, "unexpected end of JSON input");
    const auto byte = static_cast<uint8_t>(text_[pos_]);
    if (byte >= 0x80 && !utf8::decode_step(text_, pos_).ok) {
      return fail(ErrorCode::InvalidUtf8, pos_, "invalid UTF-8 byte");
    }
    std::string reason = "unexpected character";
    if (byte >= 0x20 && byte < 0x7F) {
      reason += " '";
      reason += static_cast<char>(byte);
      reason += "'";
    }
    return fail(ErrorCode::InvalidJson, pos_, std::move(reason));
  }

  bool parse_literal(std::string_view word, Value value, Value& out) {
    for (std::size_t k = 0; k < word.size(); ++k) {
      if (pos_ >= text_.size() || text_[pos_] != word[k]) return unexpected();
      ++pos_;
    }
    out = std::move(value);
    return true;
  }

  // RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool parse_number(Value& out) {
    const std::size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (at_end() || !is_digit(text_[pos_])) return unexpected();
    const std::size_t int_start = pos_;
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (!at_end() && is_digit(text_[pos_])) ++pos_;
    }
    const std::size_t int_end = pos_;
    std::size_t frac_start = pos_, frac_end = pos_;
    if (!at_end() && text_[pos_] == '.') {
      ++pos_;
      if (at_end() || !is_digit(text_[pos_])) return unexpected();
      frac_start = pos_;
      while (!at_end() && is_digit(text_[pos_])) ++pos_;
      frac_end = pos_;
    }
    bool exp_negative = false;
    long long exponent = 0;  // saturated: only its rough size matters below
    if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        exp_negative = text_[pos_] == '-';
        ++pos_;
      }
      if (at_end() || !is_digit(text_[pos_])) return unexpected();
      while (!at_end() && is_digit(text_[pos_])) {
        exponent = std::min(exponent * 10 + (text_[pos_] - '0'), 1000000000LL);
        ++pos_;
      }
    }
    if (exp_negative) exponent = -exponent;
    double d = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range) {
      // JSON.parse yields ±Infinity or ±0 here (from_chars leaves `d` untouched): decide from the
      // decimal magnitude, the position of the first significant digit plus the exponent.
      long long magnitude = 0;
      const auto int_digits = text_.substr(int_start, int_end - int_start);
      const auto frac_digits = text_.substr(frac_start, frac_end - frac_start);
      if (const auto nz = int_digits.find_first_not_of('0'); nz != std::string_view::npos) {
        magnitude = static_cast<long long>(int_digits.size() - nz) + exponent;
      } else if (const auto fz = frac_digits.find_first_not_of('0'); fz != std::string_view::npos) {
        magnitude = -static_cast<long long>(fz) + exponent;
      }
      d = magnitude > 0 ? HUGE_VAL : 0.0;
      if (text_[start] == '-') d = -d;
    } else if (ec != std::errc() || ptr != last) {
      return fail(ErrorCode::InvalidJson, start, "unparseable number");
    }
    out = Value(d);
    return true;
  }

  bool parse_hex4(unsigned& out) {
    if (pos_ + 4 > text_.size()) {
      pos_ = text_.size();
      return fail(ErrorCode::InvalidJson, pos_, "unexpected end in \\u escape");
    }
    out = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex_value(text_[pos_]);
      if (h < 0) return fail(ErrorCode::InvalidJson, pos_, "bad hex digit in \\u escape");
      out = out * 16 + static_cast<unsigned>(h);
      ++pos_;
    }
    return true;
  }

  // Precondition: text_[pos_] == '"'.
  bool parse_string(std::string& out) {
    const std::size_t open = pos_;
    ++pos_;
    while (true) {
      // Copy the plain run in one go.
      const std::size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto b = static_cast<uint8_t>(text_[pos_]);
        if (b == '"' || b == '\\' || b < 0x20 || b >= 0x80) break;
        ++pos_;
      }
      out.append(text_.substr(run, pos_ - run));
      if (at_end()) return fail(ErrorCode::InvalidJson, open, "unterminated string");
      const auto b = static_cast<uint8_t>(text_[pos_]);
      if (b == '"') {
        ++pos_;
        return true;
      }
      if (b < 0x20) return fail(ErrorCode::InvalidJson, pos_, "control character in string");
      if (b >= 0x80) {
        const utf8::Step step = utf8::decode_step(text_, pos_);
        if (!step.ok) return fail(ErrorCode::InvalidUtf8, pos_, "invalid UTF-8 in string");
        out.append(text_.substr(pos_, step.length));
        pos_ += step.length;
        continue;
      }
      // Backslash escape.
      ++pos_;
      if (at_end()) return fail(ErrorCode::InvalidJson, open, "unterminated string");
      const char e = text_[pos_];
      ++pos_;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned unit = 0;
          if (!parse_hex4(unit)) return false;
          char32_t cp = unit;
          // A high surrogate directly followed by an escaped low surrogate is one code point.
          if (unit >= 0xD800 && unit <= 0xDBFF && pos_ + 6 <= text_.size() && text_[pos_] == '\\' &&
              text_[pos_ + 1] == 'u') {
            const std::size_t save = pos_;
            pos_ += 2;
            unsigned low = 0;
            if (!parse_hex4(low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;  // a lone high surrogate; the next escape is decoded on its own
            }
          }
          // Lone surrogates are kept as 3-byte WTF-8, as JSON.parse keeps them in a JS string;
          // serialize() escapes them back (\udxxx) so its output is always valid UTF-8.
          utf8::append(cp, out);
          break;
        }
        default:
          return fail(ErrorCode::InvalidJson, pos_ - 1, "bad escape character");
      }
    }
  }

  bool parse_array(Value& out, std::size_t depth) {
    if (depth > options_.max_depth) return fail(ErrorCode::DepthLimit, pos_, "JSON nested too deeply");
    ++pos_;
    Array array;
    skip_ws();
    if (!at_end() && text_[pos_] == ']') {
      ++pos_;
      out = Value(std::move(array));
      return true;
    }
    while (true) {
      Value element;
      if (!parse_value(element, depth)) return false;
      array.push_back(std::move(element));
      skip_ws();
      if (at_end()) return unexpected();
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == ']') {
        ++pos_;
        out = Value(std::move(array));
        return true;
      }
      return unexpected();
    }
  }

  bool parse_object(Value& out, std::size_t depth) {
    if (depth > options_.max_depth) return fail(ErrorCode::DepthLimit, pos_, "JSON nested too deeply");
    ++pos_;
    Object object;
    // Duplicate keys: the last value wins at the first key's position, as JSON.parse. Large
    // objects get an index so that a hostile payload cannot make this quadratic.
    std::unordered_map<std::string, std::size_t> index;
    constexpr std::size_t kIndexFrom = 16;
    skip_ws();
    if (!at_end() && text_[pos_] == '}') {
      ++pos_;
      out = Value(std::move(object));
      return true;
    }
    while (true) {
      skip_ws();
      if (at_end() || text_[pos_] != '"') return unexpected();
      std::string key;
      if (!parse_string(key)) return false;
      skip_ws();
      if (at_end() || text_[pos_] != ':') return unexpected();
      ++pos_;
      Value member;
      if (!parse_value(member, depth)) return false;

      std::size_t existing = object.size();
      if (!index.empty()) {
        if (auto it = index.find(key); it != index.end()) existing = it->second;
      } else {
        for (std::size_t k = 0; k < object.size(); ++k) {
          if (object[k].first == key) {
            existing = k;
            break;
          }
        }
      }
      if (existing < object.size()) {
        object[existing].second = std::move(member);
      } else {
        if (!index.empty()) index.emplace(key, object.size());
        object.emplace_back(std::move(key), std::move(member));
        if (index.empty() && object.size() >= kIndexFrom) {
          for (std::size_t k = 0; k < object.size(); ++k) index.emplace(object[k].first, k);
        }
      }

      skip_ws();
      if (at_end()) return unexpected();
      if (text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        out = Value(std::move(object));
        return true;
      }
      return unexpected();
    }
  }

  std::string_view text_;
  ParseOptions options_;
  std::size_t pos_ = 0;
  CodecError error_{ErrorCode::InvalidJson, 0, {}};
};

// ECMA-262 Number::toString(x) for finite x, using the shortest round-trip digits.
void number_to(double d, std::string& out) {
  if (!std::isfinite(d)) {
    out += "null";  // JSON.stringify(NaN) / (Infinity)
    return;
  }
  if (d == 0) {
    out += '0';  // also -0
    return;
  }
  if (d < 0) {
    out += '-';
    d = -d;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  int exponent = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

// ECMA-262 array index: canonical decimal of an integer in [0, 2^32 - 2]. JavaScript objects
// enumerate such keys first, in ascending numeric order, then the others in insertion order.
bool array_index_key(std::string_view key, uint64_t& value) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  value = 0;
  for (char c : key) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value <= 4294967294ULL;
}

void append_escape_u(unsigned unit, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

// A 3-byte WTF-8 surrogate (ED A0..BF 80..BF) at bytes[i]: its code unit, or 0.
unsigned surrogate_at(std::string_view bytes, std::size_t i) {
  if (i + 3 > bytes.size()) return 0;
  const auto b0 = static_cast<uint8_t>(bytes[i]);
  const auto b1 = static_cast<uint8_t>(bytes[i + 1]);
  const auto b2 = static_cast<uint8_t>(bytes[i + 2]);
  if (b0 != 0xED || b1 < 0xA0 || b1 > 0xBF || b2 < 0x80 || b2 > 0xBF) return 0;
  return 0xD000u | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
}

}  // namespace

void serialize_string_to(std::string_view s, std::string& out) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (b < 0x20) {
            append_escape_u(b, out);
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    const utf8::Step step = utf8::decode_step(s, i);
    if (step.ok) {
      out.append(s.substr(i, step.length));
      i += step.length;
      continue;
    }
    // Lone surrogates from JSON.parse-style input: an adjacent high+low pair is one character
    // (written as UTF-8, as JSON.stringify would), a lone one is escaped as JSON.stringify does.
    if (const unsigned unit = surrogate_at(s, i); unit != 0) {
      const unsigned next = unit <= 0xDBFF ? surrogate_at(s, i + 3) : 0;
      if (next >= 0xDC00 && next <= 0xDFFF) {
        utf8::append(0x10000 + ((unit - 0xD800) << 10) + (next - 0xDC00), out);
        i += 6;
      } else {
        append_escape_u(unit, out);
        i += 3;
      }
      continue;
    }
    // Bytes that are not UTF-8 at all cannot come from a JavaScript string; replace them so
    // that the output is always a valid WebSocket text frame.
    out += "\xEF\xBF\xBD";
    i += step.length;
  }
  out += '"';
}

void serialize_to(const Value& value, std::string& out) {
  const auto& storage = value.storage();
  switch (storage.index()) {
    case 0: out += "null"; break;
    case 1: out += value.as_bool() ? "true" : "false"; break;
    case 2: number_to(value.as_number(), out); break;
    case 3: serialize_string_to(value.as_string(), out); break;
    case 4: {
      out += '[';
      bool first = true;
      for (const Value& element : value.as_array()) {
        if (!first) out += ',';
        first = false;
        serialize_to(element, out);
      }
      out += ']';
      break;
    }
    case 5: {
      const Object& object = value.as_object();
      std::vector<std::pair<uint64_t, std::size_t>> index_keys;
      for (std::size_t k = 0; k < object.size(); ++k) {
        uint64_t n = 0;
        if (array_index_key(object[k].first, n)) index_keys.emplace_back(n, k);
      }
      std::stable_sort(index_keys.begin(), index_keys.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      const auto member = [&](const std::pair<std::string, Value>& m) {
        if (!first) out += ',';
        first = false;
        serialize_string_to(m.first, out);
        out += ':';
        serialize_to(m.second, out);
      };
      for (const auto& [n, k] : index_keys) member(object[k]);
      for (const auto& m : object) {
        uint64_t n = 0;
        if (!array_index_key(m.first, n)) member(m);
      }
      out += '}';
      break;
    }
    default: out += "null"; break;  // Binary: see socketio::encode
  }
}

std::string serialize(const Value& value) {
  std::string out;
  serialize_to(value, out);
  return out;
}

Result<std::pair<Value, std::size_t>> parse_prefix(std::string_view text, ParseOptions options) {
  Parser parser(text, options);
  Value value;
  if (!parser.parse_value(value, 0)) return parser.take_error();
  return std::pair<Value, std::size_t>(std::move(value), parser.pos());
}

Result<Value> parse(std::string_view text, ParseOptions options) {
  Parser parser(text, options);
  Value value;
  if (!parser.parse_value(value, 0)) return parser.take_error();
  parser.skip_ws();
  if (!parser.at_end()) {
    return make_error(ErrorCode::TrailingData, parser.pos(), "unexpected data after the JSON value");
  }
  return value;
}

}  // namespace sio::json
