// sio::client::Client against our sio-signalling (in-process, 127.0.0.1 port 0), against the
// chapter's official Node socket.io server (tests/reference/server.js, spawned with PORT=0), and
// against a scripted libsoup WebSocket server for the failures a good server never produces
// (missing pings, non-Engine.IO answers, undecodable packets).
//
// Every wait iterates the test's context until a condition holds or a deadline passes.
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>
#include <libsoup/soup.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dev_tls.hpp"
#include "gobject_ptr.hpp"
#include "server.hpp"
#include "signalling_client.hpp"
#include "sio_client.hpp"

namespace {

using sio::client::Client;
using sio::client::ClientCallbacks;
using sio::client::ClientConfig;
using sio::client::ClientError;
namespace json = sio::json;
namespace glib = sio::glib;

constexpr int kWaitMs = 5000;  // generous upper bound for anything on loopback

// Iterates `context` until `done()` or `timeout_ms`; a 10 ms tick keeps the iteration from
// blocking past the deadline.
bool wait_until(GMainContext* context, const std::function<bool()>& done, int timeout_ms = kWaitMs) {
  const gint64 deadline = g_get_monotonic_time() + gint64{timeout_ms} * 1000;
  glib::GSourcePtr tick(g_timeout_source_new(10));
  g_source_set_callback(tick.get(), [](gpointer) -> gboolean { return G_SOURCE_CONTINUE; }, nullptr, nullptr);
  g_source_attach(tick.get(), context);
  bool ok = true;
  while (!done()) {
    if (g_get_monotonic_time() >= deadline) {
      ok = false;
      break;
    }
    g_main_context_iteration(context, TRUE);
  }
  g_source_destroy(tick.get());
  return ok;
}

void run_for(GMainContext* context, int ms) {
  (void)wait_until(context, [] { return false; }, ms);
}

// What one client saw.
struct Recorder {
  bool connected = false;
  std::string id;
  std::vector<json::Value> events;
  std::optional<std::pair<ClientError, std::string>> failure;
  int failures = 0;

  ClientCallbacks callbacks() {
    ClientCallbacks cb;
    cb.connected = [this](const std::string& sid) {
      connected = true;
      id = sid;
    };
    cb.event = [this](const json::Value& args) { events.push_back(args); };
    cb.failed = [this](ClientError error, const std::string& message) {
      ++failures;
      failure = {error, message};
    };
    return cb;
  }

  // The last `clients` event's ids.
  std::vector<std::string> client_ids() const {
    std::vector<std::string> ids;
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      const json::Array& args = it->as_array();
      if (args.size() == 2 && args[0] == json::Value("clients") && args[1].is_object()) {
        for (const auto& [key, value] : args[1].as_object()) ids.push_back(key);
        return ids;
      }
    }
    return ids;
  }
  bool saw_clients_with(const std::vector<std::string>& wanted) const {
    std::vector<std::string> ids = client_ids();
    for (const std::string& w : wanted) {
      if (std::find(ids.begin(), ids.end(), w) == ids.end()) return false;
    }
    return true;
  }
  const json::Value* find_event(const std::string& name) const {
    for (const json::Value& e : events) {
      if (!e.as_array().empty() && e.as_array()[0] == json::Value(name)) return &e;
    }
    return nullptr;
  }
};

std::string describe(const Recorder& r) {
  if (!r.failure) return "no failure";
  return std::string(sio::client::to_string(r.failure->first)) + ": " + r.failure->second;
}

// A fresh context, pushed as thread-default for the test (libsoup needs it on the thread that
// iterates it). TearDown drains it so that libsoup finishes closing sockets.
class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.reset(g_main_context_new());
    g_main_context_push_thread_default(context_.get());
  }
  void TearDown() override {
    clients_.clear();
    our_server_.reset();
    stop_node();
    run_for(ctx(), 50);
    for (int i = 0; i < 1000 && g_main_context_iteration(ctx(), FALSE); ++i) {
    }
    g_main_context_pop_thread_default(context_.get());
    context_.reset();
  }

  GMainContext* ctx() { return context_.get(); }

  // `port` 0: an ephemeral one; else that port (a restart where the server was).
  std::string start_ours(sio::signalling::ServerConfig config = {}, uint16_t port = 0) {
    config.host = "127.0.0.1";
    config.port = port;
    glib::GErrorPtr error;
    our_server_ = sio::signalling::Server::start(config, ctx(), error);
    EXPECT_TRUE(our_server_) << (error ? error->message : "no error");
    if (!our_server_) return "";
    return std::string(config.tls_cert_file.empty() ? "http" : "https") + "://127.0.0.1:" +
           std::to_string(our_server_->port()) + "/";
  }

  // The chapter's Node server; returns its URL (parsed from its `listening on` line) or "".
  std::string start_node() {
    if (std::string(SIO_NODE).empty()) {
      ADD_FAILURE() << "node was not found at configure time";
      return "";
    }
    glib::GObjectPtr<GSubprocessLauncher> launcher(g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE));
    g_subprocess_launcher_setenv(launcher.get(), "PORT", "0", TRUE);
    g_subprocess_launcher_setenv(launcher.get(), "NODE_PATH", SIO_SOURCE_ROOT "/node_modules", TRUE);
    glib::GErrorPtr error;
    node_.reset(g_subprocess_launcher_spawn(launcher.get(), glib::GErrorOut(error), SIO_NODE,
                                            SIO_SOURCE_ROOT "/tests/reference/server.js", nullptr));
    if (!node_) {
      ADD_FAILURE() << "cannot spawn node: " << error->message;
      return "";
    }
    // Kept open (and the pipe with it) while the server runs: it logs every relay to stdout, and
    // a closed pipe would kill it with EPIPE. The few lines a test causes fit in the pipe buffer.
    node_stdout_.reset(g_data_input_stream_new(g_subprocess_get_stdout_pipe(node_.get())));
    GDataInputStream* out = node_stdout_.get();
    struct LineRead {
      bool done = false;
      std::string line;
    } read;
    g_data_input_stream_read_line_async(
        out, G_PRIORITY_DEFAULT, nullptr,
        [](GObject* source, GAsyncResult* result, gpointer data) {
          auto* r = static_cast<LineRead*>(data);
          glib::GCharPtr line(g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), result, nullptr, nullptr));
          if (line) r->line = line.get();
          r->done = true;
        },
        &read);
    if (!wait_until(ctx(), [&] { return read.done; }, 15000)) {
      ADD_FAILURE() << "the Node server printed nothing";
      return "";
    }
    const std::string prefix = "listening on ";
    if (read.line.rfind(prefix, 0) != 0) {
      ADD_FAILURE() << "unexpected first line from the Node server: " << read.line;
      return "";
    }
    return read.line.substr(prefix.size());
  }

  void stop_node() {
    if (!node_) return;
    g_subprocess_send_signal(node_.get(), SIGTERM);
    bool exited = false;
    g_subprocess_wait_async(
        node_.get(), nullptr,
        [](GObject* source, GAsyncResult* result, gpointer data) {
          (void)g_subprocess_wait_finish(G_SUBPROCESS(source), result, nullptr);
          *static_cast<bool*>(data) = true;
        },
        &exited);
    if (!wait_until(ctx(), [&] { return exited; }, 5000)) {
      g_subprocess_force_exit(node_.get());
      (void)wait_until(ctx(), [&] { return exited; }, 5000);
    }
    node_.reset();
    node_stdout_.reset();
  }

  Client& make_client(Recorder& recorder, ClientConfig config) {
    clients_.push_back(std::make_unique<Client>(ctx(), std::move(config), recorder.callbacks()));
    return *clients_.back();
  }
  Client& connect_client(Recorder& recorder, const std::string& url) {
    ClientConfig config;
    config.server_url = url;
    Client& client = make_client(recorder, config);
    std::string error;
    EXPECT_TRUE(client.connect(error)) << error;
    return client;
  }

  // Two clients see each other in `clients`, then one sends the other a peerOffer.
  void two_clients_relay(const std::string& url) {
    Recorder a, b;
    Client& ca = connect_client(a, url);
    Client& cb = connect_client(b, url);
    ASSERT_TRUE(wait_until(ctx(), [&] { return (a.connected && b.connected) || a.failure || b.failure; }))
        << describe(a) << " / " << describe(b);
    ASSERT_TRUE(a.connected && b.connected) << describe(a) << " / " << describe(b);
    EXPECT_TRUE(ca.is_connected());
    EXPECT_EQ(ca.socket_id(), a.id);
    EXPECT_NE(a.id, b.id);
    ASSERT_TRUE(wait_until(ctx(), [&] { return a.saw_clients_with({a.id, b.id}) && b.saw_clients_with({a.id, b.id}); }));

    const json::Value offer = json::Object{{"type", json::Value("offer")}, {"sdp", json::Value("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n")}};
    ASSERT_TRUE(ca.emit(json::Array{json::Value("peerOffer"), json::Value(b.id), offer}));
    ASSERT_TRUE(wait_until(ctx(), [&] { return b.find_event("peerOffer") != nullptr; }));
    const json::Value expected = json::Array{json::Value("peerOffer"), json::Value(b.id), offer, json::Value(a.id)};
    EXPECT_EQ(json::serialize(*b.find_event("peerOffer")), json::serialize(expected));

    // Binary attachments survive the relay (BINARY_EVENT out, reassembled on the way in).
    const json::Value blob = json::Binary{std::string("\x00\x01\xfe\xff", 4)};
    ASSERT_TRUE(cb.emit(json::Array{json::Value("signal"), json::Value(a.id), json::Object{{"blob", blob}}}));
    ASSERT_TRUE(wait_until(ctx(), [&] { return a.find_event("signal") != nullptr; }));
    const json::Array& got = a.find_event("signal")->as_array();
    ASSERT_EQ(got.size(), 4u);
    ASSERT_NE(got[2].find("blob"), nullptr);
    EXPECT_TRUE(*got[2].find("blob") == blob);
    EXPECT_EQ(got[3], json::Value(b.id));
    EXPECT_EQ(a.failures + b.failures, 0) << describe(a) << " / " << describe(b);
  }

  void bad_namespace(const std::string& url) {
    Recorder r;
    ClientConfig config;
    config.server_url = url;
    config.nsp = "/nowhere";
    Client& client = make_client(r, config);
    std::string error;
    ASSERT_TRUE(client.connect(error)) << error;
    ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value() || r.connected; }));
    ASSERT_TRUE(r.failure) << "connected to a namespace that does not exist";
    EXPECT_EQ(r.failure->first, ClientError::ConnectRefused) << describe(r);
    EXPECT_EQ(r.failure->second, "Invalid namespace");
    EXPECT_FALSE(client.is_connected());
    // Dropped after a failure.
    EXPECT_FALSE(client.emit(json::Array{json::Value("peerIce"), json::Value("x"), json::Value()}));
  }

  glib::GMainContextPtr context_;
  std::unique_ptr<sio::signalling::Server> our_server_;
  glib::GObjectPtr<GSubprocess> node_;
  glib::GObjectPtr<GDataInputStream> node_stdout_;
  std::vector<std::unique_ptr<Client>> clients_;
};

TEST_F(ClientTest, OursTwoClientsSeeEachOtherAndRelay) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  two_clients_relay(url);
}

TEST_F(ClientTest, NodeTwoClientsSeeEachOtherAndRelay) {
  const std::string url = start_node();
  ASSERT_FALSE(url.empty());
  two_clients_relay(url);
}

TEST_F(ClientTest, OursBadNamespaceIsConnectRefused) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  bad_namespace(url);
}

TEST_F(ClientTest, NodeBadNamespaceIsConnectRefused) {
  const std::string url = start_node();
  ASSERT_FALSE(url.empty());
  bad_namespace(url);
}

// sio-signalling acks a relay with whether the target id was known.
TEST_F(ClientTest, OursAckRoundTrip) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  Recorder a, b;
  Client& ca = connect_client(a, url);
  connect_client(b, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return a.connected && b.connected; })) << describe(a);
  std::optional<json::Value> known, unknown;
  const json::Value candidate = json::Object{{"candidate", json::Value("candidate:1 1 udp 1 127.0.0.1 9 typ host")},
                                             {"sdpMid", json::Value("0")}, {"sdpMLineIndex", json::Value(0)}};
  ASSERT_TRUE(ca.emit(json::Array{json::Value("peerIce"), json::Value(b.id), candidate},
                      [&](const json::Value& args) { known = args; }));
  ASSERT_TRUE(ca.emit(json::Array{json::Value("peerIce"), json::Value("no-such-id"), candidate},
                      [&](const json::Value& args) { unknown = args; }));
  ASSERT_TRUE(wait_until(ctx(), [&] { return known && unknown; }));
  EXPECT_EQ(json::serialize(*known), "[true]");
  EXPECT_EQ(json::serialize(*unknown), "[false]");
}

// emit() before the CONNECT is accepted queues; the queue goes out in order once connected.
TEST_F(ClientTest, EmitBeforeConnectedIsQueued) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  Recorder b;
  connect_client(b, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return b.connected; })) << describe(b);

  Recorder a;
  ClientConfig config;
  config.server_url = url;
  Client& ca = make_client(a, config);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ca.emit(json::Array{json::Value("peerAnswer"), json::Value(b.id),
                                    json::Object{{"type", json::Value("answer")}, {"sdp", json::Value("n" + std::to_string(i))}}}));
  }
  std::string error;
  ASSERT_TRUE(ca.connect(error)) << error;
  auto answers = [&] {
    std::vector<std::string> sdps;
    for (const json::Value& e : b.events) {
      if (e.as_array()[0] == json::Value("peerAnswer")) sdps.push_back(e.as_array()[2].find("sdp")->as_string());
    }
    return sdps;
  };
  ASSERT_TRUE(wait_until(ctx(), [&] { return answers().size() == 3; })) << describe(a);
  EXPECT_EQ(answers(), (std::vector<std::string>{"n0", "n1", "n2"}));
  EXPECT_EQ(b.find_event("peerAnswer")->as_array()[3], json::Value(a.id));
}

TEST_F(ClientTest, AuthAndNamespaceAreValidated) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  for (const char* bad : {"{", "[1]", "\"token\"", "{} x"}) {
    Recorder r;
    ClientConfig config;
    config.server_url = url;
    config.auth_json = bad;
    Client client(ctx(), config, r.callbacks());
    std::string error;
    EXPECT_FALSE(client.connect(error)) << bad;
    EXPECT_NE(error.find("auth"), std::string::npos) << error;
  }
  for (const char* bad_nsp : {"chat", "/a,b"}) {
    Recorder r;
    ClientConfig config;
    config.server_url = url;
    config.nsp = bad_nsp;
    Client client(ctx(), config, r.callbacks());
    std::string error;
    EXPECT_FALSE(client.connect(error)) << bad_nsp;
    EXPECT_NE(error.find("namespace"), std::string::npos) << error;
  }
  Recorder ok;
  ClientConfig config;
  config.server_url = url;
  config.auth_json = R"({"token":"abc","n":1})";
  Client& client = make_client(ok, config);
  std::string error;
  ASSERT_TRUE(client.connect(error)) << error;
  ASSERT_TRUE(wait_until(ctx(), [&] { return ok.connected || ok.failure; }));
  EXPECT_TRUE(ok.connected) << describe(ok);
}

TEST_F(ClientTest, BadUrlIsRefusedAtOnce) {
  for (const char* bad : {"", "not a url", "ftp://127.0.0.1/", "ws://127.0.0.1:3000/", "http://",
                          "http:///socket.io/", "http://127.0.0.1:3000/app", "http://127.0.0.1:3000/?x=1"}) {
    Recorder r;
    ClientConfig config;
    config.server_url = bad;
    Client client(ctx(), config, r.callbacks());
    std::string error;
    EXPECT_FALSE(client.connect(error)) << "accepted " << bad;
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(r.failures, 0);
  }
  // Accepted forms (nothing listens there: closed at once, never reported).
  for (const char* good : {"http://127.0.0.1:1", "https://localhost:1/", "http://[::1]:1/socket.io/", "HTTP://127.0.0.1:1"}) {
    Recorder r;
    ClientConfig config;
    config.server_url = good;
    Client client(ctx(), config, r.callbacks());
    std::string error;
    EXPECT_TRUE(client.connect(error)) << good << ": " << error;
    std::string again;
    EXPECT_FALSE(client.connect(again)) << "a second connect() was accepted";
  }
  run_for(ctx(), 100);
}

// A port that was just closed: connection refused, reported quickly.
TEST_F(ClientTest, ClosedPortIsUnreachable) {
  glib::GErrorPtr error;
  glib::GObjectPtr<GSocket> socket(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, glib::GErrorOut(error)));
  ASSERT_TRUE(socket);
  glib::GObjectPtr<GInetAddress> loopback(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4));
  glib::GObjectPtr<GSocketAddress> any(g_inet_socket_address_new(loopback.get(), 0));
  ASSERT_TRUE(g_socket_bind(socket.get(), any.get(), FALSE, glib::GErrorOut(error)));
  glib::GObjectPtr<GSocketAddress> bound(g_socket_get_local_address(socket.get(), glib::GErrorOut(error)));
  const guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound.get()));
  socket.reset();

  Recorder r;
  connect_client(r, "http://127.0.0.1:" + std::to_string(port) + "/");
  const gint64 start = g_get_monotonic_time();
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value(); }, 3000));
  EXPECT_EQ(r.failure->first, ClientError::Unreachable) << describe(r);
  EXPECT_LT(g_get_monotonic_time() - start, 2 * G_USEC_PER_SEC);
  run_for(ctx(), 50);
  EXPECT_EQ(r.failures, 1);
}

TEST_F(ClientTest, SelfSignedServerNeedsValidationOff) {
  glib::GCharPtr dir(g_dir_make_tmp("sio-client-tls-XXXXXX", nullptr));
  ASSERT_TRUE(dir);
  sio::signalling::DevCertificate cert;
  glib::GErrorPtr error;
  ASSERT_TRUE(sio::signalling::ensure_dev_certificate(std::string(dir.get()) + "/tls", cert, error))
      << (error ? error->message : "");
  sio::signalling::ServerConfig server_config;
  server_config.tls_cert_file = cert.cert_file;
  server_config.tls_key_file = cert.key_file;
  const std::string url = start_ours(server_config);
  ASSERT_EQ(url.rfind("https://", 0), 0u) << url;

  Recorder strict;
  connect_client(strict, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return strict.failure || strict.connected; }));
  ASSERT_TRUE(strict.failure) << "a self-signed certificate was accepted with validation on";
  EXPECT_EQ(strict.failure->first, ClientError::TlsFailure) << describe(strict);

  Recorder lax;
  ClientConfig config;
  config.server_url = url;
  config.tls_validation = false;
  Client& client = make_client(lax, config);
  std::string message;
  ASSERT_TRUE(client.connect(message)) << message;
  ASSERT_TRUE(wait_until(ctx(), [&] { return lax.failure || lax.saw_clients_with({lax.id}); })) << describe(lax);
  EXPECT_TRUE(lax.connected) << describe(lax);

  // Plain http against the TLS port is not a TLS failure of ours to hide: it must fail somehow.
  Recorder plain;
  std::string http_url = url;
  http_url.replace(0, 5, "http");
  connect_client(plain, http_url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return plain.failure || plain.connected; }));
  EXPECT_TRUE(plain.failure);

  clients_.clear();
  our_server_.reset();
  g_unlink(cert.cert_file.c_str());
  g_unlink(cert.key_file.c_str());
  g_rmdir((std::string(dir.get()) + "/tls").c_str());
  g_rmdir(dir.get());
}

// What a SignallingClient with reconnection saw.
struct Rejoins {
  std::vector<std::string> ids;  // every `connected`
  struct Loss {
    ClientError error;
    uint32_t retry_ms;
    bool was_connected;
  };
  std::vector<Loss> losses;
  std::optional<ClientError> failed;
};

sio::client::SignallingCallbacks record_rejoins(Rejoins& r) {
  sio::client::SignallingCallbacks callbacks;
  callbacks.connected = [&r](const std::string& id) { r.ids.push_back(id); };
  callbacks.lost = [&r](ClientError e, const std::string&, uint32_t retry_ms, bool was_connected) {
    r.losses.push_back({e, retry_ms, was_connected});
  };
  callbacks.failed = [&r](ClientError e, const std::string&) { r.failed = e; };
  return callbacks;
}

// The server stops and, a few attempts later, starts again on its port: the client says it lost
// the connection, keeps trying on the backoff schedule, and joins again with a new socket id.
TEST_F(ClientTest, SignallingClientRejoinsAfterTheServerRestarts) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  const uint16_t port = our_server_->port();
  sio::client::ClientConfig config;
  config.server_url = url;
  sio::client::ReconnectPolicy policy;
  policy.enabled = true;
  policy.backoff.first_delay_ms = 100;  // the default schedule (1 s .. 5 s), scaled down
  policy.backoff.max_delay_ms = 500;
  Rejoins r;
  sio::client::SignallingClient client(ctx(), config, record_rejoins(r), policy);
  std::string error;
  ASSERT_TRUE(client.start(error)) << error;
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.ids.size() == 1; }));

  our_server_.reset();
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.losses.size() >= 4; }, 10000)) << r.losses.size() << " losses";
  EXPECT_EQ(r.losses[0].error, ClientError::ServerClosed);
  EXPECT_TRUE(r.losses[0].was_connected);
  EXPECT_TRUE(client.local_id().empty());
  for (std::size_t i = 1; i < r.losses.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "attempt " << i);
    EXPECT_EQ(r.losses[i].error, ClientError::Unreachable);
    EXPECT_FALSE(r.losses[i].was_connected);
  }
  for (const auto& loss : r.losses) {
    EXPECT_GE(loss.retry_ms, 50u);
    EXPECT_LE(loss.retry_ms, 500u);
  }
  EXPECT_LE(r.losses[0].retry_ms, 150u) << "the first: 100 ms +-50 %";
  EXPECT_GE(r.losses[3].retry_ms, 250u) << "the fourth: doubled to the 500 ms cap, +-50 %";

  ASSERT_FALSE(start_ours({}, port).empty());
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.ids.size() == 2; }, 5000));
  EXPECT_NE(r.ids[1], r.ids[0]) << "a restarted server gives a new socket id";
  EXPECT_EQ(client.local_id(), r.ids[1]);
  EXPECT_FALSE(r.failed.has_value());
}

// Another attempt cannot fix a refusal (here: no token): it fails at once, as without reconnection.
TEST_F(ClientTest, SignallingClientDoesNotRetryARefusal) {
  sio::signalling::ServerConfig server_config;
  server_config.auth_tokens = {"s3cret"};
  const std::string url = start_ours(server_config);
  ASSERT_FALSE(url.empty());
  sio::client::ClientConfig config;
  config.server_url = url;
  sio::client::ReconnectPolicy policy;
  policy.enabled = true;
  Rejoins r;
  sio::client::SignallingClient client(ctx(), config, record_rejoins(r), policy);
  std::string error;
  ASSERT_TRUE(client.start(error)) << error;
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.failed.has_value(); }));
  EXPECT_EQ(*r.failed, ClientError::ConnectRefused);
  run_for(ctx(), 300);
  EXPECT_TRUE(r.losses.empty());
  EXPECT_TRUE(r.ids.empty());
}

TEST_F(ClientTest, ServerStopIsServerClosed) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  Recorder r;
  Client& client = connect_client(r, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.connected; })) << describe(r);
  our_server_.reset();
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value(); }));
  EXPECT_EQ(r.failure->first, ClientError::ServerClosed) << describe(r);
  EXPECT_FALSE(client.is_connected());
  run_for(ctx(), 50);
  EXPECT_EQ(r.failures, 1);
}

TEST_F(ClientTest, NodeServerStopIsServerClosed) {
  const std::string url = start_node();
  ASSERT_FALSE(url.empty());
  Recorder r;
  connect_client(r, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.connected; })) << describe(r);
  stop_node();
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value(); }));
  EXPECT_EQ(r.failure->first, ClientError::ServerClosed) << describe(r);
}

// Pings every 50 ms with a 100 ms timeout: the client must pong, or the server drops it.
TEST_F(ClientTest, AnswersPings) {
  sio::signalling::ServerConfig config;
  config.ping_interval_ms = 50;
  config.ping_timeout_ms = 100;
  const std::string url = start_ours(config);
  ASSERT_FALSE(url.empty());
  Recorder r;
  Client& client = connect_client(r, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.connected; })) << describe(r);
  run_for(ctx(), 800);
  EXPECT_EQ(r.failures, 0) << describe(r);
  EXPECT_TRUE(client.is_connected());
}

// A message over the server's maxPayload is refused by emit() (the server would drop us) and the
// connection carries on.
TEST_F(ClientTest, EmitOverMaxPayloadIsRefused) {
  sio::signalling::ServerConfig config;
  config.max_payload = 200;
  const std::string url = start_ours(config);
  ASSERT_FALSE(url.empty());
  Recorder a, b;
  Client& ca = connect_client(a, url);
  connect_client(b, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return a.connected && b.connected; })) << describe(a);
  const json::Value big = json::Object{{"type", json::Value("offer")}, {"sdp", json::Value(std::string(300, 'x'))}};
  EXPECT_FALSE(ca.emit(json::Array{json::Value("peerOffer"), json::Value(b.id), big}));
  const json::Value small = json::Object{{"type", json::Value("offer")}, {"sdp", json::Value("v=0")}};
  EXPECT_TRUE(ca.emit(json::Array{json::Value("peerOffer"), json::Value(b.id), small}));
  ASSERT_TRUE(wait_until(ctx(), [&] { return b.find_event("peerOffer") != nullptr; }));
  EXPECT_EQ(*b.find_event("peerOffer")->as_array()[2].find("sdp"), json::Value("v=0"));
  EXPECT_EQ(a.failures, 0) << describe(a);
  // Not an EVENT payload: refused, nothing sent.
  EXPECT_FALSE(ca.emit(json::Array{}));
  EXPECT_FALSE(ca.emit(json::Value("peerOffer")));
  EXPECT_TRUE(ca.is_connected());
}

// close() and destruction: no callback afterwards, including from inside a callback.
TEST_F(ClientTest, NothingIsCalledAfterClose) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  Recorder r;
  Client& client = connect_client(r, url);
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.connected; })) << describe(r);
  bool acked = false;
  ASSERT_TRUE(client.emit(json::Array{json::Value("peerIce"), json::Value("x"), json::Value()}, [&](const json::Value&) { acked = true; }));
  client.close();
  client.close();
  EXPECT_FALSE(client.is_connected());
  EXPECT_FALSE(client.emit(json::Array{json::Value("peerIce"), json::Value("x"), json::Value()}));
  const size_t events = r.events.size();
  our_server_.reset();
  run_for(ctx(), 200);
  EXPECT_EQ(r.failures, 0);
  EXPECT_FALSE(acked);
  EXPECT_EQ(r.events.size(), events);
}

TEST_F(ClientTest, DestroyInsideCallbacks) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  // Destroyed from `connected`.
  std::unique_ptr<Client> doomed;
  int connected_calls = 0, other_calls = 0;
  ClientCallbacks cb;
  cb.connected = [&](const std::string&) {
    ++connected_calls;
    doomed.reset();
  };
  cb.event = [&](const json::Value&) { ++other_calls; };
  cb.failed = [&](ClientError, const std::string&) { ++other_calls; };
  ClientConfig config;
  config.server_url = url;
  doomed = std::make_unique<Client>(ctx(), config, cb);
  std::string error;
  ASSERT_TRUE(doomed->connect(error));
  ASSERT_TRUE(wait_until(ctx(), [&] { return connected_calls > 0; }));
  run_for(ctx(), 100);
  EXPECT_EQ(connected_calls, 1);
  EXPECT_EQ(other_calls, 0);

  // Destroyed from `failed`, and closed from `event`.
  std::unique_ptr<Client> failing;
  int failed_calls = 0;
  ClientCallbacks fcb;
  fcb.failed = [&](ClientError, const std::string&) {
    ++failed_calls;
    failing.reset();
  };
  ClientConfig fconfig;
  fconfig.server_url = url;
  fconfig.nsp = "/nowhere";
  failing = std::make_unique<Client>(ctx(), fconfig, fcb);
  ASSERT_TRUE(failing->connect(error));
  ASSERT_TRUE(wait_until(ctx(), [&] { return failed_calls > 0; }));
  EXPECT_EQ(failing, nullptr);

  std::unique_ptr<Client> closing;
  int event_calls = 0, after = 0;
  ClientCallbacks ecb;
  ecb.event = [&](const json::Value&) {
    ++event_calls;
    closing->close();
  };
  ecb.failed = [&](ClientError, const std::string&) { ++after; };
  closing = std::make_unique<Client>(ctx(), config, ecb);
  ASSERT_TRUE(closing->connect(error));
  ASSERT_TRUE(wait_until(ctx(), [&] { return event_calls > 0; }));  // the `clients` broadcast
  our_server_.reset();
  run_for(ctx(), 100);
  EXPECT_EQ(event_calls, 1);
  EXPECT_EQ(after, 0);
}

// Destroying a client in the middle of its connect leaves nothing behind (checked under valgrind).
TEST_F(ClientTest, DestroyWhileConnecting) {
  const std::string url = start_ours();
  ASSERT_FALSE(url.empty());
  for (int steps = 0; steps < 6; ++steps) {
    Recorder r;
    ClientConfig config;
    config.server_url = url;
    auto client = std::make_unique<Client>(ctx(), config, r.callbacks());
    std::string error;
    ASSERT_TRUE(client->connect(error));
    for (int i = 0; i < steps; ++i) g_main_context_iteration(ctx(), FALSE);
    client.reset();
    run_for(ctx(), 20);
    EXPECT_EQ(r.failures, 0);
  }
}

// A scripted Engine.IO server: libsoup WebSocket on /socket.io/, answering what the test says.
class ScriptedServer {
 public:
  // `on_open` is sent when a WebSocket opens; `on_connect` when a Socket.IO CONNECT ("40...")
  // arrives. "" sends nothing.
  ScriptedServer(std::string on_open, std::string on_connect)
      : on_open_(std::move(on_open)), on_connect_(std::move(on_connect)) {
    server_.reset(soup_server_new(nullptr, nullptr));
    soup_server_add_websocket_handler(server_.get(), "/socket.io", nullptr, nullptr, on_websocket, this, nullptr);
    glib::GErrorPtr error;
    EXPECT_TRUE(soup_server_listen_local(server_.get(), 0, SOUP_SERVER_LISTEN_IPV4_ONLY, glib::GErrorOut(error)))
        << (error ? error->message : "");
    GSList* uris = soup_server_get_uris(server_.get());
    if (uris) port_ = g_uri_get_port(static_cast<GUri*>(uris->data));
    g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  }
  ~ScriptedServer() {
    for (auto& ws : connections_) g_signal_handlers_disconnect_by_data(ws.get(), this);
    connections_.clear();
    soup_server_disconnect(server_.get());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  static void on_websocket(SoupServer*, SoupServerMessage*, const char*, SoupWebsocketConnection* ws, gpointer data) {
    auto* self = static_cast<ScriptedServer*>(data);
    self->connections_.push_back(glib::retain(ws));
    g_signal_connect(ws, "message", G_CALLBACK(on_message), self);
    if (!self->on_open_.empty()) soup_websocket_connection_send_text(ws, self->on_open_.c_str());
  }
  static void on_message(SoupWebsocketConnection* ws, gint, GBytes* bytes, gpointer data) {
    auto* self = static_cast<ScriptedServer*>(data);
    gsize size = 0;
    const char* data_bytes = static_cast<const char*>(g_bytes_get_data(bytes, &size));
    const std::string text(data_bytes ? data_bytes : "", size);
    if (text.rfind("40", 0) == 0 && !self->on_connect_.empty()) {
      soup_websocket_connection_send_text(ws, self->on_connect_.c_str());
    }
  }

  std::string on_open_, on_connect_;
  glib::GObjectPtr<SoupServer> server_;
  std::vector<glib::GObjectPtr<SoupWebsocketConnection>> connections_;
  guint16 port_ = 0;
};

constexpr const char* kOpenFastPings =
    R"(0{"sid":"s1","upgrades":[],"pingInterval":100,"pingTimeout":100,"maxPayload":1000})";

constexpr const char* kOpenSlowPings =
    R"(0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000})";

struct ScriptCase {
  const char* name;
  const char* on_open;
  const char* on_connect;
  ClientError expected;
  bool connects_first;
};

TEST_F(ClientTest, ScriptedServerFailures) {
  const ScriptCase cases[] = {
      {"no pings", kOpenFastPings, R"(40{"sid":"abc"})", ClientError::PingTimeout, true},
      {"not Engine.IO", "hello", "", ClientError::HandshakeFailed, false},
      {"bad open packet", "0{\"sid\":", "", ClientError::HandshakeFailed, false},
      {"no open packet (connect timeout)", "", "", ClientError::HandshakeFailed, false},
      {"CONNECT not answered (connect timeout)", kOpenSlowPings, "", ClientError::HandshakeFailed, false},
      {"undecodable Engine.IO", kOpenFastPings, "9", ClientError::ProtocolError, false},
      {"undecodable Socket.IO", kOpenFastPings, "4[", ClientError::ProtocolError, false},
      {"Engine.IO close", kOpenFastPings, "1", ClientError::ServerClosed, false},
      {"Socket.IO DISCONNECT", kOpenFastPings, "41", ClientError::ServerClosed, false},
      {"CONNECT_ERROR string", kOpenFastPings, "44\"go away\"", ClientError::ConnectRefused, false},
      {"CONNECT without sid", kOpenFastPings, "40{}", ClientError::ProtocolError, false},
  };
  for (const ScriptCase& c : cases) {
    SCOPED_TRACE(c.name);
    ScriptedServer server(c.on_open, c.on_connect);
    Recorder r;
    ClientConfig config;
    config.server_url = server.url();
    config.connect_timeout_ms = 400;
    Client client(ctx(), config, r.callbacks());
    std::string error;
    ASSERT_TRUE(client.connect(error)) << error;
    ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value(); }, 3000));
    EXPECT_EQ(r.failure->first, c.expected) << describe(r);
    EXPECT_EQ(r.connected, c.connects_first);
    if (c.expected == ClientError::ConnectRefused) {
      EXPECT_EQ(r.failure->second, "go away");
    }
    run_for(ctx(), 20);
    EXPECT_EQ(r.failures, 1);
  }
}

// An HTTP server that is not Engine.IO (404 on /socket.io/) fails the WebSocket upgrade.
TEST_F(ClientTest, NotASocketIoServerIsHandshakeFailed) {
  glib::GObjectPtr<SoupServer> server(soup_server_new(nullptr, nullptr));
  glib::GErrorPtr error;
  ASSERT_TRUE(soup_server_listen_local(server.get(), 0, SOUP_SERVER_LISTEN_IPV4_ONLY, glib::GErrorOut(error)));
  GSList* uris = soup_server_get_uris(server.get());
  ASSERT_NE(uris, nullptr);
  const int port = g_uri_get_port(static_cast<GUri*>(uris->data));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  Recorder r;
  connect_client(r, "http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_TRUE(wait_until(ctx(), [&] { return r.failure.has_value(); }));
  EXPECT_EQ(r.failure->first, ClientError::HandshakeFailed) << describe(r);
  EXPECT_NE(r.failure->second.find("404"), std::string::npos) << describe(r);
  clients_.clear();
  soup_server_disconnect(server.get());
}

}  // namespace

int main(int argc, char** argv) {
  // A critical from GLib/libsoup/us is a bug: make it abort the test.
  g_log_set_always_fatal(static_cast<GLogLevelFlags>(G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK));
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
