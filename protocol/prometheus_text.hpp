// Prometheus text exposition format 0.0.4 (what /metrics answers): families with # HELP and
// # TYPE, samples with escaped label values, numbers as Prometheus parses them. Pure: the caller
// gathers the values.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace sio::prometheus {

enum class Type { Counter, Gauge };

struct Label {
  std::string_view name;
  std::string_view value;
};

// Label values: backslash, double quote and newline escaped; HELP text: backslash and newline.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// Integers exactly (no exponent up to 2^53), other numbers with up to 17 significant digits;
// NaN and the infinities as Prometheus spells them.
std::string format_value(double value);

class TextWriter {
 public:
  // Starts a family; its samples follow. A counter's name ends in _total (checked by the tests,
  // not here: a writer never fails).
  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, double value, std::initializer_list<Label> labels = {});
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace sio::prometheus
