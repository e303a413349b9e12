// sio-webrtc's command line. Everything here returns values; the only I/O is checking that named
// directories exist (--public, the folder of --sink=FILE.mkv). Devices and plugins are checked by
// main.cpp after parsing, because that needs GStreamer.
#include "options.hpp"

#include "server_url.hpp"

#include "command_line.hpp"

#include <glib.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <string_view>

#ifndef SIO_VERSION
#define SIO_VERSION "0.1.0"
#endif

namespace sio::launcher {
namespace {

constexpr double kMaxDurationSeconds = 31536000;    // a year: keeps microsecond timers in range
constexpr double kMaxStatusIntervalSeconds = 86400;
constexpr double kMinStatusIntervalSeconds = 0.1;   // below that the status lines would flood stdout
constexpr int kMaxCalls = 1024;                      // 0 = no limit
constexpr int kMaxLatencyMs = 10000;

using cli::OptionSpec;
using cli::Setting;
using cli::Takes;

constexpr OptionSpec kOptions[] = {
    {"mode", Takes::Value},      {"server", Takes::Value},      {"host", Takes::Value},
    {"port", Takes::Value},      {"public", Takes::Value},      {"dev-tls", Takes::Nothing},
    {"dev-tls-dir", Takes::Value}, {"dialect", Takes::Value},   {"call", Takes::Value},
    {"stun", Takes::Value},      {"turn", Takes::Value},        {"ice-address", Takes::Value},
    {"insecure", Takes::Nothing}, {"video", Takes::Value},      {"audio", Takes::Value},
    {"width", Takes::Value},     {"height", Takes::Value},      {"fps", Takes::Value},
    {"codec", Takes::Value},     {"bitrate", Takes::Value},     {"sink", Takes::Value},
    {"duration", Takes::Value},  {"status-interval", Takes::Value}, {"dry-run", Takes::Nothing},
    {"metrics-port", Takes::Value},
    {"max-calls", Takes::Value}, {"auth-token", Takes::Value}, {"help", Takes::Nothing},
    {"version", Takes::Nothing}, {"no-reconnect", Takes::Nothing}, {"turn-secret", Takes::Value},
    {"ice-transport-policy", Takes::Value}, {"connect-timeout", Takes::Value},
    {"latency", Takes::Value},   {"latency-max", Takes::Value}, {"stamp", Takes::Nothing},
    {"fec", Takes::Value},
};

// Options that configure the embedded server, so they mean nothing with --server.
constexpr std::string_view kEmbeddedServerOptions[] = {"host", "port", "public", "dev-tls", "dev-tls-dir"};
// Options that shape what is sent, so they mean nothing with --mode=recv (video/audio checked apart:
// "none" is allowed there).
constexpr std::string_view kSendingOptions[] = {"codec", "bitrate", "width", "height", "fps", "stamp"};

const OptionSpec* find_option(std::string_view name) { return cli::find_option(kOptions, name); }

// "--name" or "--name=value", as the user would write it back.
std::string spelled(const Setting& s) {
  const OptionSpec* spec = find_option(s.name);
  if (spec && spec->takes == Takes::Nothing) return "--" + s.name;
  return "--" + s.name + "=" + s.value;
}

std::string split_arguments(const std::vector<std::string>& args, std::vector<Setting>& out) {
  return cli::split_arguments(kOptions, args, out);
}

std::string parse_int(const std::string& what, const std::string& text, int min, int max, int& out) {
  uint64_t value = 0;
  std::string error = cli::parse_unsigned(what, text, static_cast<uint64_t>(min), static_cast<uint64_t>(max), value);
  if (error.empty()) out = static_cast<int>(value);
  return error;
}

// Seconds as DIGITS[.DIGITS] (no sign, exponent, hex, inf or nan), at most `max`.
std::string parse_seconds(const std::string& what, const std::string& text, double max, double& out) {
  if (text.empty()) return what + ": missing value";
  auto dot = text.find('.');
  std::string_view whole = std::string_view(text).substr(0, dot);
  std::string_view fraction = dot == std::string::npos ? std::string_view() : std::string_view(text).substr(dot + 1);
  auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == std::string_view::npos; };
  bool well_formed = digits(whole) && digits(fraction) && (!whole.empty() || !fraction.empty()) &&
                     (dot == std::string::npos || !fraction.empty());
  if (!well_formed) return what + ": not a number of seconds: '" + text + "'";
  double value = g_ascii_strtod(text.c_str(), nullptr);
  if (!std::isfinite(value) || value > max) {
    char limit[32];
    g_snprintf(limit, sizeof limit, "%g", max);
    return what + ": at most " + limit + " seconds, got " + text;
  }
  out = value;
  return "";
}

struct GUriUnref {
  void operator()(GUri* uri) const { g_uri_unref(uri); }
};
using GUriPtr = std::unique_ptr<GUri, GUriUnref>;

// Parses `text` as an absolute URI; nullptr when it is not one.
GUriPtr parse_uri(const std::string& text, GUriFlags flags = G_URI_FLAGS_NONE) {
  GError* error = nullptr;
  GUri* uri = g_uri_parse(text.c_str(), flags, &error);
  if (error) g_error_free(error);
  return GUriPtr(uri);
}

bool has_host(GUri* uri) {
  const char* host = g_uri_get_host(uri);
  return host && *host;
}

std::string check_server_url(const std::string& what, const std::string& text) {
  if (text.empty()) return what + ": missing value";
  const std::string expected = what + ": expected an http:// or https:// URL with a host, got '" + text + "'";
  GUriPtr uri = parse_uri(text);
  if (!uri || !has_host(uri.get())) return expected;
  std::string_view scheme = g_uri_get_scheme(uri.get());
  if (scheme != "http" && scheme != "https") return expected;
  // The rest as the signalling client will read it (path, query), so nothing accepted here fails later.
  const std::string problem = client::server_url_problem(text);
  if (!problem.empty()) return what + ": " + problem + " in '" + text + "'";
  return "";
}

// webrtcbin's stun-server: stun://host[:port], nothing after the port.
std::string check_stun_url(const std::string& what, const std::string& text) {
  if (text.empty()) return what + ": missing value";
  const std::string expected = what + ": expected stun://HOST[:PORT], got '" + text + "'";
  GUriPtr uri = parse_uri(text);
  if (!uri || !has_host(uri.get()) || std::string_view(g_uri_get_scheme(uri.get())) != "stun") return expected;
  if (g_uri_get_userinfo(uri.get()) || *g_uri_get_path(uri.get()) || g_uri_get_query(uri.get()) ||
      g_uri_get_fragment(uri.get()))
    return expected;
  return "";
}

// webrtcbin's turn-server: turn(s)://user:pass@host[:port], optionally ?transport=udp|tcp. The
// user and password may be missing here: --turn-secret makes them (checked in check_conflicts).
std::string check_turn_url(const std::string& what, const std::string& text) {
  if (text.empty()) return what + ": missing value";
  const std::string expected =
      what + ": expected turn://USER:PASSWORD@HOST[:PORT] or turns://..., got '" + text + "'";
  GUriPtr uri = parse_uri(text, G_URI_FLAGS_HAS_PASSWORD);
  if (!uri || !has_host(uri.get())) return expected;
  std::string_view scheme = g_uri_get_scheme(uri.get());
  if (scheme != "turn" && scheme != "turns") return expected;
  if (*g_uri_get_path(uri.get()) || g_uri_get_fragment(uri.get())) return expected;
  // The element takes a list separated by commas and spaces.
  if (text.find_first_of(", ") != std::string::npos)
    return what + ": escape commas and spaces (%2C, %20), got '" + text + "'";
  if (const char* query = g_uri_get_query(uri.get())) {
    std::string_view q(query);
    if (q != "transport=udp" && q != "transport=tcp")
      return what + ": the only query allowed is ?transport=udp or ?transport=tcp, got '" + text + "'";
  }
  return "";
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string parse_ice_addresses(const std::string& what, const std::string& text, std::vector<std::string>& out) {
  if (text.empty()) return what + ": missing value";
  std::vector<std::string> addresses;
  std::string_view rest(text);
  while (true) {
    auto comma = rest.find(',');
    std::string address(trim_spaces(rest.substr(0, comma)));
    if (address.empty()) return what + ": empty address in '" + text + "'";
    if (!g_hostname_is_ip_address(address.c_str()))
      return what + ": not an IP address: '" + address + "'" + (address == text ? "" : " (in '" + text + "')");
    addresses.push_back(std::move(address));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  out = std::move(addresses);
  return "";
}

bool is_directory(const std::string& path) { return g_file_test(path.c_str(), G_FILE_TEST_IS_DIR); }

bool ends_with_mkv(const std::string& path) {
  return path.size() > 4 && g_ascii_strcasecmp(path.c_str() + path.size() - 4, ".mkv") == 0;
}

std::string parse_sink(const std::string& what, const std::string& text, LaunchOptions& o) {
  if (text.empty()) return what + ": missing value";
  if (text == "auto") {
    o.sink = SinkChoice::Auto;
  } else if (text == "fake") {
    o.sink = SinkChoice::Fake;
  } else {
    if (!ends_with_mkv(text))
      return what + ": expected auto, fake or a FILE.mkv to record to, got '" + text + "' (the file must end in .mkv)";
    if (is_directory(text)) return what + ": '" + text + "' is a directory, not a file";
    char* dir = g_path_get_dirname(text.c_str());
    std::string folder(dir);
    g_free(dir);
    if (!is_directory(folder)) return what + ": the directory of '" + text + "' does not exist: " + folder;
    o.sink = SinkChoice::File;
    o.sink_file = text;
  }
  return "";
}

std::string parse_video(const std::string& what, const std::string& text, LaunchOptions& o) {
  if (text.empty()) return what + ": missing value";
  o.video_device.clear();
  if (text == "auto") {
    o.video = VideoChoice::Auto;
  } else if (text == "test") {
    o.video = VideoChoice::Test;
  } else if (text == "none") {
    o.video = VideoChoice::None;
  } else if (text == "v4l2") {
    o.video = VideoChoice::V4l2;
  } else if (text.compare(0, 5, "v4l2:") == 0) {
    if (text.size() == 5) return what + ": v4l2: needs a device after the colon, e.g. v4l2:/dev/video0";
    o.video = VideoChoice::V4l2;
    o.video_device = text.substr(5);
  } else {
    std::string message = what + ": expected auto, test, v4l2[:DEVICE] or none, got '" + text + "'";
    if (text.compare(0, 5, "/dev/") == 0) message += " (did you mean v4l2:" + text + "?)";
    return message;
  }
  return "";
}

// Applies one setting. `dialect_given` records an explicit --dialect for the default resolved later.
std::string apply_setting(const Setting& s, LaunchOptions& o, bool& dialect_given) {
  const std::string what = "--" + s.name;
  const std::string& v = s.value;
  int number = 0;
  std::string err;
  if (s.name == "mode") {
    if (v == "send") o.mode = Mode::Send;
    else if (v == "recv") o.mode = Mode::Recv;
    else if (v == "both") o.mode = Mode::Both;
    else return what + ": expected send, recv or both, got '" + v + "'";
  } else if (s.name == "server") {
    if (!(err = check_server_url(what, v)).empty()) return err;
    o.server_url = v;
  } else if (s.name == "host") {
    if (v.empty()) return what + ": missing value";
    o.host = v;
  } else if (s.name == "port") {
    if (!(err = parse_int(what, v, 0, 65535, number)).empty()) return err;
    o.port = static_cast<uint16_t>(number);
  } else if (s.name == "public") {
    if (v.empty()) return what + ": missing value";
    if (!is_directory(v)) return what + ": directory not found: " + v;
    o.public_dir = v;
  } else if (s.name == "dev-tls") {
    o.dev_tls = true;
  } else if (s.name == "dev-tls-dir") {
    if (v.empty()) return what + ": missing value";
    o.dev_tls_dir = v;
  } else if (s.name == "dialect") {
    if (v == "classic") o.dialect = Dialect::Classic;
    else if (v == "simple-peer") o.dialect = Dialect::SimplePeer;
    else return what + ": expected classic or simple-peer, got '" + v + "'";
    dialect_given = true;
  } else if (s.name == "call") {
    if (v.empty()) return what + ": missing value (auto, all, or the socket id of the peer to call)";
    o.call = v;
  } else if (s.name == "max-calls") {
    if (!(err = parse_int(what, v, 0, kMaxCalls, o.max_calls)).empty()) return err;
  } else if (s.name == "no-reconnect") {
    o.reconnect = false;
  } else if (s.name == "auth-token") {
    if (v.empty()) return what + ": missing value";
    o.auth_token = v;
  } else if (s.name == "stun") {
    if (!(err = check_stun_url(what, v)).empty()) return err;
    o.stun = v;
  } else if (s.name == "turn") {
    if (!(err = check_turn_url(what, v)).empty()) return err;
    o.turn.push_back(v);
  } else if (s.name == "turn-secret") {
    if (v.empty()) return what + ": missing value";
    o.turn_secret = v;
  } else if (s.name == "connect-timeout") {
    if (!(err = parse_seconds(what, v, 3600, o.connect_timeout_s)).empty()) return err;
  } else if (s.name == "latency") {
    if (!(err = parse_int(what, v, 0, kMaxLatencyMs, o.latency_ms)).empty()) return err;
  } else if (s.name == "latency-max") {
    if (!(err = parse_int(what, v, 0, kMaxLatencyMs, o.latency_max_ms)).empty()) return err;
  } else if (s.name == "fec") {
    if (!(err = parse_int(what, v, 0, 100, o.fec_percentage)).empty()) return err;
  } else if (s.name == "ice-transport-policy") {
    if (v == "all") o.relay_only = false;
    else if (v == "relay") o.relay_only = true;
    else return what + ": expected all or relay, got '" + v + "'";
  } else if (s.name == "ice-address") {
    if (!(err = parse_ice_addresses(what, v, o.ice_addresses)).empty()) return err;
  } else if (s.name == "insecure") {
    o.insecure = true;
  } else if (s.name == "video") {
    if (!(err = parse_video(what, v, o)).empty()) return err;
  } else if (s.name == "audio") {
    if (v == "auto") o.audio = AudioChoice::Auto;
    else if (v == "test") o.audio = AudioChoice::Test;
    else if (v == "none") o.audio = AudioChoice::None;
    else return what + ": expected auto, test or none, got '" + v + "'";
  } else if (s.name == "width") {
    if (!(err = parse_int(what, v, 16, 7680, o.width)).empty()) return err;
  } else if (s.name == "height") {
    if (!(err = parse_int(what, v, 16, 4320, o.height)).empty()) return err;
  } else if (s.name == "fps") {
    if (!(err = parse_int(what, v, 1, 120, o.fps)).empty()) return err;
  } else if (s.name == "codec") {
    if (v == "vp8") o.codec = Codec::Vp8;
    else if (v == "h264") o.codec = Codec::H264;
    else return what + ": expected vp8 or h264, got '" + v + "'";
  } else if (s.name == "bitrate") {
    if (!(err = parse_int(what, v, 50, 50000, o.bitrate_kbps)).empty()) return err;
  } else if (s.name == "sink") {
    if (!(err = parse_sink(what, v, o)).empty()) return err;
  } else if (s.name == "duration") {
    double seconds = 0;
    if (!(err = parse_seconds(what, v, kMaxDurationSeconds, seconds)).empty()) return err;
    if (seconds <= 0) return what + ": must be more than 0 seconds, got " + v;
    o.duration_s = seconds;
  } else if (s.name == "status-interval") {
    double seconds = 0;
    if (!(err = parse_seconds(what, v, kMaxStatusIntervalSeconds, seconds)).empty()) return err;
    if (seconds != 0 && seconds < kMinStatusIntervalSeconds)
      return what + ": 0 (no status lines) or at least 0.1 seconds, got " + v;
    o.status_interval_s = seconds;
  } else if (s.name == "stamp") {
    o.stamp = true;
  } else if (s.name == "dry-run") {
    o.dry_run = true;
  } else if (s.name == "metrics-port") {
    int port = 0;
    if (!(err = parse_int(what, v, 0, 65535, port)).empty()) return err;
    o.metrics_port = port;
  }
  // help and version never reach here.
  return "";
}

// The last setting of `name`, or nullptr.
const Setting* last_setting(const std::vector<Setting>& settings, std::string_view name) {
  const Setting* found = nullptr;
  for (const auto& s : settings)
    if (s.name == name) found = &s;
  return found;
}

// Combinations that cannot mean what the user wants. Returns an error message or "".
std::string check_conflicts(const std::vector<Setting>& settings, const LaunchOptions& o) {
  for (const auto& uri : o.turn) {
    GUriPtr parsed = parse_uri(uri, G_URI_FLAGS_HAS_PASSWORD);
    const char* user = g_uri_get_user(parsed.get());
    const char* password = g_uri_get_password(parsed.get());
    const bool has_credentials = user && *user && password && *password;
    if (!has_credentials && (o.turn_secret.empty() || user))
      return "--turn: needs a user name and a password (turn://USER:PASSWORD@HOST[:PORT]), or none and "
             "--turn-secret, got '" + uri + "'";
  }
  if (!o.turn_secret.empty() && o.turn.empty()) return "--turn-secret needs --turn=turn://HOST[:PORT]";
  if (o.relay_only && o.turn.empty()) return "--ice-transport-policy=relay needs --turn (calls go only through it)";
  if (o.metrics_port >= 0 && o.status_interval_s == 0)
    return "--metrics-port needs statistics rounds: --status-interval=0 would leave every call's gauges at 0";
  if (!o.server_url.empty()) {
    for (const auto& s : settings)
      for (std::string_view name : kEmbeddedServerOptions)
        // With --metrics-port, --host names the metrics' address, which --server does not replace.
        if (s.name == name && !(s.name == "host" && o.metrics_port >= 0))
          return spelled(s) + " cannot be used with --server=" + o.server_url +
                 " (it configures the embedded server, which --server replaces)";
  }
  if (o.mode == Mode::Send) {
    if (const Setting* sink = last_setting(settings, "sink"))
      return spelled(*sink) + " cannot be used with --mode=send (nothing is received)";
    if (o.video == VideoChoice::None && o.audio == AudioChoice::None)
      return "--mode=send with --video=none and --audio=none: nothing to send";
  }
  if (o.mode == Mode::Recv) {
    if (const Setting* video = last_setting(settings, "video"); video && o.video != VideoChoice::None)
      return spelled(*video) + " cannot be used with --mode=recv (nothing is sent)";
    if (const Setting* audio = last_setting(settings, "audio"); audio && o.audio != AudioChoice::None)
      return spelled(*audio) + " cannot be used with --mode=recv (nothing is sent)";
    for (const auto& s : settings)
      for (std::string_view name : kSendingOptions)
        if (s.name == name) return spelled(s) + " cannot be used with --mode=recv (nothing is sent)";
  }
  if (o.stamp && o.video != VideoChoice::Test)
    return "--stamp needs --video=test (the send time is drawn into the test pattern)";
  return "";
}

ParseOutcome error_outcome(std::string message) {
  ParseOutcome outcome;
  outcome.status = ParseStatus::Error;
  outcome.message = std::move(message);
  return outcome;
}

}  // namespace

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
  switch (cli::help_or_version(args)) {
    case cli::Early::Help:
      return {ParseStatus::Help, {}, help_text()};
    case cli::Early::Version:
      return {ParseStatus::Version, {}, "sio-webrtc " SIO_VERSION};
    case cli::Early::None:
      break;
  }
  std::vector<Setting> settings;
  std::string err = split_arguments(args, settings);
  if (!err.empty()) return error_outcome(err);

  // In order, so a repeated option's last value wins.
  LaunchOptions options;
  bool dialect_given = false;
  for (const auto& s : settings)
    if (!(err = apply_setting(s, options, dialect_given)).empty()) return error_outcome(err);

  if (!(err = check_conflicts(settings, options)).empty()) return error_outcome(err);

  // The chapter's index.html (both directions in one page) speaks simple-peer; its sender.html and
  // receiver.html pages speak the classic peerOffer/peerAnswer/peerIce events.
  if (!dialect_given) options.dialect = options.mode == Mode::Both ? Dialect::SimplePeer : Dialect::Classic;
  // A receive-only launcher sends nothing, whatever the sending defaults say.
  if (options.mode == Mode::Recv) {
    options.video = VideoChoice::None;
    options.audio = AudioChoice::None;
  }

  ParseOutcome outcome;
  outcome.options = std::move(options);
  return outcome;
}

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::Send: return "send";
    case Mode::Recv: return "recv";
    case Mode::Both: return "both";
  }
  return "?";
}

const char* to_string(Dialect dialect) {
  switch (dialect) {
    case Dialect::Classic: return "classic";
    case Dialect::SimplePeer: return "simple-peer";
  }
  return "?";
}

const char* to_string(Codec codec) {
  switch (codec) {
    case Codec::Vp8: return "vp8";
    case Codec::H264: return "h264";
  }
  return "?";
}

std::string help_text() {
  return
      "Usage: sio-webrtc [OPTION]...\n"
      "Camera -> encoder -> WebRTC call in one command, signalled over Socket.IO the way the chapter's\n"
      "browser pages do. Without --server it runs the signalling server (sio-signalling) in-process\n"
      "and prints the page to open.\n"
      "\n"
      "  --mode=MODE            send, recv or both (default both)\n"
      "\n"
      "Signalling (--opt=VALUE and --opt VALUE are both accepted):\n"
      "  --server=URL           join this Socket.IO server, http:// or https:// (default: run one\n"
      "                         in-process; the next five options configure it and cannot be used\n"
      "                         with --server)\n"
      "  --host=ADDR            embedded server address (default 127.0.0.1; 0.0.0.0 for the LAN)\n"
      "  --port=N               embedded server port, 0 = a free one (default 3000)\n"
      "  --public=DIR           folder the embedded server serves (default: the bundled pages)\n"
      "  --dev-tls              also serve HTTPS with a self-signed certificate, for a phone on the\n"
      "                         LAN (default off)\n"
      "  --dev-tls-dir=DIR      where that certificate lives\n"
      "                         (default $XDG_CONFIG_HOME/sio-signalling/dev-tls)\n"
      "  --insecure             accept a self-signed certificate from an https --server (default off)\n"
      "\n"
      "Call:\n"
      "  --dialect=D            classic (peerOffer/peerAnswer/peerIce) or simple-peer (signal)\n"
      "                         (default simple-peer for --mode=both, classic for send and recv)\n"
      "  --call=auto|all|ID     call the first other client to appear (auto), every client that\n"
      "                         appears, e.g. each receiver.html opened (all), or this socket id\n"
      "                         (default: wait and answer incoming calls)\n"
      "  --max-calls=N          calls at once, placed and answered, 0-1024, 0 = no limit; one encode\n"
      "                         feeds them all (default 16 with --call=all, else 1)\n"
      "  --auth-token=TOKEN     join with this token (auth {token} in the Socket.IO CONNECT); the\n"
      "                         embedded server then lets in only clients that send it, and the\n"
      "                         page to open carries it (?token=)\n"
      "  --no-reconnect         exit (status 1) when the signalling server is lost or cannot be\n"
      "                         reached (default: try again, 1 s doubling to 5 s, forever; calls in\n"
      "                         progress go on meanwhile)\n"
      "  --stun=URL             STUN server, stun://HOST[:PORT] (default none: loopback and LAN only)\n"
      "  --turn=URL             TURN relay, turn://USER:PASSWORD@HOST[:PORT] or turns://..., or\n"
      "                         turn://HOST[:PORT] with --turn-secret; repeat for several (default none)\n"
      "  --turn-secret=SECRET   secret shared with the TURN server (coturn's static-auth-secret):\n"
      "                         each call gets credentials valid for 24 h (default none)\n"
      "  --ice-transport-policy=P  all, or relay: calls only through --turn (default all)\n"
      "  --connect-timeout=S    a call not connected S seconds after its offer ends and frees its\n"
      "                         place, 0 = wait forever (default 15)\n"
      "  --ice-address=IP[,IP]  only gather ICE candidates on these local addresses (default: all)\n"
      "  --fec=PERCENT          forward error correction on video (ULPFEC in RED): the share of\n"
      "                         packets protected, 0-100, costing as much more bandwidth; the peer\n"
      "                         must accept it (default 0: none, lost packets are asked for again)\n"
      "\n"
      "Sending (not with --mode=recv):\n"
      "  --video=SOURCE         auto, test, v4l2[:DEVICE] or none (default auto: the first V4L2\n"
      "                         camera, else a test pattern with a clock)\n"
      "  --audio=SOURCE         auto, test or none (default auto: the default microphone, else a\n"
      "                         test tone)\n"
      "  --width=N              video width, 16-7680 (default 640)\n"
      "  --height=N             video height, 16-4320 (default 480)\n"
      "  --fps=N                frames per second, 1-120 (default 30)\n"
      "  --codec=CODEC          vp8 or h264 (default vp8)\n"
      "  --bitrate=KBPS         video bitrate in kbit/s, 50-50000 (default 1500)\n"
      "  --stamp                draw the send time into the test pattern (a row of blocks at the\n"
      "                         top), so a receiving sio-webrtc prints glass-to-glass latency\n"
      "                         (needs --video=test)\n"
      "\n"
      "Receiving (not with --mode=send):\n"
      "  --sink=SINK            auto, fake or FILE.mkv (default auto: a window when a display exists,\n"
      "                         else fake; FILE.mkv records the call, its folder must exist)\n"
      "  --latency=MS           jitter buffer of received streams: how long a packet may wait for\n"
      "                         reordering and retransmission, 0-10000 (default 50); a call whose\n"
      "                         retransmissions take longer (a long path) gets more, up to\n"
      "                         --latency-max\n"
      "  --latency-max=MS       what a call's latency may grow to, 0-10000 (default 1000; at or\n"
      "                         below --latency: never raised)\n"
      "\n"
      "Running:\n"
      "  --duration=SECONDS     stop cleanly after this long, e.g. 30 or 2.5 (default: until Ctrl-C)\n"
      "  --status-interval=S    seconds between status lines, 0 = none (default 5)\n"
      "  --metrics-port=P       serve Prometheus metrics at http://HOST:P/metrics (HOST: --host, also\n"
      "                         with --server), per call (state, bitrates, bytes, packets lost, RTT,\n"
      "                         frames) as of the last status round; 0 = a free port, printed\n"
      "                         (default: off)\n"
      "  --dry-run              check plugins and devices, print the sending pipeline, exit\n"
      "  -h, --help             show this help and exit\n"
      "  --version              show the version and exit\n"
      "\n"
      "Examples:\n"
      "  Watch this machine's camera (or a test pattern) in a browser: open the printed\n"
      "  http://127.0.0.1:3000/receiver.html\n"
      "    sio-webrtc --mode=send --call=auto\n"
      "  Join the chapter's Node server and call the first browser that connects:\n"
      "    sio-webrtc --server=http://localhost:3000 --call=auto\n"
      "  Record a call from the browser's sender.html to a file for 60 seconds:\n"
      "    sio-webrtc --mode=recv --sink=call.mkv --duration=60\n"
      "\n"
      "Exit status: 0 after --duration, Ctrl-C or SIGTERM (the file sink is finalised first);\n"
      "1 on a runtime error; 2 for a bad command line or a missing camera, plugin or encoder.\n";
}

}  // namespace sio::launcher
