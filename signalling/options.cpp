// Command line and .env parsing for sio-signalling. Everything here returns values; the only I/O is
// reading the .env file and checking that named files exist.
#include "options.hpp"

#include "command_line.hpp"
#include "origin_policy.hpp"

#include <glib.h>

#include <charconv>
#include <cstdint>
#include <map>

#ifndef SIO_VERSION
#define SIO_VERSION "0.1.0"
#endif

namespace sio::signalling {
namespace {

constexpr uint64_t kMaxMilliseconds = 86400000;      // one day: keeps interval + timeout in range
constexpr uint64_t kMaxPayloadLimit = 1ULL << 30;    // 1 GiB
constexpr uint64_t kMinSendBuffer = 64 * 1024;        // below this a busy room's broadcasts would not fit
constexpr uint64_t kMaxBatchWindowUs = 100000;        // 100 ms: beyond it relays would be noticeably late

using cli::OptionSpec;
using cli::Setting;
using cli::Takes;

constexpr OptionSpec kOptions[] = {
    {"host", Takes::Value},        {"port", Takes::Value},          {"public", Takes::Value},
    {"tls-cert", Takes::Value},    {"tls-key", Takes::Value},       {"dev-tls", Takes::Nothing},
    {"dev-tls-dir", Takes::Value}, {"cors-origin", Takes::Value},   {"allowed-origins", Takes::Value},   {"ping-interval", Takes::Value},
    {"ping-timeout", Takes::Value}, {"max-payload", Takes::Value},  {"max-send-buffer", Takes::Value},
    {"header-timeout", Takes::Value}, {"max-clients", Takes::Value}, {"max-clients-per-ip", Takes::Value},
    {"auth-token", Takes::Value},  {"auth-tokens-file", Takes::Value}, {"log-level", Takes::Value},
    {"env-file", Takes::Value},    {"conformance", Takes::Nothing}, {"help", Takes::Nothing},
    {"version", Takes::Nothing},   {"metrics", Takes::Nothing},    {"batch-window", Takes::Value},
};

std::string split_arguments(const std::vector<std::string>& args, std::vector<Setting>& out) {
  return cli::split_arguments(kOptions, args, out);
}

std::string parse_unsigned(const std::string& what, const std::string& text, uint64_t min, uint64_t max,
                           uint64_t& out) {
  return cli::parse_unsigned(what, text, min, max, out);
}

bool is_regular_file(const std::string& path) { return g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR); }
bool is_directory(const std::string& path) { return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR); }

// Reads the .env file. A missing default .env is fine; a missing explicit --env-file is an error.
std::string read_env_file(const std::string& path, bool explicit_path, std::map<std::string, std::string>& out) {
  char* contents = nullptr;
  gsize length = 0;
  GError* error = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &error)) {
    bool missing = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
    std::string reason = error->message;
    g_error_free(error);
    if (missing && !explicit_path) return "";
    if (missing) return "--env-file: file not found: " + path;
    return "--env-file: cannot read " + path + ": " + reason;
  }
  for (auto& [key, value] : parse_dotenv(std::string_view(contents, length))) out[key] = value;
  g_free(contents);
  return "";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_key(std::string_view key) {
  if (key.empty() || g_ascii_isdigit(key[0])) return false;
  for (char c : key)
    if (!g_ascii_isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

// Applies one command-line setting to `options`. Returns an error message or "".
std::string apply_setting(const Setting& s, Options& options) {
  const std::string what = "--" + s.name;
  ServerConfig& server = options.server;
  uint64_t number = 0;
  std::string err;
  if (s.name == "host") {
    if (s.value.empty()) return what + ": missing value";
    server.host = s.value;
  } else if (s.name == "port") {
    if (!(err = parse_unsigned(what, s.value, 0, 65535, number)).empty()) return err;
    server.port = static_cast<uint16_t>(number);
  } else if (s.name == "public") {
    if (s.value.empty()) return what + ": missing value";
    if (!is_directory(s.value)) return what + ": directory not found: " + s.value;
    server.public_dir = s.value;
  } else if (s.name == "tls-cert" || s.name == "tls-key") {
    if (s.value.empty()) return what + ": missing value";
    if (!is_regular_file(s.value)) return what + ": file not found: " + s.value;
    (s.name == "tls-cert" ? server.tls_cert_file : server.tls_key_file) = s.value;
  } else if (s.name == "dev-tls") {
    options.dev_tls = true;
  } else if (s.name == "metrics") {
    server.metrics = true;
  } else if (s.name == "dev-tls-dir") {
    if (s.value.empty()) return what + ": missing value";
    options.dev_tls_dir = s.value;
  } else if (s.name == "cors-origin") {
    if (s.value.empty()) return what + ": missing value";
    server.cors_origin = s.value;
  } else if (s.name == "auth-token") {
    if (s.value.empty()) return what + ": missing value";
    server.auth_tokens.push_back(s.value);
  } else if (s.name == "auth-tokens-file") {
    if (s.value.empty()) return what + ": missing value";
    if (!is_regular_file(s.value)) return what + ": file not found: " + s.value;
    server.auth_tokens_file = s.value;
  } else if (s.name == "allowed-origins") {
    std::string problem;
    if (!parse_origin_list(s.value, server.allowed_origins, problem)) return what + ": " + problem;
  } else if (s.name == "ping-interval" || s.name == "ping-timeout") {
    if (!(err = parse_unsigned(what, s.value, 1, kMaxMilliseconds, number)).empty()) return err;
    (s.name == "ping-interval" ? server.ping_interval_ms : server.ping_timeout_ms) = static_cast<uint32_t>(number);
  } else if (s.name == "header-timeout") {
    if (!(err = parse_unsigned(what, s.value, 0, kMaxMilliseconds, number)).empty()) return err;
    server.header_timeout_ms = static_cast<uint32_t>(number);
  } else if (s.name == "max-clients") {
    if (!(err = parse_unsigned(what, s.value, 1, 10000000, number)).empty()) return err;
    server.max_sessions = static_cast<uint32_t>(number);
  } else if (s.name == "max-clients-per-ip") {
    if (!(err = parse_unsigned(what, s.value, 0, 10000000, number)).empty()) return err;
    server.max_sessions_per_host = static_cast<uint32_t>(number);
  } else if (s.name == "max-payload") {
    if (!(err = parse_unsigned(what, s.value, 1, kMaxPayloadLimit, number)).empty()) return err;
    server.max_payload = number;
  } else if (s.name == "max-send-buffer") {
    if (!(err = parse_unsigned(what, s.value, kMinSendBuffer, kMaxPayloadLimit, number)).empty()) return err;
    server.max_send_buffer = number;
  } else if (s.name == "batch-window") {
    if (!(err = parse_unsigned(what, s.value, 0, kMaxBatchWindowUs, number)).empty()) return err;
    server.batch_window_us = static_cast<uint32_t>(number);
  } else if (s.name == "log-level") {
    if (!log::parse_level(s.value, options.log_level))
      return what + ": expected error, warn, info or debug, got '" + s.value + "'";
  }
  // env-file and conformance were handled before; help/version never reach here.
  return "";
}

void apply_conformance_preset(ServerConfig& server) {
  // ../shared/conformance/README.md: the official suites' server settings.
  server.conformance = true;
  server.ping_interval_ms = 300;
  server.ping_timeout_ms = 200;
  server.max_payload = 1000000;
  server.connect_timeout_ms = 1000;
  server.cors_origin = "*";
}

ParseOutcome error_outcome(std::string message) {
  ParseOutcome outcome;
  outcome.status = ParseStatus::Error;
  outcome.message = std::move(message);
  return outcome;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_dotenv(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> entries;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, eq));
    if (!is_key(key)) continue;
    std::string_view raw = trim(line.substr(eq + 1));

    std::string value;
    if (!raw.empty() && (raw[0] == '"' || raw[0] == '\'')) {
      char quote = raw[0];
      size_t close = std::string_view::npos;
      for (size_t i = 1; i < raw.size(); ++i) {
        if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size()) {
          ++i;
          continue;
        }
        if (raw[i] == quote) {
          close = i;
          break;
        }
      }
      if (close == std::string_view::npos) continue;  // unterminated: not an assignment we trust
      std::string_view inner = raw.substr(1, close - 1);
      if (quote == '\'') {
        value.assign(inner);
      } else {
        for (size_t i = 0; i < inner.size(); ++i) {
          if (inner[i] != '\\' || i + 1 == inner.size()) {
            value += inner[i];
            continue;
          }
          char c = inner[++i];
          value += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
      }
    } else {
      // An unquoted value ends at " #" (an inline comment).
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '#' && i > 0 && (raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
          raw = raw.substr(0, i);
          break;
        }
      }
      value.assign(trim(raw));
    }
    entries.emplace_back(std::string(key), std::move(value));
  }
  return entries;
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  return parse_command_line(args, [](const std::string& name) -> std::optional<std::string> {
    const char* value = g_getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

ParseOutcome parse_command_line(const std::vector<std::string>& args, const EnvLookup& env_lookup) {
  switch (cli::help_or_version(args)) {
    case cli::Early::Help:
      return {ParseStatus::Help, {}, help_text()};
    case cli::Early::Version:
      return {ParseStatus::Version, {}, "sio-signalling " SIO_VERSION};
    case cli::Early::None:
      break;
  }
  std::vector<Setting> settings;
  std::string err = split_arguments(args, settings);
  if (!err.empty()) return error_outcome(err);

  Options options;
  bool explicit_env_file = false;
  bool cli_port = false;
  bool cli_cert = false;
  for (const auto& s : settings) {
    if (s.name == "env-file") {
      if (s.value.empty()) return error_outcome("--env-file: missing value");
      options.env_file = s.value;
      explicit_env_file = true;
    }
    if (s.name == "conformance") apply_conformance_preset(options.server);
    if (s.name == "port") cli_port = true;
    if (s.name == "tls-cert") cli_cert = true;
  }

  // .env, then the process environment over it.
  std::map<std::string, std::string> env;
  if (!(err = read_env_file(options.env_file, explicit_env_file, env)).empty()) return error_outcome(err);
  for (const char* key : {"PORT", "NODE_ENV"})
    if (auto value = env_lookup(key)) env[key] = *value;

  if (auto it = env.find("PORT"); it != env.end() && !cli_port) {
    uint64_t port = 0;
    std::string what = "PORT (environment or " + options.env_file + ")";
    if (!(err = parse_unsigned(what, it->second, 0, 65535, port)).empty()) return error_outcome(err);
    options.server.port = static_cast<uint16_t>(port);
  }
  if (auto it = env.find("NODE_ENV"); it != env.end() && it->second == "development" && !cli_cert)
    options.dev_tls = true;

  // The command line last, so it overrides both.
  for (const auto& s : settings)
    if (!(err = apply_setting(s, options)).empty()) return error_outcome(err);

  const ServerConfig& server = options.server;
  if (!server.tls_cert_file.empty() && server.tls_key_file.empty())
    return error_outcome("--tls-cert requires --tls-key");
  if (server.tls_cert_file.empty() && !server.tls_key_file.empty())
    return error_outcome("--tls-key requires --tls-cert");
  if (!server.tls_cert_file.empty() && options.dev_tls) {
    bool cli_dev_tls = false;
    for (const auto& s : settings) cli_dev_tls |= s.name == "dev-tls";
    if (cli_dev_tls) return error_outcome("--dev-tls and --tls-cert cannot be used together");
  }

  ParseOutcome outcome;
  outcome.options = std::move(options);
  return outcome;
}

std::string help_text() {
  return
      "Usage: sio-signalling [OPTION]...\n"
      "A Socket.IO signalling server: a drop-in replacement for the chapter's express + socket.io\n"
      "server (relays peerOffer, peerAnswer, peerIce and signal; broadcasts clients).\n"
      "\n"
      "Options (--opt=VALUE and --opt VALUE are both accepted):\n"
      "  --host=ADDR            address to listen on (default 127.0.0.1; 0.0.0.0 for the LAN)\n"
      "  --port=N               TCP port, 0 = pick a free one (default 3000, or PORT)\n"
      "  --public=DIR           folder served at / (default: the bundled web/ pages)\n"
      "  --tls-cert=FILE        PEM certificate: serve HTTPS and WSS (needs --tls-key)\n"
      "  --tls-key=FILE         PEM private key for --tls-cert\n"
      "  --dev-tls              HTTPS with a self-signed certificate for localhost and this machine's\n"
      "                         addresses, created once and reused (default: off, or on when\n"
      "                         NODE_ENV=development)\n"
      "  --dev-tls-dir=DIR      where that certificate lives\n"
      "                         (default $XDG_CONFIG_HOME/sio-signalling/dev-tls)\n"
      "  --cors-origin=ORIGIN   send CORS headers for ORIGIN, or * (default: none)\n"
      "  --allowed-origins=LIST web pages (comma-separated origins, e.g. https://cam.example) that may\n"
      "                         connect; others get 403, logged. Pages without an Origin (native\n"
      "                         clients) always may (default: pages from this server and from\n"
      "                         loopback, plus --cors-origin's)\n"
      "  --ping-interval=MS     Engine.IO heartbeat interval (default 25000)\n"
      "  --ping-timeout=MS      Engine.IO heartbeat timeout (default 20000)\n"
      "  --max-payload=BYTES    largest HTTP body, WebSocket message, or binary packet's attachments\n"
      "                         together (default 1000000)\n"
      "  --max-send-buffer=BYTES  bytes queued for a WebSocket client that does not read them; over it\n"
      "                         the client is disconnected, logged (default 1048576, at least 65536)\n"
      "  --header-timeout=MS    a connection's request head must arrive within this; else it is\n"
      "                         closed, logged (default 60000, 0 = no limit)\n"
      "  --max-clients=N        clients connected at once; a new one over it gets 503, logged\n"
      "                         (default 100000)\n"
      "  --max-clients-per-ip=N clients from one address at once; over it 503, logged (default 0:\n"
      "                         no limit; a house behind one NAT is one address)\n"
      "  --auth-token=TOKEN     clients must send this token (socket.io-client: auth: {token}); others\n"
      "                         get CONNECT_ERROR \"unauthorized\" and are closed. May be repeated\n"
      "  --auth-tokens-file=FILE  the same, one token a line ('#' comments), read again on SIGHUP\n"
      "  --metrics              serve Prometheus metrics at /metrics: clients by transport, connects,\n"
      "                         relays by event, bytes, refusals by reason, CPU and memory (default:\n"
      "                         off; anyone who can reach the server can read them)\n"
      "  --batch-window=US      while WebSocket messages flow, poll at most once per US microseconds\n"
      "                         and relay what arrived meanwhile together: less CPU per message,\n"
      "                         up to US later (default 200, 0 = off; an idle server never waits)\n"
      "  --log-level=LEVEL      error, warn, info or debug (default info)\n"
      "  --env-file=FILE        dotenv file to read (default .env; a missing .env is ignored)\n"
      "  --conformance          the official protocol test suites' setup: ping 300/200 ms,\n"
      "                         max payload 1000000, connect timeout 1000 ms, CORS *, test handlers\n"
      "  -h, --help             show this help and exit\n"
      "  --version              show the version and exit\n"
      "\n"
      "Environment (.env file, overridden by the process environment, overridden by options):\n"
      "  PORT=N                 the port, as --port\n"
      "  NODE_ENV=development   HTTPS with the dev certificate, as --dev-tls (unless --tls-cert)\n"
      "\n"
      "SIO_WEB_DIR, SIO_CLIENT_DIST_DIR and SIO_SIMPLE_PEER_FILE override the bundled web/ pages,\n"
      "socket.io-client's dist/ folder and simplepeer.min.js.\n"
      "\n"
      "On start it prints 'listening on URL' on stdout for each address. On SIGINT/SIGTERM every\n"
      "client is told the server closed (they reconnect at once) and it exits within 2 s; a second\n"
      "signal stops at once. Exit status: 0 after a signal, 1 when the server cannot start, 2 for a\n"
      "bad command line.\n";
}

}  // namespace sio::signalling
