// sio::json: RFC 8259 parsing, JSON.stringify-compatible output. Expected outputs were checked
// against node 20's JSON.stringify(JSON.parse(input)).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"

using namespace std::string_view_literals;
using sio::ErrorCode;
namespace json = sio::json;

namespace {

struct ValidRow {
  const char* description;
  std::string_view input;
  std::string_view serialized;  // JSON.stringify(JSON.parse(input))
};

// Accepted and canonical: parse then serialize gives back the same bytes.
const ValidRow kValid[] = {
    // RFC 8259 §13, the second example (array of two objects), minus whitespace.
    {"RFC 8259 §13 array of objects",
     R"([{"precision":"zip","Latitude":37.7668,"Longitude":-122.3959,"Address":"","City":"SAN FRANCISCO","State":"CA","Zip":"94107","Country":"US"},{"precision":"zip","Latitude":37.371991,"Longitude":-122.02602,"Address":"","City":"SUNNYVALE","State":"CA","Zip":"94085","Country":"US"}])",
     R"([{"precision":"zip","Latitude":37.7668,"Longitude":-122.3959,"Address":"","City":"SAN FRANCISCO","State":"CA","Zip":"94107","Country":"US"},{"precision":"zip","Latitude":37.371991,"Longitude":-122.02602,"Address":"","City":"SUNNYVALE","State":"CA","Zip":"94085","Country":"US"}])"},
    // RFC 8259 §13: "Here are three small JSON texts containing only values".
    {"RFC 8259 §13 bare string", R"("Hello world!")", R"("Hello world!")"},
    {"RFC 8259 §13 bare number", "42", "42"},
    {"RFC 8259 §13 bare literal", "true", "true"},
    {"false", "false", "false"},
    {"null", "null", "null"},
    {"empty array", "[]", "[]"},
    {"empty object", "{}", "{}"},
    {"empty string", R"("")", R"("")"},
    {"nested", R"({"a":[1,{"b":[[]]}],"c":{}})", R"({"a":[1,{"b":[[]]}],"c":{}})"},
    {"key order kept (non-index keys)", R"({"z":1,"a":2,"m":3})", R"({"z":1,"a":2,"m":3})"},
    // ECMA-262 Number::toString.
    {"zero", "0", "0"},
    {"negative", "-1", "-1"},
    {"fraction", "0.1", "0.1"},
    {"1e21 switches to exponent", "1e+21", "1e+21"},
    {"1e20 stays integer", "100000000000000000000", "100000000000000000000"},
    {"shortest digits + zeros", "123456789012345680000", "123456789012345680000"},
    {"small exponent", "1e-7", "1e-7"},
    {"1e-6 stays decimal", "0.000001", "0.000001"},
    {"mantissa with exponent", "1.5e-7", "1.5e-7"},
    {"smallest subnormal", "5e-324", "5e-324"},
    {"largest double", "1.7976931348623157e+308", "1.7976931348623157e+308"},
    {"negative exponent form", "-2.5e-10", "-2.5e-10"},
    // Strings: JSON.stringify escapes only ", \ and C0 controls; DEL, U+2028 and non-ASCII stay.
    {"short escapes", R"("\"\\\b\f\n\r\t")", R"("\"\\\b\f\n\r\t")"},
    {"other controls as lowercase \\u00xx", R"("\u0000\u001f\u000b")", R"("\u0000\u001f\u000b")"},
    {"DEL raw", "\"\x7f\"", "\"\x7f\""},
    {"U+2028 raw", "\"\xe2\x80\xa8\"", "\"\xe2\x80\xa8\""},
    {"non-ASCII raw", "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"", "\"h\xc3\xa9llo \xf0\x9f\x98\x80\""},
    // Lone surrogates: JSON.parse keeps them, JSON.stringify (ES2019) escapes them back.
    {"lone high surrogate", R"("\ud800")", R"("\ud800")"},
    {"lone low surrogate", R"("a\udfffb")", R"("a\udfffb")"},
    {"reversed pair stays two lone surrogates", R"("\udc00\ud800")", R"("\udc00\ud800")"},
    {"array index keys first, ascending", R"({"1":3,"2":2,"4294967294":6,"b":1,"01":4,"4294967295":5})",
     R"({"1":3,"2":2,"4294967294":6,"b":1,"01":4,"4294967295":5})"},
};

// Accepted, but not canonical: serialize() normalises as JSON.stringify does.
const ValidRow kLenient[] = {
    {"RFC 8259 §2 insignificant whitespace", " \t\n\r[ 1 ,\t{ \"a\" : true } ]\r\n", R"([1,{"a":true}])"},
    {"RFC 8259 §13 image example (spacing dropped)",
     R"({ "Image": { "Width": 800, "Height": 600, "Title": "View from 15th Floor",
          "Thumbnail": { "Url": "http://www.example.com/image/481989943", "Height": 125, "Width": 100 },
          "Animated" : false, "IDs": [116, 943, 234, 38793] } })",
     R"({"Image":{"Width":800,"Height":600,"Title":"View from 15th Floor","Thumbnail":{"Url":"http://www.example.com/image/481989943","Height":125,"Width":100},"Animated":false,"IDs":[116,943,234,38793]}})"},
    {"-0 is written 0", "-0", "0"},
    {"exponent without sign", "1e21", "1e+21"},
    {"upper-case E", "1E2", "100"},
    {"explicit plus exponent", "1e+2", "100"},
    {"trailing fraction zeros", "4.350", "4.35"},
    {"beyond double precision", "9007199254740993", "9007199254740992"},
    {"too many digits", "0.1234567890123456789", "0.12345678901234568"},
    {"large integer goes exponent", "12345678901234567890123", "1.2345678901234568e+22"},
    {"1e-6 as exponent", "1e-6", "0.000001"},
    {"small decimal to exponent", "0.0000001234", "1.234e-7"},
    {"overflow is Infinity, written null", "1e400", "null"},
    {"negative overflow", "-1e400", "null"},
    {"underflow is 0", "1e-400", "0"},
    {"underflow from fraction digits", "0.0000000000000000000000000000000000001e-300", "0"},
    {"overflow from fraction digits", "0.001e400", "null"},
    {"huge exponent digits", "1e99999999999999999999", "null"},
    {"negative underflow", "-1e-400", "0"},
    {"escaped solidus", R"("\/")", R"("/")"},
    {"\\u escape of ASCII", R"("\u0041")", R"("A")"},
    {"upper-case hex", R"("\u00E9")", "\"\xc3\xa9\""},
    {"surrogate pair escapes", R"("\uD83D\uDE00")", "\"\xf0\x9f\x98\x80\""},
    {"escaped DEL", R"("\u007f")", "\"\x7f\""},
    {"escaped U+2028", R"("\u2028")", "\"\xe2\x80\xa8\""},
    {"high surrogate then non-surrogate escape", R"("\ud800\u0041")", R"("\ud800A")"},
    {"duplicate key: last value, first position", R"({"b":1,"a":2,"b":3})", R"({"b":3,"a":2})"},
    {"index keys reordered as JavaScript does", R"({"b":1,"2":2,"1":3})", R"({"1":3,"2":2,"b":1})"},
};

struct InvalidRow {
  const char* description;
  std::string_view input;
  ErrorCode code;
  std::size_t offset;
};

const InvalidRow kInvalid[] = {
    {"empty text", "", ErrorCode::InvalidJson, 0},
    {"only whitespace", "  \n", ErrorCode::InvalidJson, 3},
    {"RFC 8259 §4 trailing comma in array", "[1,]", ErrorCode::InvalidJson, 3},
    {"trailing comma in object", R"({"a":1,})", ErrorCode::InvalidJson, 7},
    {"missing comma", "[1 2]", ErrorCode::InvalidJson, 3},
    {"missing colon", R"({"a" 1})", ErrorCode::InvalidJson, 5},
    {"non-string key", "{1:2}", ErrorCode::InvalidJson, 1},
    {"single quotes", "'a'", ErrorCode::InvalidJson, 0},
    {"unclosed array", "[1", ErrorCode::InvalidJson, 2},
    {"unclosed object", R"({"a":1)", ErrorCode::InvalidJson, 6},
    {"RFC 8259 §6 leading zero", "01", ErrorCode::TrailingData, 1},
    {"leading plus", "+1", ErrorCode::InvalidJson, 0},
    {"leading dot", ".5", ErrorCode::InvalidJson, 0},
    {"dot without digits", "1.", ErrorCode::InvalidJson, 2},
    {"exponent without digits", "1e", ErrorCode::InvalidJson, 2},
    {"exponent sign only", "1e+", ErrorCode::InvalidJson, 3},
    {"minus alone", "-", ErrorCode::InvalidJson, 1},
    {"NaN", "NaN", ErrorCode::InvalidJson, 0},
    {"Infinity", "Infinity", ErrorCode::InvalidJson, 0},
    {"hex number", "0x10", ErrorCode::TrailingData, 1},
    {"truncated literal", "tru", ErrorCode::InvalidJson, 3},
    {"misspelt literal", "nul1", ErrorCode::InvalidJson, 3},
    {"capitalised literal", "True", ErrorCode::InvalidJson, 0},
    {"unterminated string", R"("abc)", ErrorCode::InvalidJson, 0},
    {"RFC 8259 §7 raw control character", "\"a\x01\"", ErrorCode::InvalidJson, 2},
    {"raw newline in string", "\"a\nb\"", ErrorCode::InvalidJson, 2},
    {"raw NUL in string", "\"a\0b\""sv, ErrorCode::InvalidJson, 2},
    {"unknown escape", R"("\x41")", ErrorCode::InvalidJson, 2},
    {"bad hex digit", R"("\u12G4")", ErrorCode::InvalidJson, 5},
    {"truncated \\u escape", R"("\u12)", ErrorCode::InvalidJson, 5},
    {"bad low surrogate escape", R"("\ud800\uZZZZ")", ErrorCode::InvalidJson, 9},
    {"value then garbage", "[1]x", ErrorCode::TrailingData, 3},
    {"two values", "{} {}", ErrorCode::TrailingData, 3},
    {"NUL after value", "1\0"sv, ErrorCode::TrailingData, 1},
    {"comment", "[1]//", ErrorCode::TrailingData, 3},
    // RFC 8259 §8.1 / RFC 3629.
    {"bare 0xFF", "\xff", ErrorCode::InvalidUtf8, 0},
    {"0xFF inside array", "[1,\xff]", ErrorCode::InvalidUtf8, 3},
    {"valid UTF-8 outside a string is a syntax error", "\xc3\xa9", ErrorCode::InvalidJson, 0},
    {"bad continuation", "\"\xc3\x28\"", ErrorCode::InvalidUtf8, 1},
    {"overlong slash", "\"\xc0\xaf\"", ErrorCode::InvalidUtf8, 1},
    {"overlong 3-byte", "\"\xe0\x80\xaf\"", ErrorCode::InvalidUtf8, 1},
    {"raw UTF-16 surrogate", "\"\xed\xa0\x80\"", ErrorCode::InvalidUtf8, 1},
    {"above U+10FFFF", "\"\xf4\x90\x80\x80\"", ErrorCode::InvalidUtf8, 1},
    {"truncated sequence", "\"ab\xe2\x82\"", ErrorCode::InvalidUtf8, 3},
    {"lone continuation byte", "\"\x80\"", ErrorCode::InvalidUtf8, 1},
    {"invalid UTF-8 in a key", "{\"\xfe\":1}", ErrorCode::InvalidUtf8, 2},
};

std::string nested(char open, char close, std::size_t depth) {
  return std::string(depth, open) + std::string(depth, close);
}

}  // namespace

TEST(JsonParse, ValidRowsRoundTripByteExact) {
  for (const auto& row : kValid) {
    SCOPED_TRACE(row.description);
    auto parsed = json::parse(row.input);
    ASSERT_TRUE(parsed.ok()) << parsed.error().reason << " at " << parsed.error().offset;
    EXPECT_EQ(json::serialize(*parsed), row.serialized);
    // And the serialization parses back to an equal value.
    auto again = json::parse(json::serialize(*parsed));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(json::serialize(*again), row.serialized);
  }
}

TEST(JsonParse, LenientRowsNormalise) {
  for (const auto& row : kLenient) {
    SCOPED_TRACE(row.description);
    auto parsed = json::parse(row.input);
    ASSERT_TRUE(parsed.ok()) << parsed.error().reason << " at " << parsed.error().offset;
    EXPECT_EQ(json::serialize(*parsed), row.serialized);
  }
}

TEST(JsonParse, InvalidRowsReportCodeAndOffset) {
  for (const auto& row : kInvalid) {
    SCOPED_TRACE(row.description);
    auto parsed = json::parse(row.input);
    ASSERT_FALSE(parsed.ok()) << "accepted: " << json::serialize(*parsed);
    EXPECT_EQ(parsed.error().code, row.code) << sio::to_string(parsed.error().code) << ": " << parsed.error().reason;
    EXPECT_EQ(parsed.error().offset, row.offset) << parsed.error().reason;
    EXPECT_FALSE(parsed.error().reason.empty());
  }
}

TEST(JsonParse, DepthLimit) {
  EXPECT_TRUE(json::parse(nested('[', ']', 64)).ok());
  auto deep = json::parse(nested('[', ']', 65));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::DepthLimit);
  EXPECT_EQ(deep.error().offset, 64u);

  std::string objects;
  for (int i = 0; i < 3; ++i) objects += R"({"a":)";
  objects += "1}}}";
  EXPECT_TRUE(json::parse(objects, json::ParseOptions{3}).ok());
  auto too_deep = json::parse(objects, json::ParseOptions{2});
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.error().code, ErrorCode::DepthLimit);
  EXPECT_EQ(too_deep.error().offset, 10u);

  // Far beyond the limit must still be an error value, not a stack overflow.
  auto huge = json::parse(std::string(1000000, '['));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::DepthLimit);
}

TEST(JsonParse, ValuesHaveTheRightTypes) {
  auto parsed = json::parse(R"({"s":"x","n":-1.5,"t":true,"z":null,"a":[1],"o":{"k":"v"}})");
  ASSERT_TRUE(parsed.ok());
  const json::Value& v = *parsed;
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("s")->as_string(), "x");
  EXPECT_EQ(v.find("n")->as_number(), -1.5);
  EXPECT_TRUE(v.find("t")->as_bool());
  EXPECT_TRUE(v.find("z")->is_null());
  EXPECT_EQ(v.find("a")->as_array().size(), 1u);
  EXPECT_EQ(v.find("o")->find("k")->as_string(), "v");
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(json::Value(1).find("x"), nullptr);
  // Lone surrogate escapes are kept as 3-byte WTF-8 in the string.
  auto lone = json::parse(R"("\ud800")");
  ASSERT_TRUE(lone.ok());
  EXPECT_EQ(lone->as_string(), "\xed\xa0\x80");
}

TEST(JsonParse, LargeObjectWithDuplicateKeys) {
  // Past the point where the parser indexes keys, duplicates still keep the first position.
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += R"("k3":"again","k99":"last"})";
  auto parsed = json::parse(text);
  ASSERT_TRUE(parsed.ok());
  const auto& object = parsed->as_object();
  ASSERT_EQ(object.size(), 100u);
  EXPECT_EQ(object[3].first, "k3");
  EXPECT_EQ(object[3].second.as_string(), "again");
  EXPECT_EQ(object[99].second.as_string(), "last");
}

TEST(JsonParsePrefix, ReportsConsumedLength) {
  auto prefix = json::parse_prefix(R"([1,2] tail)");
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix->second, 5u);
  EXPECT_EQ(json::serialize(prefix->first), "[1,2]");
  auto bad = json::parse_prefix("[1,");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidJson);
  EXPECT_EQ(bad.error().offset, 3u);
  // Bytes after the value are not looked at, even when they are not UTF-8.
  EXPECT_TRUE(json::parse_prefix("{}\xff").ok());
}

TEST(JsonSerialize, NumbersAsJavaScript) {
  struct {
    double value;
    const char* expected;
  } const rows[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1.0, "1"},
      {-42.0, "-42"},
      {25000.0, "25000"},
      {0.5, "0.5"},
      {1e21, "1e+21"},
      {1e-7, "1e-7"},
      {123e-20, "1.23e-18"},
      {9007199254740991.0, "9007199254740991"},
      {std::numeric_limits<double>::quiet_NaN(), "null"},
      {std::numeric_limits<double>::infinity(), "null"},
      {-std::numeric_limits<double>::infinity(), "null"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(json::serialize(json::Value(row.value)), row.expected) << row.value;
  }
  EXPECT_EQ(json::serialize(json::Value(int64_t{1000000})), "1000000");
}

TEST(JsonSerialize, StringsAlwaysValidUtf8) {
  // Bytes that no JavaScript string can hold become U+FFFD, one per maximal ill-formed subpart.
  EXPECT_EQ(json::serialize(json::Value(std::string("a\xff" "b"))), "\"a\xef\xbf\xbd" "b\"");
  EXPECT_EQ(json::serialize(json::Value(std::string("\xe2\x82"))), "\"\xef\xbf\xbd\"");
  // WTF-8 surrogates: a lone one is escaped, an adjacent high+low pair is one character.
  EXPECT_EQ(json::serialize(json::Value(std::string("\xed\xa0\x80"))), R"("\ud800")");
  EXPECT_EQ(json::serialize(json::Value(std::string("\xed\xa0\xbd\xed\xb8\x80"))), "\"\xf0\x9f\x98\x80\"");
  for (const char* s : {"a\xff", "\xed\xa0\x80", "\xc0\xaf", "\x80\x80\x80"}) {
    const std::string out = json::serialize(json::Value(s));
    EXPECT_EQ(json::find_invalid_utf8(out), std::string_view::npos) << out;
    EXPECT_TRUE(json::parse(out).ok()) << out;
  }
  std::string key_out;
  json::serialize_string_to("k\"\x01", key_out);
  EXPECT_EQ(key_out, R"("k\"\u0001")");
}

TEST(JsonSerialize, BinaryIsNull) {
  json::Array a{json::Value(json::Binary{"\x01\x02"}), json::Value("x")};
  EXPECT_EQ(json::serialize(json::Value(a)), R"([null,"x"])");
}

TEST(JsonValue, SetReplacesInPlaceOrAppends) {
  json::Value v;  // null becomes an object on set()
  v.set("a", 1);
  v.set("b", "two");
  v.set("a", json::Array{});
  EXPECT_EQ(json::serialize(v), R"({"a":[],"b":"two"})");
  std::string out;
  json::serialize_to(v, out);
  EXPECT_EQ(out, R"({"a":[],"b":"two"})");
}

TEST(Utf8, FindInvalid) {
  struct {
    std::string_view bytes;
    std::size_t expected;
  } const rows[] = {
      {"", std::string_view::npos},
      {"plain ascii", std::string_view::npos},
      {"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", std::string_view::npos},
      {"\xf4\x8f\xbf\xbf", std::string_view::npos},  // U+10FFFF
      {"\xef\xbf\xbf", std::string_view::npos},      // U+FFFF
      {"\0"sv, std::string_view::npos},
      {"ab\x80", 2},
      {"\xc1\xbf", 0},      // overlong 2-byte
      {"\xe0\x9f\xbf", 0},  // overlong 3-byte
      {"\xf0\x8f\xbf\xbf", 0},
      {"\xed\xbf\xbf", 0},  // surrogate
      {"\xf4\x90\x80\x80", 0},
      {"\xf5\x80\x80\x80", 0},
      {"x\xe2\x82", 1},  // truncated at end
      {"\xf0\x9f\x98", 0},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(json::find_invalid_utf8(row.bytes), row.expected);
  }
}

TEST(ErrorCode, EveryCodeHasADistinctName) {
  std::vector<std::string_view> names;
  for (int c = static_cast<int>(ErrorCode::Empty); c <= static_cast<int>(ErrorCode::TrailingData); ++c) {
    const std::string_view name = sio::to_string(static_cast<ErrorCode>(c));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(std::count(names.begin(), names.end(), name), 0) << name;
    names.push_back(name);
  }
  EXPECT_EQ(names.size(), 14u);
}
