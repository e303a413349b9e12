// Errors are values: every decoder in this library returns Result<T>.
// Nothing in protocol/ throws across its API, does I/O, reads clocks or logs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sio {

enum class ErrorCode {
  Empty,              // no bytes where a packet was expected
  UnknownPacketType,  // first character is not a known packet type
  InvalidJson,        // JSON syntax error (RFC 8259)
  InvalidUtf8,        // bytes are not well-formed UTF-8 (RFC 3629)
  DepthLimit,         // JSON nested deeper than the decoder allows
  TooLarge,           // input over the configured size limit (not produced by protocol/ itself:
                      // for callers enforcing maxPayload and the like)
  BadNamespace,       // Socket.IO namespace not terminated by ',' or not starting with '/'
  BadAckId,           // ack id digits overflow or are malformed
  BadAttachments,     // BINARY_* attachment count missing '-' or inconsistent with placeholders
  BadBase64,          // Engine.IO 'b' packet with invalid base64
  BadPayload,         // payload has the wrong JSON shape for its packet type
  BadMessage,         // a chapter message with the wrong arguments
  UnexpectedBinary,   // a binary attachment arrived when none was expected
  TrailingData,       // bytes after a complete value
};

std::string_view to_string(ErrorCode code);

struct CodecError {
  ErrorCode code;
  std::size_t offset = 0;  // byte offset into the decoder's input where the problem was found
  std::string reason;      // human-readable, for logs
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                // NOLINT: implicit by design
  Result(CodecError error) : v_(std::move(error)) {}       // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const CodecError& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, CodecError> v_;
};

inline CodecError make_error(ErrorCode code, std::size_t offset, std::string reason) {
  return CodecError{code, offset, std::move(reason)};
}

}  // namespace sio
