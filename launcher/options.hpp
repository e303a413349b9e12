// sio-webrtc's command line. Pure: parsing and validation only (no GStreamer, no device probing;
// those "missing piece" checks happen in main.cpp after parsing and also exit 2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sio::launcher {

enum class Mode { Send, Recv, Both };

// socketiosignaller's default latency (ms), which --latency also defaults to.
constexpr int kDefaultLatencyMs = 50;
// socketiosignaller's default latency-max (ms): how far a call's latency may grow for retransmissions.
constexpr int kDefaultLatencyMaxMs = 1000;
enum class Dialect { Classic, SimplePeer };
enum class VideoChoice { Auto, Test, V4l2, None };
enum class AudioChoice { Auto, Test, None };
enum class Codec { Vp8, H264 };
enum class SinkChoice { Auto, Fake, File };

struct LaunchOptions {
  Mode mode = Mode::Both;

  // Signalling: join an existing server, or (server_url empty) run one in-process.
  std::string server_url;         // --server: http:// or https:// URL ("" = embedded server)
  std::string host = "127.0.0.1"; // embedded server: --host
  uint16_t port = 3000;           // --port (0 = a free port; the chapter's server uses 3000)
  std::string public_dir;         // --public (must be a directory; "" = bundled pages)
  bool dev_tls = false;           // --dev-tls: self-signed HTTPS for phones on the LAN
  std::string dev_tls_dir;        // --dev-tls-dir ("" = sio-signalling's default directory)

  // The call.
  Dialect dialect = Dialect::Classic;  // --dialect; default: simple-peer for both, classic otherwise
  std::string call;                    // --call: "" = answer incoming calls, "auto", "all", or a socket id
  int max_calls = -1;                  // --max-calls (0 = no limit; -1 = 16 with --call=all, else 1)
  std::string stun;                    // --stun=stun://host:port
  bool reconnect = true;                // --no-reconnect: a lost or unreachable server ends the run
  std::string auth_token;              // --auth-token: sent in CONNECT; the embedded server requires it
  std::vector<std::string> turn;       // --turn=turn(s)://user:pass@host:port, repeatable
  std::string turn_secret;             // --turn-secret: credentials for the --turn URIs without any
  bool relay_only = false;             // --ice-transport-policy=relay
  int latency_ms = kDefaultLatencyMs;  // --latency: the receiving jitter buffer, every call
  int latency_max_ms = kDefaultLatencyMaxMs;  // --latency-max: what a long path may raise it to
  int fec_percentage = 0;  // --fec: ULPFEC + RED on video, share of packets protected (0 = none)
  double connect_timeout_s = 15;       // --connect-timeout: a call not connected by then ends (0 = never)
  std::vector<std::string> ice_addresses;  // --ice-address=IP[,IP...] (IP literals)
  bool insecure = false;               // --insecure: accept a self-signed signalling server

  // What we send.
  VideoChoice video = VideoChoice::Auto;  // --video=auto|test|v4l2[:DEVICE]|none
  std::string video_device;               // DEVICE of v4l2:DEVICE ("" = the first capture device)
  AudioChoice audio = AudioChoice::Auto;  // --audio=auto|test|none
  int width = 640;                        // --width  16..7680
  int height = 480;                       // --height 16..4320
  int fps = 30;                           // --fps    1..120
  Codec codec = Codec::Vp8;               // --codec=vp8|h264
  int bitrate_kbps = 1500;                // --bitrate (kbit/s) 50..50000
  bool stamp = false;                     // --stamp: the send time drawn into the test pattern

  // What we do with received media.
  SinkChoice sink = SinkChoice::Auto;  // --sink=auto|fake|FILE.mkv
  std::string sink_file;               // FILE.mkv

  double duration_s = 0;          // --duration=SECONDS (> 0; 0 = until Ctrl-C)
  double status_interval_s = 5;   // --status-interval=SECONDS (0 = no status lines)
  int metrics_port = -1;          // --metrics-port=P (-1 = no metrics endpoint, 0 = a free port)
  bool dry_run = false;           // --dry-run: check plugins/devices, print the pipeline, exit 0
};

inline bool sends(const LaunchOptions& o) { return o.mode != Mode::Recv; }
inline int max_calls(const LaunchOptions& o) { return o.max_calls >= 0 ? o.max_calls : o.call == "all" ? 16 : 1; }
inline bool receives(const LaunchOptions& o) { return o.mode != Mode::Send; }

enum class ParseStatus { Run, Help, Version, Error };
struct ParseOutcome {
  ParseStatus status = ParseStatus::Run;
  LaunchOptions options;
  std::string message;  // Help: help text; Version: version line; Error: what is wrong, naming the option
};

// `args` are argv[1..]. `--opt=value` and `--opt value` both work. Every error names the option
// and the bad value.
ParseOutcome parse_command_line(const std::vector<std::string>& args);
std::string help_text();

const char* to_string(Mode mode);
const char* to_string(Dialect dialect);
const char* to_string(Codec codec);

}  // namespace sio::launcher
