// sio-signalling's command line and .env file.
#pragma once

#include <string>
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

enum class ParseStatus { Run, Help, Error };
struct ParseOutcome {
  ParseStatus status = ParseStatus::Run;
  Options options;
  std::string message;  // Help: the help text; Error: what is wrong, naming the option
};

// Precedence: defaults < .env (PORT; NODE_ENV=development implies --dev-tls unless a certificate is
// given, as the chapter's server switches to https in development) < command line.
// `env_lookup` reads the process environment (injectable for tests); the .env file is read from
// options.env_file (or --env-file) relative to the working directory; a missing .env is fine.
ParseOutcome parse_command_line(const std::vector<std::string>& args);

std::string help_text();

}  // namespace sio::signalling
