// sio::prometheus (the /metrics text format, exposition format 0.0.4): rows quote what the
// format's documentation says of each case. The real parser (Python's prometheus_client) reads
// both binaries' output in tests/node/metrics.test.mjs and tests/launcher.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "prometheus_text.hpp"

namespace pt = sio::prometheus;

namespace {

struct EscapeRow {
  std::string_view in, label, help;
};

// "label_value can be any sequence of UTF-8 characters, but the backslash (\), double-quote ("),
// and line feed (\n) characters have to be escaped"; HELP escapes only backslash and line feed.
constexpr EscapeRow kEscapes[] = {
    {"plain", "plain", "plain"},
    {"a\\b", "a\\\\b", "a\\\\b"},
    {"say \"hi\"", "say \\\"hi\\\"", "say \"hi\""},
    {"two\nlines", "two\\nlines", "two\\nlines"},
    {"", "", ""},
    {"caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9"},  // UTF-8 untouched
};

TEST(PrometheusText, Escaping) {
  for (const auto& row : kEscapes) {
    EXPECT_EQ(pt::escape_label_value(row.in), row.label) << row.in;
    EXPECT_EQ(pt::escape_help(row.in), row.help) << row.in;
  }
}

struct ValueRow {
  double value;
  std::string_view text;
};

TEST(PrometheusText, Values) {
  // "value is a float represented as required by Go's ParseFloat() ... NaN, +Inf, and -Inf are
  // valid values"; counters are integers and must not turn into 1e+06.
  const ValueRow rows[] = {
      {0, "0"},
      {1, "1"},
      {1000000, "1000000"},
      {9007199254740992.0, "9007199254740992"},
      {-3, "-3"},
      {0.5, "0.5"},
      {0.1, "0.10000000000000001"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
  };
  for (const auto& row : rows) EXPECT_EQ(pt::format_value(row.value), row.text) << row.value;
  EXPECT_EQ(std::stod(pt::format_value(0.1)), 0.1);  // round trip
}

TEST(PrometheusText, FamilyAndSamples) {
  pt::TextWriter writer;
  writer.family("sio_relayed_total", pt::Type::Counter, "Messages relayed.\nBy event.");
  writer.sample("sio_relayed_total", 3, {{"event", "peerOffer"}});
  writer.sample("sio_relayed_total", 0, {{"event", "peer\"Ice"}, {"x", "a\\b"}});
  writer.family("sio_clients", pt::Type::Gauge, "Clients.");
  writer.sample("sio_clients", 2);
  EXPECT_EQ(writer.text(),
            "# HELP sio_relayed_total Messages relayed.\\nBy event.\n"
            "# TYPE sio_relayed_total counter\n"
            "sio_relayed_total{event=\"peerOffer\"} 3\n"
            "sio_relayed_total{event=\"peer\\\"Ice\",x=\"a\\\\b\"} 0\n"
            "# HELP sio_clients Clients.\n"
            "# TYPE sio_clients gauge\n"
            "sio_clients 2\n");
}

}  // namespace
