#include "sdp_start_bitrate.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <vector>

namespace sio::gst {
namespace {

struct Line {
  std::string_view text;    // without its line ending
  std::string_view ending;  // "\r\n", "\n" or "" (the last line)
};

std::vector<Line> split_lines(std::string_view sdp) {
  std::vector<Line> lines;
  while (!sdp.empty()) {
    const size_t end = sdp.find('\n');
    if (end == std::string_view::npos) {
      lines.push_back({sdp, {}});
      break;
    }
    const bool crlf = end > 0 && sdp[end - 1] == '\r';
    lines.push_back({sdp.substr(0, crlf ? end - 1 : end), sdp.substr(crlf ? end - 1 : end, crlf ? 2 : 1)});
    sdp.remove_prefix(end + 1);
  }
  return lines;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// "a=rtpmap:96 VP8/90000" -> {"96", "VP8"}; "a=fmtp:96 x=y" -> {"96", "x=y"}.
bool split_attribute(std::string_view line, std::string_view name, std::string_view& payload, std::string_view& rest) {
  if (!starts_with(line, name)) return false;
  line.remove_prefix(name.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  payload = line.substr(0, space);
  rest = line.substr(space + 1);
  return true;
}

bool is_video_codec(std::string_view encoding) {
  std::string name(encoding.substr(0, encoding.find('/')));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::toupper(c); });
  return name == "VP8" || name == "VP9" || name == "H264" || name == "AV1";
}

}  // namespace

std::string with_start_bitrate(std::string_view sdp, unsigned kbps) {
  if (kbps == 0) return std::string(sdp);
  const std::vector<Line> lines = split_lines(sdp);
  const std::string parameter = "x-google-start-bitrate=" + std::to_string(kbps);

  // First pass, per m= section: the video codecs' payload types and which have an fmtp line.
  std::vector<std::set<std::string_view>> codecs, with_fmtp;
  int section = -1;
  bool video = false;
  std::vector<int> section_of(lines.size(), -1);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view text = lines[i].text;
    if (starts_with(text, "m=")) {
      ++section;
      video = starts_with(text, "m=video ");
      codecs.emplace_back();
      with_fmtp.emplace_back();
    }
    section_of[i] = section;
    if (section < 0 || !video) continue;
    std::string_view payload, rest;
    if (split_attribute(text, "a=rtpmap:", payload, rest) && is_video_codec(rest)) codecs[section].insert(payload);
    if (split_attribute(text, "a=fmtp:", payload, rest)) with_fmtp[section].insert(payload);
  }

  std::string out;
  out.reserve(sdp.size() + 64);
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    const int s = section_of[i];
    std::string_view payload, rest;
    out.append(line.text);
    if (s >= 0 && split_attribute(line.text, "a=fmtp:", payload, rest) && codecs[s].count(payload) &&
        rest.find("x-google-start-bitrate=") == std::string_view::npos) {
      out.append(rest.empty() ? "" : ";").append(parameter);
    }
    const bool add_fmtp = s >= 0 && split_attribute(line.text, "a=rtpmap:", payload, rest) &&
                          codecs[s].count(payload) && !with_fmtp[s].count(payload);
    if (add_fmtp) {
      // After the rtpmap, ending as it did (a last line without an ending still gets one before).
      out.append(line.ending.empty() ? std::string_view("\r\n") : line.ending);
      out.append("a=fmtp:").append(payload).append(" ").append(parameter);
    }
    out.append(line.ending);
  }
  return out;
}

}  // namespace sio::gst
