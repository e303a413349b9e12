#include "embedded_server.hpp"

#include <gio/gio.h>

#include <cstdio>

#include "dev_tls.hpp"
#include "process_limits.hpp"

namespace sio::launcher {

bool start_embedded_server(const LaunchOptions& options, EmbeddedServer& out, std::string& error) {
  signalling::ServerConfig config;
  config.host = options.host;
  config.port = options.port;
  config.public_dir = options.public_dir;
  if (!options.auth_token.empty()) config.auth_tokens.push_back(options.auth_token);
  if (options.dev_tls) {
    signalling::DevCertificate certificate;
    glib::GErrorPtr gerror;
    std::string dir = options.dev_tls_dir.empty() ? signalling::default_dev_tls_dir() : options.dev_tls_dir;
    if (!signalling::ensure_dev_certificate(dir, certificate, gerror)) {
      error = std::string("--dev-tls: ") + gerror->message;
      return false;
    }
    config.tls_cert_file = certificate.cert_file;
    config.tls_key_file = certificate.key_file;
    out.self_signed = true;
  }
  signalling::raise_open_files_limit();  // as sio-signalling: every client is a descriptor
  glib::GErrorPtr gerror;
  out.server = signalling::Server::start(config, nullptr, gerror);
  if (!out.server) {
    error = "cannot start the signalling server on " + config.host + ":" + std::to_string(config.port) + ": " +
            (gerror ? gerror->message : "unknown error");
    if (gerror && g_error_matches(gerror.get(), G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
      error += " (another server on that port? join it with --server=http://" + config.host + ":" +
               std::to_string(config.port) + "/, or choose another --port)";
    return false;
  }
  out.urls = out.server->urls();
  const bool loopback = options.host == "127.0.0.1" || options.host == "localhost" || options.host == "::1";
  if (!loopback && options.auth_token.empty()) {
    std::fprintf(stderr, "sio-webrtc: warning: the embedded server listens on %s without --auth-token: anyone who "
                 "can reach this address can join the calls\n", options.host.c_str());
  }
  if (options.dev_tls) out.lan_urls = signalling::dev_tls_urls(options.host, out.server->port());
  // Our own element talks to the server over loopback whatever the listening address.
  const bool wildcard = options.host == "0.0.0.0" || options.host == "::" || options.host.empty();
  std::string host = wildcard ? "127.0.0.1" : options.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  out.element_url = std::string(options.dev_tls ? "https" : "http") + "://" + host + ":" +
                    std::to_string(out.server->port()) + "/";
  return true;
}

PageHint page_to_open(const LaunchOptions& options) {
  if (options.dialect == Dialect::SimplePeer) {
    switch (options.mode) {
      case Mode::Send:
        return {"simple-peer/receiver.html", "to watch what this sends"};
      case Mode::Recv:
        return {"simple-peer/sender.html", "to send your camera here"};
      case Mode::Both:
        return {"index.html", "for a two-way call"};
    }
  }
  switch (options.mode) {
    case Mode::Send:
      return {"receiver.html", "to watch what this sends"};
    case Mode::Recv:
      return {"sender.html", "to send your camera here"};
    case Mode::Both:
      break;
  }
  // Classic two-way: the chapter has no classic two-way page; the pair covers one direction each.
  return {"receiver.html", "to watch (and sender.html in another tab to send back)"};
}

}  // namespace sio::launcher
