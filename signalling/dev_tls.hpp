// --dev-tls: a self-signed certificate for localhost and this machine's addresses, created once and
// reused, so a phone on the LAN can open https://<laptop-ip>:3000/ (the chapter's Security section
// does this by hand with openssl). Regenerated when it expires or the addresses changed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gobject_ptr.hpp"

namespace sio::signalling {

struct DevCertificate {
  std::string cert_file;
  std::string key_file;
  std::vector<std::string> names;  // subjectAltNames it covers (DNS and IP)
  bool created = false;            // false: an existing one was reused
};

// `dir` is created if needed (mode 0700). Returns false and sets `error` on failure.
bool ensure_dev_certificate(const std::string& dir, DevCertificate& out, glib::GErrorPtr& error);

// localhost, 127.0.0.1, ::1 and the addresses of this machine's up interfaces.
std::vector<std::string> local_names_and_addresses();

// $XDG_CONFIG_HOME/sio-signalling/dev-tls: shared by sio-signalling and sio-webrtc, so a phone
// that accepted the certificate once accepts it from either.
std::string default_dev_tls_dir();

// Where a phone on the LAN can reach a server on host:port: https://ADDR:port/ for every local
// address when `host` is a wildcard (0.0.0.0: IPv4 only), else for the host itself.
std::vector<std::string> dev_tls_urls(const std::string& host, uint16_t port);

}  // namespace sio::signalling
