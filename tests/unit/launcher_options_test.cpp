// sio-webrtc's command line (launcher/options.cpp): rows of good arguments with the fields they set,
// and rows of bad arguments with the message each must give (naming the option and the value).
#include <gtest/gtest.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <functional>
#include <string>
#include <vector>

#include "options.hpp"

namespace sl = sio::launcher;
using Args = std::vector<std::string>;

namespace {

// A real directory for --public and --sink=DIR/FILE.mkv, removed after the suite.
class TempDir {
 public:
  TempDir() {
    char* dir = g_dir_make_tmp("sio-webrtc-options-XXXXXX", nullptr);
    path_ = dir ? dir : "";
    g_free(dir);
  }
  ~TempDir() {
    if (!path_.empty()) g_rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const TempDir& temp_dir() {
  static TempDir dir;
  return dir;
}

std::string join(const Args& args) {
  std::string out;
  for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

sl::LaunchOptions parse_ok(const Args& args) {
  sl::ParseOutcome outcome = sl::parse_command_line(args);
  EXPECT_EQ(outcome.status, sl::ParseStatus::Run) << join(args) << " -> " << outcome.message;
  return outcome.options;
}

}  // namespace

TEST(LauncherOptions, DefaultsMatchTheContract) {
  sl::LaunchOptions o = parse_ok({});
  EXPECT_EQ(o.mode, sl::Mode::Both);
  EXPECT_EQ(o.dialect, sl::Dialect::SimplePeer);  // both -> the chapter's simple-peer index.html
  EXPECT_EQ(o.server_url, "");
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 3000);
  EXPECT_EQ(o.video, sl::VideoChoice::Auto);
  EXPECT_EQ(o.audio, sl::AudioChoice::Auto);
  EXPECT_EQ(o.codec, sl::Codec::Vp8);
  EXPECT_EQ(o.width, 640);
  EXPECT_EQ(o.height, 480);
  EXPECT_EQ(o.latency_ms, 50);  // the element's default, from the glass-to-glass measurement
  EXPECT_EQ(o.latency_max_ms, 1000);
  EXPECT_EQ(o.fec_percentage, 0);
  EXPECT_FALSE(o.stamp);
  EXPECT_EQ(o.fps, 30);
  EXPECT_EQ(o.bitrate_kbps, 1500);
  EXPECT_EQ(o.sink, sl::SinkChoice::Auto);
  EXPECT_EQ(o.call, "");
  EXPECT_EQ(o.duration_s, 0);
  EXPECT_EQ(o.status_interval_s, 5);
  EXPECT_FALSE(o.dry_run);
  EXPECT_FALSE(o.insecure);
  EXPECT_FALSE(o.dev_tls);
  EXPECT_TRUE(o.ice_addresses.empty());
}

struct GoodRow {
  Args args;
  std::function<void(const sl::LaunchOptions&)> check;
};

TEST(LauncherOptions, GoodRowsSetTheirFields) {
  const std::string dir = temp_dir().path();
  ASSERT_FALSE(dir.empty());
  const std::vector<GoodRow> rows = {
      {{"--mode=send"}, [](auto& o) {
         EXPECT_EQ(o.mode, sl::Mode::Send);
         EXPECT_EQ(o.dialect, sl::Dialect::Classic);
       }},
      {{"--mode", "recv"}, [](auto& o) {
         EXPECT_EQ(o.mode, sl::Mode::Recv);
         EXPECT_EQ(o.dialect, sl::Dialect::Classic);
         EXPECT_EQ(o.video, sl::VideoChoice::None);  // a receive-only launcher sends nothing
         EXPECT_EQ(o.audio, sl::AudioChoice::None);
       }},
      {{"--mode=both", "--dialect=classic"}, [](auto& o) { EXPECT_EQ(o.dialect, sl::Dialect::Classic); }},
      {{"--dialect", "simple-peer", "--mode", "send"}, [](auto& o) { EXPECT_EQ(o.dialect, sl::Dialect::SimplePeer); }},
      {{"--server=http://127.0.0.1:3000"}, [](auto& o) { EXPECT_EQ(o.server_url, "http://127.0.0.1:3000"); }},
      {{"--server", "https://example.org/", "--insecure"}, [](auto& o) {
         EXPECT_EQ(o.server_url, "https://example.org/");
         EXPECT_TRUE(o.insecure);
       }},
      {{"--insecure"}, [](auto& o) { EXPECT_TRUE(o.insecure); }},  // no https server: allowed, a no-op
      {{"--host=0.0.0.0", "--port=0"}, [](auto& o) {
         EXPECT_EQ(o.host, "0.0.0.0");
         EXPECT_EQ(o.port, 0);
       }},
      {{"--port", "65535"}, [](auto& o) { EXPECT_EQ(o.port, 65535); }},
      {{"--public=" + dir}, [dir](auto& o) { EXPECT_EQ(o.public_dir, dir); }},
      {{"--dev-tls", "--dev-tls-dir=/tmp/certs"}, [](auto& o) {
         EXPECT_TRUE(o.dev_tls);
         EXPECT_EQ(o.dev_tls_dir, "/tmp/certs");
       }},
      {{"--call=auto"}, [](auto& o) { EXPECT_EQ(o.call, "auto"); }},
      {{"--call", "V3gBo5yfrNys3xaYlJlW"}, [](auto& o) { EXPECT_EQ(o.call, "V3gBo5yfrNys3xaYlJlW"); }},
      {{"--call=all"}, [](auto& o) { EXPECT_EQ(o.call, "all"); EXPECT_EQ(max_calls(o), 16); }},
      {{"--call=all", "--max-calls=3"}, [](auto& o) { EXPECT_EQ(max_calls(o), 3); }},
      {{"--max-calls=0"}, [](auto& o) { EXPECT_EQ(max_calls(o), 0); }},
      {{"--call=auto"}, [](auto& o) { EXPECT_EQ(max_calls(o), 1); }},
      {{"--stun=stun://stun.l.google.com:19302"}, [](auto& o) { EXPECT_EQ(o.stun, "stun://stun.l.google.com:19302"); }},
      {{"--stun=stun://127.0.0.1"}, [](auto& o) { EXPECT_EQ(o.stun, "stun://127.0.0.1"); }},
      {{"--turn=turn://alice:s3cret@turn.example.org:3478"}, [](auto& o) {
         EXPECT_EQ(o.turn, std::vector<std::string>{"turn://alice:s3cret@turn.example.org:3478"});
       }},
      {{"--turn=turns://alice:s3cret@10.0.0.1?transport=tcp"}, [](auto& o) {
         EXPECT_EQ(o.turn, std::vector<std::string>{"turns://alice:s3cret@10.0.0.1?transport=tcp"});
       }},
      {{"--turn=turn://a:b@10.0.0.1", "--turn=turn://c:d@10.0.0.2:3479", "--ice-transport-policy=relay"}, [](auto& o) {
         EXPECT_EQ(o.turn, (std::vector<std::string>{"turn://a:b@10.0.0.1", "turn://c:d@10.0.0.2:3479"}));
         EXPECT_TRUE(o.relay_only);
       }},
      {{"--connect-timeout=60"}, [](auto& o) { EXPECT_EQ(o.connect_timeout_s, 60); }},
      {{"--fec=20"}, [](auto& o) { EXPECT_EQ(o.fec_percentage, 20); }},
      {{"--latency=120", "--latency-max=120"}, [](auto& o) {
         EXPECT_EQ(o.latency_ms, 120);
         EXPECT_EQ(o.latency_max_ms, 120);
       }},
      {{"--connect-timeout=0"}, [](auto& o) { EXPECT_EQ(o.connect_timeout_s, 0); }},
      {{"--turn=turn://10.0.0.1:3478", "--turn-secret=north-wind"}, [](auto& o) {
         EXPECT_EQ(o.turn, std::vector<std::string>{"turn://10.0.0.1:3478"});
         EXPECT_EQ(o.turn_secret, "north-wind");
         EXPECT_FALSE(o.relay_only);
       }},
      {{"--ice-address=127.0.0.1"}, [](auto& o) { EXPECT_EQ(o.ice_addresses, (std::vector<std::string>{"127.0.0.1"})); }},
      {{"--ice-address", "192.168.1.5, ::1,fe80::1"}, [](auto& o) {
         EXPECT_EQ(o.ice_addresses, (std::vector<std::string>{"192.168.1.5", "::1", "fe80::1"}));
       }},
      {{"--video=test"}, [](auto& o) { EXPECT_EQ(o.video, sl::VideoChoice::Test); }},
      {{"--video=v4l2"}, [](auto& o) {
         EXPECT_EQ(o.video, sl::VideoChoice::V4l2);
         EXPECT_EQ(o.video_device, "");
       }},
      {{"--video=v4l2:/dev/video2"}, [](auto& o) {
         EXPECT_EQ(o.video, sl::VideoChoice::V4l2);
         EXPECT_EQ(o.video_device, "/dev/video2");
       }},
      {{"--video=v4l2:/dev/video2", "--video=test"}, [](auto& o) {  // last wins, device forgotten
         EXPECT_EQ(o.video, sl::VideoChoice::Test);
         EXPECT_EQ(o.video_device, "");
       }},
      {{"--mode=send", "--video=none"}, [](auto& o) { EXPECT_EQ(o.video, sl::VideoChoice::None); }},
      {{"--mode=send", "--audio=none"}, [](auto& o) { EXPECT_EQ(o.audio, sl::AudioChoice::None); }},
      {{"--audio=test"}, [](auto& o) { EXPECT_EQ(o.audio, sl::AudioChoice::Test); }},
      {{"--mode=recv", "--video=none", "--audio=none"}, [](auto& o) { EXPECT_EQ(o.mode, sl::Mode::Recv); }},
      {{"--width=1280", "--height=720", "--fps=60"}, [](auto& o) {
         EXPECT_EQ(o.width, 1280);
         EXPECT_EQ(o.height, 720);
         EXPECT_EQ(o.fps, 60);
       }},
      {{"--width=16", "--height=16", "--fps=1"}, [](auto& o) { EXPECT_EQ(o.width, 16); }},
      {{"--width=7680", "--height=4320", "--fps=120"}, [](auto& o) { EXPECT_EQ(o.height, 4320); }},
      {{"--codec=h264", "--bitrate=50"}, [](auto& o) {
         EXPECT_EQ(o.codec, sl::Codec::H264);
         EXPECT_EQ(o.bitrate_kbps, 50);
       }},
      {{"--codec", "vp8", "--bitrate", "50000"}, [](auto& o) {
         EXPECT_EQ(o.codec, sl::Codec::Vp8);
         EXPECT_EQ(o.bitrate_kbps, 50000);
       }},
      {{"--sink=fake"}, [](auto& o) { EXPECT_EQ(o.sink, sl::SinkChoice::Fake); }},
      {{"--mode=recv", "--sink=auto"}, [](auto& o) { EXPECT_EQ(o.sink, sl::SinkChoice::Auto); }},
      {{"--video=test", "--stamp"}, [](auto& o) { EXPECT_TRUE(o.stamp); }},
      {{"--sink=" + dir + "/call.mkv"}, [dir](auto& o) {
         EXPECT_EQ(o.sink, sl::SinkChoice::File);
         EXPECT_EQ(o.sink_file, dir + "/call.mkv");
       }},
      {{"--sink", "call.MKV"}, [](auto& o) { EXPECT_EQ(o.sink_file, "call.MKV"); }},  // relative: "." exists
      {{"--duration=30"}, [](auto& o) { EXPECT_DOUBLE_EQ(o.duration_s, 30); }},
      {{"--duration=2.5"}, [](auto& o) { EXPECT_DOUBLE_EQ(o.duration_s, 2.5); }},
      {{"--duration=.5"}, [](auto& o) { EXPECT_DOUBLE_EQ(o.duration_s, 0.5); }},
      {{"--status-interval=0"}, [](auto& o) { EXPECT_EQ(o.status_interval_s, 0); }},
      {{"--status-interval", "0.5"}, [](auto& o) { EXPECT_DOUBLE_EQ(o.status_interval_s, 0.5); }},
      {{"--dry-run"}, [](auto& o) { EXPECT_TRUE(o.dry_run); }},
      {{"--mode=send", "--call=auto", "--codec=h264", "--video=test", "--audio=none", "--dry-run"}, [](auto& o) {
         EXPECT_EQ(o.mode, sl::Mode::Send);
         EXPECT_EQ(o.codec, sl::Codec::H264);
         EXPECT_EQ(o.audio, sl::AudioChoice::None);
         EXPECT_TRUE(o.dry_run);
       }},
      {{"--port=1", "--port=2"}, [](auto& o) { EXPECT_EQ(o.port, 2); }},  // the last one wins
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(join(row.args));
    row.check(parse_ok(row.args));
  }
}

struct BadRow {
  Args args;
  std::string message;  // a substring the error must contain
};

TEST(LauncherOptions, BadRowsNameTheOptionAndValue) {
  const std::string dir = temp_dir().path();
  ASSERT_FALSE(dir.empty());
  const std::vector<BadRow> rows = {
      // The shape of the command line.
      {{"--mode=sideways"}, "--mode: expected send, recv or both, got 'sideways'"},
      {{"--mode"}, "--mode: missing value"},
      {{"--mode", "--dry-run"}, "--mode: missing value"},
      {{"--mode="}, "--mode: expected send, recv or both, got ''"},
      {{"--colour=red"}, "unknown option '--colour'"},
      {{"-x"}, "unknown option '-x'"},
      {{"send"}, "unexpected argument 'send'"},
      {{"--dry-run=yes"}, "--dry-run takes no value, got '--dry-run=yes'"},
      {{"--insecure=1"}, "--insecure takes no value"},
      // Signalling.
      {{"--server=ftp://example.org"}, "--server: expected an http:// or https:// URL with a host, got 'ftp://example.org'"},
      {{"--server=localhost:3000"}, "got 'localhost:3000'"},
      {{"--server=http://"}, "--server: expected an http:// or https:// URL with a host, got 'http://'"},
      {{"--server=http:///path"}, "got 'http:///path'"},
      {{"--server=http://host:99999"}, "got 'http://host:99999'"},
      // Refused here, not when the client connects (it would be exit 1 at run time).
      {{"--server=http://host:3000/foo"},
       "--server: unexpected path /foo (the Socket.IO path is always /socket.io/) in 'http://host:3000/foo'"},
      {{"--server=http://host:3000/?x=1"}, "--server: a query or fragment is not allowed"},
      {{"--server="}, "--server: missing value"},
      {{"--port=65536"}, "--port: out of range (0-65535): 65536"},
      {{"--port=-1"}, "--port: not a whole number: '-1'"},
      {{"--port=80a"}, "--port: not a whole number: '80a'"},
      {{"--public=" + dir + "/missing"}, "--public: directory not found: " + dir + "/missing"},
      {{"--host="}, "--host: missing value"},
      {{"--dev-tls-dir="}, "--dev-tls-dir: missing value"},
      // The call.
      {{"--dialect=webrtc"}, "--dialect: expected classic or simple-peer, got 'webrtc'"},
      {{"--call="}, "--call: missing value"},
      {{"--max-calls=-1"}, "--max-calls"},
      {{"--max-calls=1025"}, "--max-calls"},
      {{"--max-calls=many"}, "--max-calls"},
      {{"--stun=stun:stun.example.org:3478"}, "--stun: expected stun://HOST[:PORT], got 'stun:stun.example.org:3478'"},
      {{"--stun=http://stun.example.org"}, "--stun: expected stun://HOST[:PORT], got 'http://stun.example.org'"},
      {{"--stun=stun://"}, "--stun: expected stun://HOST[:PORT]"},
      {{"--stun=stun://host:3478/path"}, "got 'stun://host:3478/path'"},
      {{"--stun=stun://host:70000"}, "got 'stun://host:70000'"},
      {{"--turn=turn://turn.example.org:3478"}, "--turn: needs a user name and a password"},
      {{"--turn=turn://alice@turn.example.org"}, "--turn: needs a user name and a password"},
      {{"--turn=turn://alice@turn.example.org", "--turn-secret=x"}, "--turn: needs a user name and a password"},
      {{"--turn=turn://a:b,c@host"}, "--turn: escape commas and spaces (%2C, %20)"},
      {{"--turn-secret=north-wind"}, "--turn-secret needs --turn"},
      {{"--connect-timeout=soon"}, "--connect-timeout: not a number of seconds: 'soon'"},
      {{"--latency-max=10001"}, "--latency-max"},
      {{"--fec=101"}, "--fec: out of range (0-100): 101"},
      {{"--ice-transport-policy=relay"}, "--ice-transport-policy=relay needs --turn"},
      {{"--ice-transport-policy=turn", "--turn=turn://a:b@h"}, "--ice-transport-policy: expected all or relay, got 'turn'"},
      {{"--turn=stun://alice:pw@host"}, "--turn: expected turn://USER:PASSWORD@HOST[:PORT] or turns://..., got 'stun://alice:pw@host'"},
      {{"--turn=turn://alice:pw@host?transport=sctp"}, "--turn: the only query allowed is ?transport=udp or ?transport=tcp"},
      {{"--ice-address=localhost"}, "--ice-address: not an IP address: 'localhost'"},
      {{"--ice-address=127.0.0.1,,10.0.0.1"}, "--ice-address: empty address in '127.0.0.1,,10.0.0.1'"},
      {{"--ice-address=10.0.0.300"}, "--ice-address: not an IP address: '10.0.0.300'"},
      {{"--ice-address=10.0.0.1,bad"}, "--ice-address: not an IP address: 'bad' (in '10.0.0.1,bad')"},
      {{"--ice-address="}, "--ice-address: missing value"},
      // Sending.
      {{"--video=camera"}, "--video: expected auto, test, v4l2[:DEVICE] or none, got 'camera'"},
      {{"--video=/dev/video0"}, "(did you mean v4l2:/dev/video0?)"},
      {{"--video=v4l2:"}, "--video: v4l2: needs a device after the colon"},
      {{"--audio=mic"}, "--audio: expected auto, test or none, got 'mic'"},
      {{"--codec=av1"}, "--codec: expected vp8 or h264, got 'av1'"},
      {{"--codec=H264"}, "--codec: expected vp8 or h264, got 'H264'"},
      {{"--width=15"}, "--width: out of range (16-7680): 15"},
      {{"--width=7681"}, "--width: out of range (16-7680): 7681"},
      {{"--height=4321"}, "--height: out of range (16-4320): 4321"},
      {{"--fps=0"}, "--fps: out of range (1-120): 0"},
      {{"--fps=121"}, "--fps: out of range (1-120): 121"},
      {{"--fps=29.97"}, "--fps: not a whole number: '29.97'"},
      {{"--bitrate=49"}, "--bitrate: out of range (50-50000): 49"},
      {{"--bitrate=99999999999999999999"}, "--bitrate: out of range (50-50000): 99999999999999999999"},
      {{"--bitrate=1M"}, "--bitrate: not a whole number: '1M'"},
      // Receiving.
      {{"--sink=call.mp4"}, "--sink: expected auto, fake or a FILE.mkv to record to, got 'call.mp4'"},
      {{"--sink=window"}, "got 'window' (the file must end in .mkv)"},
      {{"--sink=" + dir + "/no/such/dir/call.mkv"},
       "--sink: the directory of '" + dir + "/no/such/dir/call.mkv' does not exist: " + dir + "/no/such/dir"},
      {{"--sink=.mkv"}, "--sink: expected auto, fake or a FILE.mkv"},
      // Running.
      {{"--duration=0"}, "--duration: must be more than 0 seconds, got 0"},
      {{"--duration=0.0"}, "--duration: must be more than 0 seconds, got 0.0"},
      {{"--duration=-5"}, "--duration: not a number of seconds: '-5'"},
      {{"--duration=1e3"}, "--duration: not a number of seconds: '1e3'"},
      {{"--duration=inf"}, "--duration: not a number of seconds: 'inf'"},
      {{"--duration=5."}, "--duration: not a number of seconds: '5.'"},
      {{"--duration=1.2.3"}, "--duration: not a number of seconds: '1.2.3'"},
      {{"--duration=ten"}, "--duration: not a number of seconds: 'ten'"},
      {{"--duration=99999999999"}, "--duration: at most 3.1536e+07 seconds, got 99999999999"},
      {{"--status-interval=-1"}, "--status-interval: not a number of seconds: '-1'"},
      {{"--status-interval=0.01"}, "--status-interval: 0 (no status lines) or at least 0.1 seconds, got 0.01"},
      // Conflicts (LAUNCHER.md).
      {{"--mode=send", "--sink=fake"}, "--sink=fake cannot be used with --mode=send (nothing is received)"},
      {{"--sink=fake", "--mode=send"}, "--sink=fake cannot be used with --mode=send"},  // order does not matter
      {{"--mode=recv", "--video=test"}, "--video=test cannot be used with --mode=recv (nothing is sent)"},
      {{"--mode=recv", "--video=auto"}, "--video=auto cannot be used with --mode=recv"},
      {{"--mode=recv", "--audio=test"}, "--audio=test cannot be used with --mode=recv"},
      {{"--mode=recv", "--codec=h264"}, "--codec=h264 cannot be used with --mode=recv (nothing is sent)"},
      {{"--mode=recv", "--bitrate=800"}, "--bitrate=800 cannot be used with --mode=recv"},
      {{"--mode=recv", "--width=320"}, "--width=320 cannot be used with --mode=recv"},
      {{"--mode=recv", "--height=240"}, "--height=240 cannot be used with --mode=recv"},
      {{"--mode=recv", "--fps=15"}, "--fps=15 cannot be used with --mode=recv"},
      {{"--mode=recv", "--stamp"}, "--stamp cannot be used with --mode=recv (nothing is sent)"},
      {{"--stamp"}, "--stamp needs --video=test (the send time is drawn into the test pattern)"},
      {{"--video=v4l2", "--stamp"}, "--stamp needs --video=test"},
      {{"--mode=send", "--video=none", "--audio=none"}, "--mode=send with --video=none and --audio=none: nothing to send"},
      {{"--server=http://127.0.0.1:3000", "--port=4000"},
       "--port=4000 cannot be used with --server=http://127.0.0.1:3000 (it configures the embedded server"},
      {{"--host=0.0.0.0", "--server=http://127.0.0.1:3000"}, "--host=0.0.0.0 cannot be used with --server="},
      {{"--server=http://127.0.0.1:3000", "--public=" + dir}, "--public=" + dir + " cannot be used with --server="},
      {{"--server=https://h", "--dev-tls"}, "--dev-tls cannot be used with --server=https://h"},
      {{"--server=https://h", "--dev-tls-dir=/tmp"}, "--dev-tls-dir=/tmp cannot be used with --server="},
  };
  for (const auto& row : rows) {
    sl::ParseOutcome outcome = sl::parse_command_line(row.args);
    EXPECT_EQ(outcome.status, sl::ParseStatus::Error) << join(row.args);
    EXPECT_NE(outcome.message.find(row.message), std::string::npos)
        << join(row.args) << "\n  got:      " << outcome.message << "\n  expected: " << row.message;
  }
}

TEST(LauncherOptions, HelpAndVersionWinOverMistakes) {
  for (const Args& args : {Args{"--help"}, Args{"-h"}, Args{"--mode=bogus", "--help"}, Args{"--colour", "-h"}}) {
    sl::ParseOutcome outcome = sl::parse_command_line(args);
    EXPECT_EQ(outcome.status, sl::ParseStatus::Help) << join(args);
    EXPECT_EQ(outcome.message, sl::help_text());
  }
  sl::ParseOutcome version = sl::parse_command_line({"--codec=av1", "--version"});
  EXPECT_EQ(version.status, sl::ParseStatus::Version);
  EXPECT_EQ(version.message.rfind("sio-webrtc ", 0), 0u) << version.message;
  EXPECT_GT(version.message.size(), std::string("sio-webrtc ").size());
}

TEST(LauncherOptions, HelpDocumentsEveryOptionAndItsDefault) {
  const std::string help = sl::help_text();
  for (const char* option :
       {"--mode=", "--server=", "--host=", "--port=", "--public=", "--dev-tls ", "--dev-tls-dir=", "--dialect=",
        "--call=", "--max-calls=", "--stun=", "--turn=", "--ice-address=", "--insecure", "--video=", "--audio=", "--width=",
        "--height=", "--fps=", "--codec=", "--bitrate=", "--sink=", "--duration=", "--status-interval=",
        "--dry-run", "-h, --help", "--version"})
    EXPECT_NE(help.find(option), std::string::npos) << option;
  for (const char* fact : {"default both", "default 127.0.0.1", "default 3000", "default simple-peer for --mode=both",
                           "default vp8", "default 640", "default 480", "default 30", "default 1500", "default 5",
                           "default auto", "Signalling", "Call:", "Sending", "Receiving", "Running:", "Examples:",
                           "--sink=call.mkv", "--server=http://localhost:3000", "receiver.html"})
    EXPECT_NE(help.find(fact), std::string::npos) << fact;
}

TEST(LauncherOptions, NamesRoundTrip) {
  EXPECT_STREQ(sl::to_string(sl::Mode::Send), "send");
  EXPECT_STREQ(sl::to_string(sl::Mode::Recv), "recv");
  EXPECT_STREQ(sl::to_string(sl::Mode::Both), "both");
  EXPECT_STREQ(sl::to_string(sl::Dialect::Classic), "classic");
  EXPECT_STREQ(sl::to_string(sl::Dialect::SimplePeer), "simple-peer");
  EXPECT_STREQ(sl::to_string(sl::Codec::Vp8), "vp8");
  EXPECT_STREQ(sl::to_string(sl::Codec::H264), "h264");
  for (auto mode : {sl::Mode::Send, sl::Mode::Recv, sl::Mode::Both}) {
    Args args{std::string("--mode=") + sl::to_string(mode)};
    EXPECT_EQ(parse_ok(args).mode, mode);
  }
  for (auto codec : {sl::Codec::Vp8, sl::Codec::H264})
    EXPECT_EQ(parse_ok({std::string("--codec=") + sl::to_string(codec)}).codec, codec);
  for (auto dialect : {sl::Dialect::Classic, sl::Dialect::SimplePeer})
    EXPECT_EQ(parse_ok({std::string("--dialect=") + sl::to_string(dialect)}).dialect, dialect);
}
