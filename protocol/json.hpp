// A small JSON value with a strict parser (RFC 8259 + UTF-8 validation) and a serializer that
// matches JavaScript's JSON.stringify for the values Socket.IO carries. Object keys keep their
// insertion order, as JavaScript objects do for non-integer keys, so `clients` lists come out in
// connection order; serialize() writes array-index keys ("0".."4294967294") first, ascending, as
// JSON.stringify(JSON.parse(x)) does.
//
// Lone surrogates: JSON.parse accepts "\ud800" and keeps it in the JS string, and the chapter's
// server relays it. So does parse(): a lone surrogate escape is stored as its 3-byte generalized
// UTF-8 form (WTF-8, ED A0..BF xx), and serialize() writes it back as a lowercase \udxxx escape,
// as ES2019 JSON.stringify does. Raw surrogate bytes in the input are still InvalidUtf8. Strings
// from parse() may thus hold those 3-byte forms; serialize() output is always valid UTF-8 (bytes
// that are not UTF-8 at all, which only hand-made values can hold, become U+FFFD).
//
// A Binary alternative exists only for Socket.IO attachments: parse() never produces it and
// serialize() writes it as null (socketio::encode turns it into placeholders first).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "result.hpp"

namespace sio::json {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;
struct Binary {
  std::string bytes;
  bool operator==(const Binary&) const = default;
};

class Value {
 public:
  using Storage = std::variant<std::nullptr_t, bool, double, std::string, Array, Object, Binary>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}                          // NOLINT
  Value(bool b) : v_(b) {}                                        // NOLINT
  Value(double d) : v_(d) {}                                      // NOLINT
  Value(int i) : v_(static_cast<double>(i)) {}                    // NOLINT
  Value(int64_t i) : v_(static_cast<double>(i)) {}                // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                      // NOLINT
  Value(std::string_view s) : v_(std::string(s)) {}               // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                    // NOLINT
  Value(Array a) : v_(std::move(a)) {}                            // NOLINT
  Value(Object o) : v_(std::move(o)) {}                           // NOLINT
  Value(Binary b) : v_(std::move(b)) {}                           // NOLINT

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_number() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }
  bool is_binary() const { return std::holds_alternative<Binary>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }
  const Binary& as_binary() const { return std::get<Binary>(v_); }

  // Object member lookup (first match); nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
  // Object member set: replaces an existing key in place or appends.
  void set(std::string key, Value value);

  const Storage& storage() const { return v_; }
  bool operator==(const Value& other) const { return v_ == other.v_; }

 private:
  Storage v_;
};

struct ParseOptions {
  std::size_t max_depth = 64;  // nesting limit: deeper input is DepthLimit, not a stack overflow
};

// Parses exactly one JSON text; whitespace around it is allowed, anything else after it is
// TrailingData. Duplicate object keys: the last value wins at the first key's position, as JSON.parse.
// Numbers beyond double range become ±Infinity / ±0 as in JSON.parse. Error offsets are byte
// offsets into `text`: InvalidJson, InvalidUtf8, DepthLimit (at the opening bracket), TrailingData.
Result<Value> parse(std::string_view text, ParseOptions options = {});

// Like parse(), but returns how many bytes the value used instead of rejecting trailing bytes.
Result<std::pair<Value, std::size_t>> parse_prefix(std::string_view text, ParseOptions options = {});

// JSON.stringify-compatible output: no whitespace, shortest round-trip numbers, integers without
// a fraction, NaN/Infinity as null, "-0" as "0", strings escaped as JavaScript does (", \\, and
// control characters; U+2028/2029 and non-ASCII left as UTF-8). A Binary value serializes as null;
// callers that may hold Binary use socketio::deconstruct first.
std::string serialize(const Value& value);
void serialize_to(const Value& value, std::string& out);
void serialize_string_to(std::string_view s, std::string& out);

// Well-formed UTF-8 per RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF).
// Returns the offset of the first bad byte, or npos when valid.
std::size_t find_invalid_utf8(std::string_view bytes);

}  // namespace sio::json
