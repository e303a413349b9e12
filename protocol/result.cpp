#include "result.hpp"

namespace sio {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::Empty: return "empty";
    case ErrorCode::UnknownPacketType: return "unknown packet type";
    case ErrorCode::InvalidJson: return "invalid JSON";
    case ErrorCode::InvalidUtf8: return "invalid UTF-8";
    case ErrorCode::DepthLimit: return "nesting too deep";
    case ErrorCode::TooLarge: return "too large";
    case ErrorCode::BadNamespace: return "bad namespace";
    case ErrorCode::BadAckId: return "bad ack id";
    case ErrorCode::BadAttachments: return "bad attachments";
    case ErrorCode::BadBase64: return "bad base64";
    case ErrorCode::BadPayload: return "bad payload";
    case ErrorCode::BadMessage: return "bad message";
    case ErrorCode::UnexpectedBinary: return "unexpected binary";
    case ErrorCode::TrailingData: return "trailing data";
  }
  return "unknown error";
}

}  // namespace sio
