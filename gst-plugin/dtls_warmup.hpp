// GStreamer 1.22's dtlsdec makes one DTLS certificate for the whole process, when the first
// dtlsdec is created (gst_dtls_dec_init asks for the generated-certificate agent even when a PEM
// is set afterwards): an RSA 2048 key, 0.1-0.6 s here and seconds on a small board. webrtcbin
// creates its first dtlsdec while it makes the first offer or answer, so that cost used to land
// on the first call's setup. Making a throwaway dtlsdec on a thread of its own at NULL->READY
// pays it before any call; every call of every element then uses that certificate (the same
// fingerprint in every offer). The same thread loads the SRTP and libnice plugins, which webrtcbin
// would otherwise load from disk during the first call's offer. A certificate of our own (ECDSA P-256, made in milliseconds) would
// not avoid it on 1.22, and webrtcbin 1.22 announces a wrong fingerprint for a PEM that carries
// its key (it hashes every base64 line of the PEM, the key's too).
#pragma once

#include <functional>

namespace sio::gst {

// Once per process (NULL->READY); returns at once, the work runs on a thread of its own.
void warm_up_dtls_certificate();
// Calls `fn` once the certificate exists: at once if it does (or no warm-up was started), else on
// the warm-up thread when it is made. The element joins the signalling server from there, so that
// no call reaches it while webrtcbin would still be waiting for the certificate.
void when_dtls_ready(std::function<void()> fn);
// Joins that thread if it is still running (READY->NULL): a process that exits right after must
// not tear OpenSSL down under it, and every `when_dtls_ready` callback has run when this returns.
void finish_dtls_warmup();

}  // namespace sio::gst
