// sio-signalling: the chapter's signalling server as a native binary. Parses the command line and
// .env, optionally makes a dev certificate, runs the Server on the default main context and stops
// cleanly on SIGINT/SIGTERM. Tests read the "listening on <url>" lines on stdout to learn the port.
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "dev_tls.hpp"
#include "gobject_ptr.hpp"
#include "log.hpp"
#include "options.hpp"
#include "process_limits.hpp"
#include "sd_notify.hpp"
#include "server.hpp"
#include "versions.hpp"

namespace {

using namespace sio::signalling;
namespace glib = sio::glib;

// A stop: the clients are told first (Server::begin_shutdown), and the loop runs on until every
// session has gone or kStopGraceMs has passed, so that exit comes within 2 s whatever clients do.
constexpr guint kStopGraceMs = 1500;
constexpr guint kStopCheckMs = 20;

struct Stopping {
  GMainLoop* loop;
  Server* server;
  bool started = false;
  gint64 deadline_us = 0;
};

gboolean on_stop_check(gpointer data) {
  auto* stopping = static_cast<Stopping*>(data);
  if (stopping->server->stats().sessions_open > 0 && g_get_monotonic_time() < stopping->deadline_us) {
    return G_SOURCE_CONTINUE;
  }
  g_main_loop_quit(stopping->loop);
  return G_SOURCE_REMOVE;
}

// Runs on the main loop's thread. A second signal during the grace period stops at once.
gboolean on_stop_signal(gpointer data) {
  auto* stopping = static_cast<Stopping*>(data);
  if (stopping->started) {
    SIO_LOG_INFO("second signal: stopping now");
    g_main_loop_quit(stopping->loop);
    return G_SOURCE_CONTINUE;
  }
  stopping->started = true;
  notify_service_manager("STOPPING=1");
  SIO_LOG_INFO("signal received: telling %llu clients, then stopping",
               static_cast<unsigned long long>(stopping->server->stats().sessions_open));
  stopping->server->begin_shutdown();
  stopping->deadline_us = g_get_monotonic_time() + kStopGraceMs * G_TIME_SPAN_MILLISECOND;
  g_timeout_add(kStopCheckMs, on_stop_check, stopping);
  return G_SOURCE_CONTINUE;
}

// SIGHUP: --auth-tokens-file is read again (a bad file keeps the tokens in use).
gboolean on_reload_signal(gpointer data) {
  auto* server = static_cast<Server*>(data);
  std::string error;
  if (server->reload_auth_tokens(error)) {
    SIO_LOG_INFO("SIGHUP: auth tokens read again");
  } else {
    SIO_LOG_WARN("SIGHUP: %s; the tokens in use are kept", error.c_str());
  }
  return G_SOURCE_CONTINUE;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  glib::GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(host.c_str()));
  return address && g_inet_address_get_is_loopback(address.get());
}

// Where a phone on the LAN can reach a --dev-tls server.
void print_dev_tls_urls(const Options& options, uint16_t port) {
  const std::string& host = options.server.host;
  bool wildcard = host == "0.0.0.0" || host == "::" || host.empty();
  std::printf("dev TLS: self-signed certificate; accept the browser's warning once per device. Open:\n");
  for (const auto& url : dev_tls_urls(host, port)) std::printf("  %s\n", url.c_str());
  if (!wildcard)
    std::printf("  (only %s is reachable: use --host=0.0.0.0 to open it from a phone on the LAN)\n", host.c_str());
}

int run(const Options& options) {
  log::set_level(options.log_level);
  raise_open_files_limit();
  ServerConfig config = options.server;

  if (options.dev_tls) {
    std::string dir = options.dev_tls_dir.empty() ? default_dev_tls_dir() : options.dev_tls_dir;
    DevCertificate certificate;
    glib::GErrorPtr error;
    if (!ensure_dev_certificate(dir, certificate, error)) {
      std::fprintf(stderr, "sio-signalling: %s\n", error->message);
      return 1;
    }
    config.tls_cert_file = certificate.cert_file;
    config.tls_key_file = certificate.key_file;
    std::string names;
    for (const auto& name : certificate.names) names += (names.empty() ? "" : ", ") + name;
    std::printf("dev TLS: %s certificate %s (key %s) for %s\n", certificate.created ? "created" : "reusing",
                certificate.cert_file.c_str(), certificate.key_file.c_str(), names.c_str());
  }

  glib::GMainLoopPtr loop(g_main_loop_new(nullptr, FALSE));
  glib::GErrorPtr error;
  std::unique_ptr<Server> server = Server::start(config, nullptr, error);
  if (!server) {
    std::fprintf(stderr, "sio-signalling: cannot start on %s:%u: %s\n", config.host.c_str(), config.port,
                 error ? error->message : "unknown error");
    return 1;
  }
  for (const auto& url : server->urls()) std::printf("listening on %s\n", url.c_str());
  if (options.dev_tls) print_dev_tls_urls(options, server->port());
  std::fflush(stdout);

  if (!is_loopback_host(config.host) && !server->requires_auth()) {
    SIO_LOG_WARN("listening on %s without --auth-token: anyone who can reach this address can join the calls",
                 config.host.c_str());
  }
  guint sighup = g_unix_signal_add(SIGHUP, on_reload_signal, server.get());
  Stopping stopping{loop.get(), server.get()};
  guint sigint = g_unix_signal_add(SIGINT, on_stop_signal, &stopping);
  guint sigterm = g_unix_signal_add(SIGTERM, on_stop_signal, &stopping);
  // systemd (Type=notify): clients can connect, and a stop from now on is a clean one.
  notify_service_manager("READY=1");
  g_main_loop_run(loop.get());
  g_source_remove(sigint);
  g_source_remove(sigterm);
  g_source_remove(sighup);
  g_source_remove_by_user_data(&stopping);  // the check timer, if a second signal ended the wait
  // The close packets answered to waiting polls are written now, before the connections go.
  for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
  }

  ServerStats stats = server->stats();
  server.reset();  // closes every connection while the context still exists
  // Let queued close frames and socket shutdowns run; bounded, never blocking.
  for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
  }
  SIO_LOG_INFO("stopped after %llu sessions, %llu relayed messages",
               static_cast<unsigned long long>(stats.sessions_opened),
               static_cast<unsigned long long>(stats.relayed_messages));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ParseOutcome outcome = parse_command_line(args);
  switch (outcome.status) {
    case ParseStatus::Help:
      std::fputs(outcome.message.c_str(), stdout);
      return 0;
    case ParseStatus::Version:
      std::printf("%s\n%s\n", outcome.message.c_str(), sio::signalling::library_versions().c_str());
      return 0;
    case ParseStatus::Error:
      std::fprintf(stderr, "sio-signalling: %s\nTry --help.\n", outcome.message.c_str());
      return 2;
    case ParseStatus::Run:
      break;
  }
  return run(outcome.options);
}
