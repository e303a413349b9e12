// TURN lists and shared-secret credentials (client/turn_servers.cpp). The expected passwords were
// computed with Python's hmac + base64, as coturn's use-auth-secret checks them.
#include "turn_servers.hpp"

#include <gtest/gtest.h>

namespace {

using sio::client::split_turn_list;
using sio::client::turn_rest_credentials;
using sio::client::with_turn_credentials;
using sio::client::TurnCredentials;

TEST(TurnServers, SplitList) {
  EXPECT_EQ(split_turn_list(""), std::vector<std::string>{});
  EXPECT_EQ(split_turn_list("turn://a:b@h:3478"), std::vector<std::string>{"turn://a:b@h:3478"});
  EXPECT_EQ(split_turn_list(" turn://a:b@h1, turns://c:d@h2:5349 ,,"),
            (std::vector<std::string>{"turn://a:b@h1", "turns://c:d@h2:5349"}));
}

TEST(TurnServers, RestCredentials) {
  const TurnCredentials c = turn_rest_credentials("north-wind-secret", 1700000000);
  EXPECT_EQ(c.username, "1700000000");
  EXPECT_EQ(c.password, "3z+9BEYSnHO18pWIfIcjKNIH930=");
}

TEST(TurnServers, CredentialsInTheUri) {
  const TurnCredentials c{"1700000000", "ab/c+d="};
  struct Row {
    const char* uri;
    const char* expected;
  };
  const Row rows[] = {
      {"turn://10.0.0.1:3478", "turn://1700000000:ab%2Fc+d=@10.0.0.1:3478"},
      {"turns://turn.example.org", "turns://1700000000:ab%2Fc+d=@turn.example.org"},
      {"turn://10.0.0.1:3478?transport=tcp", "turn://1700000000:ab%2Fc+d=@10.0.0.1:3478?transport=tcp"},
      {"turn://u:p@10.0.0.1:3478", "turn://u:p@10.0.0.1:3478"},  // has its own
      {"not a uri", "not a uri"},
  };
  for (const Row& row : rows) EXPECT_EQ(with_turn_credentials(row.uri, c), row.expected) << row.uri;
}

}  // namespace
