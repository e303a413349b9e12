#include "http_util.hpp"

#include <cstring>

namespace sio::signalling::http {

namespace {

constexpr char kTooLargeKey[] = "sio-body-too-large";

struct BodyLimit {
  uint64_t limit;
};

void on_got_chunk(SoupServerMessage* msg, GBytes*, gpointer data) {
  SoupMessageBody* body = soup_server_message_get_request_body(msg);
  const auto* limit = static_cast<const BodyLimit*>(data);
  if (body->length > static_cast<goffset>(limit->limit) && !g_object_get_data(G_OBJECT(msg), kTooLargeKey)) {
    // Drop what was buffered and stop buffering; the handler answers 413.
    soup_message_body_set_accumulate(body, FALSE);
    soup_message_body_truncate(body);
    g_object_set_data(G_OBJECT(msg), kTooLargeKey, GINT_TO_POINTER(1));
  }
}

}  // namespace

void respond_text(SoupServerMessage* msg, guint status, const char* content_type, std::string_view body) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, content_type, SOUP_MEMORY_COPY, body.data(), body.size());
}

void respond_engineio_error(SoupServerMessage* msg, engineio::ServerError error) {
  const guint status = error == engineio::ServerError::Forbidden ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_BAD_REQUEST;
  respond_text(msg, status, "application/json", engineio::encode_server_error(error));
}

void limit_request_body(SoupServerMessage* msg, uint64_t limit) {
  const goffset length =
      soup_message_headers_get_content_length(soup_server_message_get_request_headers(msg));
  if (soup_message_headers_get_encoding(soup_server_message_get_request_headers(msg)) ==
          SOUP_ENCODING_CONTENT_LENGTH &&
      static_cast<uint64_t>(length) > limit) {
    // Known too large: do not buffer a byte of it.
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
    g_object_set_data(G_OBJECT(msg), kTooLargeKey, GINT_TO_POINTER(1));
    return;
  }
  auto* data = new BodyLimit{limit};
  g_signal_connect_data(msg, "got-chunk", G_CALLBACK(on_got_chunk), data,
                        [](gpointer p, GClosure*) { delete static_cast<BodyLimit*>(p); },
                        GConnectFlags(0));
}

bool body_too_large(SoupServerMessage* msg) {
  return g_object_get_data(G_OBJECT(msg), kTooLargeKey) != nullptr;
}

bool apply_cors(SoupServerMessage* msg, const std::string& origin) {
  if (origin.empty()) return false;
  SoupMessageHeaders* response = soup_server_message_get_response_headers(msg);
  SoupMessageHeaders* request = soup_server_message_get_request_headers(msg);
  soup_message_headers_replace(response, "Access-Control-Allow-Origin", origin.c_str());
  if (origin != "*") {
    // A fixed origin can be trusted with credentials (cookies); "*" cannot, per the Fetch spec.
    soup_message_headers_replace(response, "Access-Control-Allow-Credentials", "true");
    soup_message_headers_append(response, "Vary", "Origin");
  }
  if (strcmp(soup_server_message_get_method(msg), "OPTIONS") != 0) return false;
  soup_message_headers_replace(response, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
  if (const char* wanted = soup_message_headers_get_one(request, "Access-Control-Request-Headers")) {
    soup_message_headers_replace(response, "Access-Control-Allow-Headers", wanted);
    soup_message_headers_append(response, "Vary", "Access-Control-Request-Headers");
  }
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
  soup_message_headers_set_content_length(response, 0);
  return true;
}

bool is_websocket_upgrade(SoupServerMessage* msg) {
  SoupMessageHeaders* request = soup_server_message_get_request_headers(msg);
  return soup_message_headers_header_contains(request, "Upgrade", "websocket");
}

}  // namespace sio::signalling::http
