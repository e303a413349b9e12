#include "polling_outbox.hpp"

#include <utility>

#include "engineio.hpp"

namespace sio::signalling {

void PollingOutbox::separate() {
  if (!payload_.empty()) payload_ += engineio::kRecordSeparator;
}

void PollingOutbox::append_text(std::string_view packet) {
  separate();
  payload_.append(packet);
}

void PollingOutbox::append_binary(std::string_view bytes) {
  separate();
  payload_ += 'b';
  payload_ += engineio::base64_encode(bytes);
}

void PollingOutbox::append_state(std::string_view packet) {
  if (state_at_ != kNone) {
    // The earlier state packet and one separator next to it (before it, unless it is first).
    const bool first = state_at_ == 0;
    const std::size_t from = first ? 0 : state_at_ - 1;
    const bool alone = first && state_size_ == payload_.size();
    payload_.erase(from, state_size_ + (alone ? 0 : 1));
  }
  separate();
  state_at_ = payload_.size();
  state_size_ = packet.size();
  payload_.append(packet);
}

std::string PollingOutbox::take() {
  std::string taken = std::exchange(payload_, std::string());
  state_at_ = kNone;
  return taken;
}

void PollingOutbox::clear() {
  payload_ = std::string();
  state_at_ = kNone;
}

}  // namespace sio::signalling
