// signalling/polling_outbox.cpp: the payload a poll gets, and a state packet superseding the one
// queued before it wherever it sits.
#include "polling_outbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using sio::signalling::PollingOutbox;

std::string readable(std::string payload) {
  for (char& c : payload) {
    if (c == '\x1e') c = '|';
  }
  return payload;
}

TEST(PollingOutbox, JoinsPacketsWithTheRecordSeparator) {
  PollingOutbox outbox;
  EXPECT_TRUE(outbox.empty());
  outbox.append_text("40");
  outbox.append_binary("\x01\x02");
  outbox.append_text("2");
  EXPECT_EQ(readable(outbox.take()), "40|bAQI=|2");
  EXPECT_TRUE(outbox.empty());
  EXPECT_EQ(outbox.take(), "");
}

TEST(PollingOutbox, StateSupersedesTheQueuedOneWhereverItIs) {
  struct Row {
    const char* name;
    const char* before;  // '|'-separated; S = a state packet, others plain text
    const char* expected;
  };
  const Row rows[] = {
      {"alone", "S", "N"},
      {"first of several", "S|a|b", "a|b|N"},
      {"in the middle", "a|S|b", "a|b|N"},
      {"last", "a|b|S", "a|b|N"},
      {"none queued", "a|b", "a|b|N"},
      {"nothing queued", "", "N"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    PollingOutbox outbox;
    std::string before = row.before;
    std::size_t start = 0;
    while (start < before.size()) {
      std::size_t end = before.find('|', start);
      if (end == std::string::npos) end = before.size();
      const std::string part = before.substr(start, end - start);
      if (part == "S") {
        outbox.append_state(R"(42["clients",{"old":1}])");
      } else {
        outbox.append_text(part);
      }
      start = end + 1;
    }
    outbox.append_state("N");
    EXPECT_EQ(readable(outbox.take()), row.expected);
  }
}

TEST(PollingOutbox, ManyStatesKeepOnlyTheLatest) {
  PollingOutbox outbox;
  outbox.append_text("40");
  for (int i = 0; i < 1000; ++i) {
    outbox.append_state("42[\"clients\"," + std::to_string(i) + "]");
    if (i % 100 == 0) outbox.append_text("42[\"peerIce\"," + std::to_string(i) + "]");
  }
  const std::string& payload = outbox.payload();
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = payload.find(what); at != std::string::npos; at = payload.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("clients"), 1u);
  EXPECT_EQ(count("peerIce"), 10u);
  EXPECT_EQ(count("\x1e"), 11u);
  EXPECT_NE(outbox.payload().find("42[\"clients\",999]"), std::string::npos);
  EXPECT_EQ(outbox.payload().find("42[\"clients\",998]"), std::string::npos);
}

TEST(PollingOutbox, AfterATakeTheNextStateRemovesNothing) {
  PollingOutbox outbox;
  outbox.append_state("S1");
  EXPECT_EQ(readable(outbox.take()), "S1");
  outbox.append_text("a");
  outbox.append_state("S2");
  EXPECT_EQ(readable(outbox.take()), "a|S2");
  outbox.append_state("S3");
  outbox.clear();
  outbox.append_text("b");
  outbox.append_state("S4");
  EXPECT_EQ(readable(outbox.take()), "b|S4");
}

}  // namespace
