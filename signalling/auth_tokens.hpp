// Who may join (--auth-token, --auth-tokens-file): the Socket.IO CONNECT packet's auth object
// must carry a known token as {"token": "..."} (socket.io-client's `auth: {token}`); the file
// holds one token a line (blank lines and '#' comments ignored) and is read again on SIGHUP.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sio::signalling {

class AuthTokens {
 public:
  // `fixed`: the command line's; `file`: "" for none. Nothing is required while both are empty.
  AuthTokens(std::vector<std::string> fixed, std::string file) : fixed_(std::move(fixed)), file_(std::move(file)) {}

  // (Re)reads the file: false + `error` (and the tokens unchanged) when it cannot be read or
  // holds no token.
  bool load(std::string& error);
  bool required() const { return !fixed_.empty() || !from_file_.empty(); }
  // Compares with every token in time independent of where they differ.
  bool accepts(std::string_view token) const;
  size_t count() const { return fixed_.size() + from_file_.size(); }
  const std::string& file() const { return file_; }

 private:
  std::vector<std::string> fixed_;
  std::string file_;
  std::vector<std::string> from_file_;
};

// The file's tokens: one a line, trimmed; blank lines and lines starting with '#' skipped.
std::vector<std::string> parse_token_lines(std::string_view text);

}  // namespace sio::signalling
