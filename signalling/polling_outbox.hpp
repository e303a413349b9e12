// What a long-polling session has queued for its next poll: Engine.IO packets joined by the
// record separator, ready to be the poll's body. No I/O; the session decides when to flush.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sio::signalling {

class PollingOutbox {
 public:
  void append_text(std::string_view packet);
  void append_binary(std::string_view bytes);  // "b" + base64
  // A packet that supersedes the previous one queued this way (the chapter's `clients` list: each
  // carries the whole state). The earlier one, if no poll has taken it yet, is removed, so a
  // session nobody polls holds one list however often it changes, not one per change.
  void append_state(std::string_view packet);

  bool empty() const { return payload_.empty(); }
  std::size_t size() const { return payload_.size(); }
  const std::string& payload() const { return payload_; }
  // The payload for a poll; the outbox is empty afterwards (its memory released).
  std::string take();
  void clear();

 private:
  void separate();

  std::string payload_;
  static constexpr std::size_t kNone = std::string::npos;
  std::size_t state_at_ = kNone;  // where the last append_state packet starts, if still queued
  std::size_t state_size_ = 0;
};

}  // namespace sio::signalling
