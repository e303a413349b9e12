// --dev-tls: a self-signed ECDSA P-256 certificate made with GnuTLS, equivalent to the chapter's
//   openssl req -x509 -newkey rsa:2048 -subj /CN=localhost
//     subjectAltName=DNS:localhost, keyUsage=digitalSignature, extendedKeyUsage=serverAuth
// plus an IP subjectAltName per local address, so https://<lan-ip>:port/ matches the certificate
// once the browser's self-signed warning has been accepted.
#include "dev_tls.hpp"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

namespace sio::signalling {
namespace {

constexpr const char* kCertName = "dev-cert.pem";
constexpr const char* kKeyName = "dev-key.pem";
constexpr time_t kValiditySeconds = 365 * 24 * 3600;
constexpr time_t kRenewMarginSeconds = 24 * 3600;  // regenerate a day before expiry

struct CrtDeinit {
  void operator()(gnutls_x509_crt_int* c) const { gnutls_x509_crt_deinit(c); }
};
struct PrivkeyDeinit {
  void operator()(gnutls_x509_privkey_int* k) const { gnutls_x509_privkey_deinit(k); }
};
using CrtPtr = std::unique_ptr<gnutls_x509_crt_int, CrtDeinit>;
using PrivkeyPtr = std::unique_ptr<gnutls_x509_privkey_int, PrivkeyDeinit>;

// gnutls_datum_t whose data GnuTLS allocated.
struct OwnedDatum {
  gnutls_datum_t datum{nullptr, 0};
  ~OwnedDatum() { gnutls_free(datum.data); }
};

void set_gnutls_error(glib::GErrorPtr& error, const char* what, int code) {
  error.reset(g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "dev certificate: %s: %s", what, gnutls_strerror(code)));
}

// "192.168.1.2" / "fe80::1" in GLib's canonical form, or "" when `text` is not an address.
std::string canonical_address(const std::string& text) {
  glib::GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(text.c_str()));
  if (!address) return "";
  glib::GCharPtr s(g_inet_address_to_string(address.get()));
  return s.get();
}

bool is_ip(const std::string& name) { return !canonical_address(name).empty(); }

// Subject alternative names in a certificate, as text (IPs canonical).
std::set<std::string> certificate_names(gnutls_x509_crt_t crt) {
  std::set<std::string> names;
  for (unsigned seq = 0; seq < 1024; ++seq) {
    unsigned char buffer[512];
    size_t size = sizeof buffer;
    unsigned critical = 0;
    int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buffer, &size, &critical);
    if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
    if (type == GNUTLS_SAN_DNSNAME) {
      names.insert(std::string(reinterpret_cast<char*>(buffer), size));
    } else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16)) {
      glib::GObjectPtr<GInetAddress> address(
          g_inet_address_new_from_bytes(buffer, size == 4 ? G_SOCKET_FAMILY_IPV4 : G_SOCKET_FAMILY_IPV6));
      glib::GCharPtr s(g_inet_address_to_string(address.get()));
      names.insert(s.get());
    }
  }
  return names;
}

bool read_file(const std::string& path, std::string& out) {
  char* contents = nullptr;
  gsize length = 0;
  if (!g_file_get_contents(path.c_str(), &contents, &length, nullptr)) return false;
  out.assign(contents, length);
  g_free(contents);
  return true;
}

// True when cert_file/key_file hold a matching pair that is valid now (and for another day) and
// names every entry of `wanted`. Fills `names` with what it covers.
bool existing_certificate_usable(const std::string& cert_file, const std::string& key_file,
                                 const std::vector<std::string>& wanted, std::vector<std::string>& names) {
  std::string cert_pem, key_pem;
  if (!read_file(cert_file, cert_pem) || !read_file(key_file, key_pem)) return false;
  gnutls_x509_crt_t raw_crt = nullptr;
  gnutls_x509_privkey_t raw_key = nullptr;
  if (gnutls_x509_crt_init(&raw_crt) < 0) return false;
  CrtPtr crt(raw_crt);
  if (gnutls_x509_privkey_init(&raw_key) < 0) return false;
  PrivkeyPtr key(raw_key);

  gnutls_datum_t cert_datum{reinterpret_cast<unsigned char*>(cert_pem.data()), static_cast<unsigned>(cert_pem.size())};
  gnutls_datum_t key_datum{reinterpret_cast<unsigned char*>(key_pem.data()), static_cast<unsigned>(key_pem.size())};
  if (gnutls_x509_crt_import(crt.get(), &cert_datum, GNUTLS_X509_FMT_PEM) < 0) return false;
  if (gnutls_x509_privkey_import(key.get(), &key_datum, GNUTLS_X509_FMT_PEM) < 0) return false;

  time_t now = time(nullptr);
  if (gnutls_x509_crt_get_activation_time(crt.get()) > now) return false;
  if (gnutls_x509_crt_get_expiration_time(crt.get()) < now + kRenewMarginSeconds) return false;

  // The key must be the certificate's key.
  unsigned char crt_id[64], key_id[64];
  size_t crt_id_size = sizeof crt_id, key_id_size = sizeof key_id;
  if (gnutls_x509_crt_get_key_id(crt.get(), 0, crt_id, &crt_id_size) < 0) return false;
  if (gnutls_x509_privkey_get_key_id(key.get(), 0, key_id, &key_id_size) < 0) return false;
  if (crt_id_size != key_id_size || !std::equal(crt_id, crt_id + crt_id_size, key_id)) return false;

  std::set<std::string> covered = certificate_names(crt.get());
  for (const auto& name : wanted) {
    std::string key_name = is_ip(name) ? canonical_address(name) : name;
    if (!covered.count(key_name)) return false;
  }
  names.assign(covered.begin(), covered.end());
  return true;
}

// Creates the key and certificate as PEM strings.
bool generate(const std::vector<std::string>& names, std::string& cert_pem, std::string& key_pem,
              glib::GErrorPtr& error) {
  gnutls_x509_privkey_t raw_key = nullptr;
  gnutls_x509_crt_t raw_crt = nullptr;
  int rc = gnutls_x509_privkey_init(&raw_key);
  if (rc < 0) return set_gnutls_error(error, "key init", rc), false;
  PrivkeyPtr key(raw_key);
  rc = gnutls_x509_crt_init(&raw_crt);
  if (rc < 0) return set_gnutls_error(error, "certificate init", rc), false;
  CrtPtr crt(raw_crt);

  rc = gnutls_x509_privkey_generate(key.get(), GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
  if (rc < 0) return set_gnutls_error(error, "generating the ECDSA P-256 key", rc), false;

  unsigned char serial[16];
  rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  if (rc < 0) return set_gnutls_error(error, "random serial", rc), false;
  serial[0] &= 0x7f;  // a positive INTEGER (RFC 5280 4.1.2.2)
  serial[0] |= 0x01;  // and no leading zero byte

  time_t now = time(nullptr);
  const char* cn = "localhost";
  struct Step {
    const char* what;
    int rc;
  };
  const Step steps[] = {
      {"version", gnutls_x509_crt_set_version(crt.get(), 3)},
      {"serial", gnutls_x509_crt_set_serial(crt.get(), serial, sizeof serial)},
      // An hour back, so a slightly slow clock on the browser's machine still accepts it.
      {"activation time", gnutls_x509_crt_set_activation_time(crt.get(), now - 3600)},
      {"expiration time", gnutls_x509_crt_set_expiration_time(crt.get(), now + kValiditySeconds)},
      {"common name", gnutls_x509_crt_set_dn_by_oid(crt.get(), GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn))},
      {"public key", gnutls_x509_crt_set_key(crt.get(), key.get())},
      {"basic constraints", gnutls_x509_crt_set_basic_constraints(crt.get(), 0, -1)},
      {"key usage", gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_DIGITAL_SIGNATURE)},
      {"extended key usage", gnutls_x509_crt_set_key_purpose_oid(crt.get(), GNUTLS_KP_TLS_WWW_SERVER, 0)},
  };
  for (const auto& step : steps)
    if (step.rc < 0) return set_gnutls_error(error, step.what, step.rc), false;

  for (const auto& name : names) {
    glib::GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(name.c_str()));
    if (address) {
      const guint8* bytes = g_inet_address_to_bytes(address.get());
      gsize size = g_inet_address_get_native_size(address.get());
      rc = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_IPADDRESS, bytes, size, GNUTLS_FSAN_APPEND);
    } else {
      rc = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_DNSNAME, name.data(), name.size(),
                                                GNUTLS_FSAN_APPEND);
    }
    if (rc < 0) return set_gnutls_error(error, "subjectAltName", rc), false;
  }

  unsigned char key_id[64];
  size_t key_id_size = sizeof key_id;
  rc = gnutls_x509_crt_get_key_id(crt.get(), 0, key_id, &key_id_size);
  if (rc >= 0) rc = gnutls_x509_crt_set_subject_key_id(crt.get(), key_id, key_id_size);
  if (rc < 0) return set_gnutls_error(error, "subject key id", rc), false;

  rc = gnutls_x509_crt_sign2(crt.get(), crt.get(), key.get(), GNUTLS_DIG_SHA256, 0);
  if (rc < 0) return set_gnutls_error(error, "self-signing", rc), false;

  OwnedDatum cert_out, key_out;
  rc = gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_PEM, &cert_out.datum);
  if (rc < 0) return set_gnutls_error(error, "exporting the certificate", rc), false;
  // PKCS#8 ("BEGIN PRIVATE KEY"): what every TLS backend, GLib's PEM parser included, reads.
  rc = gnutls_x509_privkey_export2_pkcs8(key.get(), GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, &key_out.datum);
  if (rc < 0) return set_gnutls_error(error, "exporting the key", rc), false;
  cert_pem.assign(reinterpret_cast<char*>(cert_out.datum.data), cert_out.datum.size);
  key_pem.assign(reinterpret_cast<char*>(key_out.datum.data), key_out.datum.size);
  return true;
}

}  // namespace

std::vector<std::string> local_names_and_addresses() {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return names;
  for (struct ifaddrs* it = list; it; it = it->ifa_next) {
    if (!it->ifa_addr || !(it->ifa_flags & IFF_UP)) continue;
    char text[INET6_ADDRSTRLEN] = "";
    if (it->ifa_addr->sa_family == AF_INET) {
      auto* sin = reinterpret_cast<struct sockaddr_in*>(it->ifa_addr);
      inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      auto* sin6 = reinterpret_cast<struct sockaddr_in6*>(it->ifa_addr);
      // Link-local addresses need a %scope in URLs, which browsers do not accept.
      if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr)) continue;
      inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    std::string canonical = canonical_address(text);
    if (!canonical.empty() && std::find(names.begin(), names.end(), canonical) == names.end())
      names.push_back(canonical);
  }
  freeifaddrs(list);
  return names;
}

bool ensure_dev_certificate(const std::string& dir, DevCertificate& out, glib::GErrorPtr& error) {
  if (dir.empty()) {
    error.reset(g_error_new_literal(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "dev certificate: no directory given"));
    return false;
  }
  if (!g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR) && g_mkdir_with_parents(dir.c_str(), 0700) != 0) {
    int saved = errno;
    error.reset(g_error_new(G_IO_ERROR, g_io_error_from_errno(saved), "dev certificate: cannot create %s: %s",
                            dir.c_str(), g_strerror(saved)));
    return false;
  }
  glib::GCharPtr cert_path(g_build_filename(dir.c_str(), kCertName, nullptr));
  glib::GCharPtr key_path(g_build_filename(dir.c_str(), kKeyName, nullptr));
  out = DevCertificate{};
  out.cert_file = cert_path.get();
  out.key_file = key_path.get();

  std::vector<std::string> wanted = local_names_and_addresses();
  if (existing_certificate_usable(out.cert_file, out.key_file, wanted, out.names)) return true;

  std::string cert_pem, key_pem;
  if (!generate(wanted, cert_pem, key_pem, error)) return false;
  // Key first, 0600, written atomically (temp file + rename) so a crash never leaves half a key.
  GError* raw = nullptr;
  if (!g_file_set_contents_full(out.key_file.c_str(), key_pem.data(), key_pem.size(),
                                G_FILE_SET_CONTENTS_CONSISTENT, 0600, &raw) ||
      !g_file_set_contents_full(out.cert_file.c_str(), cert_pem.data(), cert_pem.size(),
                                G_FILE_SET_CONTENTS_CONSISTENT, 0644, &raw)) {
    error.reset(g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "dev certificate: %s", raw->message));
    g_error_free(raw);
    return false;
  }
  out.names = wanted;
  out.created = true;
  return true;
}

std::string default_dev_tls_dir() {
  glib::GCharPtr dir(g_build_filename(g_get_user_config_dir(), "sio-signalling", "dev-tls", nullptr));
  return dir.get();
}

std::vector<std::string> dev_tls_urls(const std::string& host, uint16_t port) {
  bool wildcard = host == "0.0.0.0" || host == "::" || host.empty();
  bool ipv4_only = host == "0.0.0.0";
  std::vector<std::string> urls;
  for (const auto& name : local_names_and_addresses()) {
    bool ipv6 = name.find(':') != std::string::npos;
    if ((!wildcard && name != host) || (ipv4_only && ipv6)) continue;
    urls.push_back("https://" + std::string(ipv6 ? "[" : "") + name + (ipv6 ? "]" : "") + ":" +
                   std::to_string(port) + "/");
  }
  return urls;
}

}  // namespace sio::signalling
