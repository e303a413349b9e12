// sio-signalling's command line and .env file.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config.hpp"
#include "log.hpp"

namespace sio::signalling {

struct Options {
  ServerConfig server;
  bool dev_tls = false;         // create/reuse a self-signed certificate (dev_tls.hpp)
  std::string dev_tls_dir;      // where it lives ("" = $XDG_CONFIG_HOME/sio-signalling/dev-tls)
  std::string env_file = ".env";
  log::Level log_level = log::Level::Info;
};

enum class ParseStatus { Run, Help, Version, Error };
struct ParseOutcome {
  ParseStatus status = ParseStatus::Run;
  Options options;
  std::string message;  // Help: the help text; Version: the version line; Error: what is wrong, naming the option
};

// Precedence: defaults < .env file < process environment < command line. Keys read: PORT, and
// NODE_ENV=development, which implies --dev-tls unless --tls-cert is given (the chapter's server
// switches to https in development).
// `env_lookup` reads the process environment (injectable for tests); the .env file is read from
// options.env_file (or --env-file) relative to the working directory; a missing .env is fine.
// `args` are the arguments after the program name (argv[1..]).
ParseOutcome parse_command_line(const std::vector<std::string>& args);

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
ParseOutcome parse_command_line(const std::vector<std::string>& args, const EnvLookup& env_lookup);

// dotenv syntax, pure: KEY=VALUE per line, optional `export `, `#` comments (whole line, or after
// whitespace following an unquoted value), '...' literal, "..." with \n \t \" \\ escapes.
// Lines that are not assignments are skipped. Later keys win when read into a map.
std::vector<std::pair<std::string, std::string>> parse_dotenv(std::string_view text);

std::string help_text();

}  // namespace sio::signalling
