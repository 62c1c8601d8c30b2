// The key sets of OpenID issuers (jwks.h) against the project's own
// http::Server as the issuer, on the simulated clock: discovery then
// jwks_uri, a set kept an hour, an unknown kid fetched again at most once a
// minute (a rotated key is found), and an issuer that cannot be read.
#include "auth/jwks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "http/server.h"

namespace nimbus::auth {
namespace {

class JwksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    server_ = std::make_unique<http::Server>(o, [this](http::Request r, http::Reply reply) {
      http::Response out;
      std::string path(r.path());
      if (down_) {
        out.status = 503;
      } else if (path == "/tenant/.well-known/openid-configuration") {
        out.body = R"({"issuer":")" + issuer_ + R"(","jwks_uri":")" + issuer_ + R"(/keys"})";
      } else if (path == "/tenant/keys") {
        ++fetches_;
        out.body = R"({"keys":[{"kty":"RSA","use":"sig","kid":")" + std::string(kid_) +
                   R"(","n":"AQAB","e":"AQAB"},{"kty":"EC","kid":"ec","x":"a","y":"b"}]})";
      } else {
        out.status = 404;
      }
      reply(std::move(out));
    });
    auto port = server_->start();
    ASSERT_TRUE(port.is_ok());
    issuer_ = "http://127.0.0.1:" + std::to_string(*port) + "/tenant";
  }
  void TearDown() override { server_->stop(); }

  KeyLookup lookup(const std::string& kid) {
    std::promise<KeyLookup> p;
    cache_.key(issuer_ + "/", kid, [&p](KeyLookup k) { p.set_value(std::move(k)); });
    return p.get_future().get();
  }

  SimulatedClock clock_;
  JwksCache cache_{clock_};
  std::unique_ptr<http::Server> server_;
  std::string issuer_;
  std::atomic<int> fetches_{0};
  std::atomic<const char*> kid_{"k1"};
  std::atomic<bool> down_{false};
};

TEST_F(JwksTest, SetsAreDiscoveredKeptAnHourAndFetchedAgainForARotatedKey) {
  auto found = lookup("k1");
  ASSERT_TRUE(found.key) << found.reason;
  EXPECT_EQ(found.key->kid, "k1");
  EXPECT_EQ(fetches_, 1);
  EXPECT_TRUE(lookup("k1").key);
  EXPECT_TRUE(lookup("").key);  // a set's only signing key (the EC key is skipped)
  EXPECT_EQ(fetches_, 1);

  kid_ = "k2";  // the issuer rotates its key
  auto unknown = lookup("k2");
  EXPECT_FALSE(unknown.key);
  EXPECT_FALSE(unknown.unavailable);
  EXPECT_EQ(unknown.reason, "the token's signing key is not known");
  EXPECT_EQ(fetches_, 1);  // not within a minute of the last fetch
  clock_.advance(std::chrono::seconds(61));
  EXPECT_TRUE(lookup("k2").key);
  EXPECT_EQ(fetches_, 2);

  clock_.advance(std::chrono::minutes(59));
  EXPECT_TRUE(lookup("k2").key);
  EXPECT_EQ(fetches_, 2);
  clock_.advance(std::chrono::minutes(2));
  EXPECT_TRUE(lookup("k2").key);
  EXPECT_EQ(fetches_, 3);  // kept an hour
}

TEST_F(JwksTest, AnIssuerThatCannotBeReadIsUnavailable) {
  down_ = true;
  auto k = lookup("k1");
  EXPECT_FALSE(k.key);
  EXPECT_TRUE(k.unavailable);
  EXPECT_EQ(k.reason, "the issuer's keys could not be read");
  down_ = false;
  EXPECT_TRUE(lookup("k1").key);  // a failure is not kept
}

}  // namespace
}  // namespace nimbus::auth
