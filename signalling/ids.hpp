// Engine.IO session ids and Socket.IO socket ids: 15 random bytes as 20 base64url characters,
// the same shape as engine.io's base64id (clients treat them as opaque strings).
#pragma once

#include <string>

namespace sio::signalling {

std::string random_id();

}  // namespace sio::signalling
