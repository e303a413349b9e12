#include "auth_tokens.hpp"

#include <glib.h>

namespace sio::signalling {

namespace {

// No early exit on the first differing byte: a guesser learns nothing from the time taken.
bool same(std::string_view given, std::string_view known) {
  if (known.empty()) return false;
  unsigned diff = given.size() == known.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ known[i % known.size()]);
  return diff == 0;
}

}  // namespace

std::vector<std::string> parse_token_lines(std::string_view text) {
  std::vector<std::string> tokens;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    tokens.emplace_back(line);
  }
  return tokens;
}

bool AuthTokens::load(std::string& error) {
  if (file_.empty()) return true;
  gchar* contents = nullptr;
  gsize length = 0;
  GError* read_error = nullptr;
  if (!g_file_get_contents(file_.c_str(), &contents, &length, &read_error)) {
    error = "cannot read " + file_ + ": " + read_error->message;
    g_error_free(read_error);
    return false;
  }
  std::vector<std::string> tokens = parse_token_lines(std::string_view(contents, length));
  g_free(contents);
  if (tokens.empty()) {
    error = file_ + " holds no token";
    return false;
  }
  from_file_ = std::move(tokens);
  return true;
}

bool AuthTokens::accepts(std::string_view token) const {
  bool found = false;
  for (const std::string& known : fixed_) found |= same(token, known);
  for (const std::string& known : from_file_) found |= same(token, known);
  return found;
}

}  // namespace sio::signalling
