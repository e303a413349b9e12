// Command-line splitting shared by sio-signalling and sio-webrtc: `--opt=value` and `--opt value`,
// flags, `-h`, and bounded whole numbers. Pure; errors are messages naming the option.
#pragma once

#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sio::cli {

enum class Takes { Nothing, Value };

struct OptionSpec {
  std::string_view name;  // without the leading "--"
  Takes takes;
};

struct Setting {
  std::string name;  // option name without "--"
  std::string value;
};

inline const OptionSpec* find_option(std::span<const OptionSpec> options, std::string_view name) {
  for (const auto& spec : options)
    if (spec.name == name) return &spec;
  return nullptr;
}

// --help / -h and --version win over any mistake elsewhere on the line.
enum class Early { None, Help, Version };
inline Early help_or_version(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") return Early::Help;
    if (arg == "--version") return Early::Version;
  }
  return Early::None;
}

// Splits argv[1..] into settings in order. Returns an error message, or "" on success.
inline std::string split_arguments(std::span<const OptionSpec> options, const std::vector<std::string>& args,
                                   std::vector<Setting>& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      out.push_back({"help", ""});
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (!arg.empty() && arg[0] == '-') return "unknown option '" + arg + "'";
      return "unexpected argument '" + arg + "'";
    }
    std::string_view body(arg);
    body.remove_prefix(2);
    auto eq = body.find('=');
    std::string name(body.substr(0, eq));
    const OptionSpec* spec = find_option(options, name);
    if (!spec) return "unknown option '--" + name + "'";
    if (spec->takes == Takes::Nothing) {
      if (eq != std::string_view::npos) return "--" + name + " takes no value, got '" + arg + "'";
      out.push_back({name, ""});
      continue;
    }
    if (eq != std::string_view::npos) {
      out.push_back({name, std::string(body.substr(eq + 1))});
      continue;
    }
    // `--opt value`: the next argument, unless it is another option.
    if (i + 1 >= args.size() || args[i + 1].compare(0, 2, "--") == 0) return "--" + name + ": missing value";
    out.push_back({name, args[++i]});
  }
  return "";
}

// Decimal digits only (no sign, no spaces), within [min, max]. `what` names the source.
inline std::string parse_unsigned(const std::string& what, const std::string& text, uint64_t min, uint64_t max,
                                  uint64_t& out) {
  if (text.empty()) return what + ": missing value";
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  bool all_digits = text.find_first_not_of("0123456789") == std::string::npos;
  if (!all_digits || ptr != end) return what + ": not a whole number: '" + text + "'";
  if (ec == std::errc::result_out_of_range || value < min || value > max)
    return what + ": out of range (" + std::to_string(min) + "-" + std::to_string(max) + "): " + text;
  out = value;
  return "";
}

}  // namespace sio::cli
