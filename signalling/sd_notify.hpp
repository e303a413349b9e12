// systemd's service notification (Type=notify) without linking libsystemd: one datagram to the
// socket named by $NOTIFY_SOCKET ("READY=1" once listening, "STOPPING=1" when a stop begins).
// Without $NOTIFY_SOCKET (not started by systemd) it does nothing.
#pragma once

namespace sio::signalling {

// True when the message was sent; false without $NOTIFY_SOCKET or when sending failed (logged).
bool notify_service_manager(const char* state);

}  // namespace sio::signalling
