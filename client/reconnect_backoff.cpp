#include "reconnect_backoff.hpp"

#include <algorithm>
#include <cmath>

namespace sio::client {

uint32_t ReconnectBackoff::delay_ms(unsigned attempt, double random01) const {
  // Doubling stops at the cap long before the exponent could overflow a double.
  const double base = std::min<double>(max_delay_ms, first_delay_ms * std::pow(2.0, std::min(attempt, 30u)));
  const double moved = base * (1.0 + jitter * (2.0 * random01 - 1.0));
  const double floor = first_delay_ms * (1.0 - jitter);
  return static_cast<uint32_t>(std::clamp(moved, floor, static_cast<double>(max_delay_ms)));
}

}  // namespace sio::client
