// When to try the signalling server again after the connection was lost or could not be made:
// socket.io-client's schedule (reconnectionDelay 1 s, doubling, reconnectionDelayMax 5 s,
// randomizationFactor 0.5). Pure: the caller supplies the random number.
#pragma once

#include <cstdint>

namespace sio::client {

struct ReconnectBackoff {
  uint32_t first_delay_ms = 1000;
  uint32_t max_delay_ms = 5000;
  double jitter = 0.5;  // each delay is moved by up to this fraction, either way

  // The delay before attempt `attempt` (0 for the first after a loss); `random01` in [0, 1).
  // Never more than max_delay_ms, never less than first_delay_ms * (1 - jitter).
  uint32_t delay_ms(unsigned attempt, double random01) const;
};

}  // namespace sio::client
