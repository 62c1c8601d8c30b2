// http/https deliveries: the healthyRetryPolicy's phases and backoff
// functions, which policy applies, the confirmation envelope and headers.
#include "services/sns/http_delivery.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <thread>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/sns/signing.h"
#include "storage/test_dir.h"

namespace nimbus::services::sns {
namespace {

TEST(HttpRetryPolicy, AwsDefaultIsThreeRetriesTwentySecondsApart) {
  RetryPolicy p = retry_policy(nullptr, nullptr);
  EXPECT_EQ(p.delay_ms(1), 20'000);
  EXPECT_EQ(p.delay_ms(2), 20'000);
  EXPECT_EQ(p.delay_ms(3), 20'000);
  EXPECT_EQ(p.delay_ms(4), std::nullopt);
  EXPECT_EQ(p.delay_ms(0), std::nullopt);
}

TEST(HttpRetryPolicy, PhasesInOrder) {
  RetryPolicy p;
  p.min_delay_s = 1;
  p.max_delay_s = 9;
  p.num_retries = 9;
  p.num_no_delay_retries = 2;
  p.num_min_delay_retries = 2;
  p.num_max_delay_retries = 2;
  // 2 at once, 2 at the minimum, 3 backing off 1 → 9 s (linear), 2 at the maximum.
  std::vector<int64_t> want = {0, 0, 1000, 1000, 1000, 5000, 9000, 9000, 9000};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(p.delay_ms(int64_t(i) + 1), want[i]) << i;
  EXPECT_EQ(p.delay_ms(10), std::nullopt);
}

TEST(HttpRetryPolicy, BackoffFunctionsClimbFromMinToMax) {
  for (const char* f : {"linear", "arithmetic", "geometric", "exponential"}) {
    RetryPolicy p;
    p.min_delay_s = 1;
    p.max_delay_s = 100;
    p.num_retries = 5;
    p.backoff = f;
    EXPECT_EQ(p.delay_ms(1), 1000) << f;
    EXPECT_EQ(p.delay_ms(5), 100'000) << f;
    for (int n = 2; n <= 5; ++n) EXPECT_GT(*p.delay_ms(n), *p.delay_ms(n - 1)) << f << n;
  }
  RetryPolicy lin, geo;
  lin.min_delay_s = geo.min_delay_s = 1;
  lin.max_delay_s = geo.max_delay_s = 100;
  lin.num_retries = geo.num_retries = 5;
  geo.backoff = "geometric";
  EXPECT_LT(*geo.delay_ms(3), *lin.delay_ms(3));
}

TEST(HttpRetryPolicy, SubscriptionOverTopicUnlessOverridesAreDisabled) {
  Topic t;
  t.attributes["DeliveryPolicy"] =
      R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":3,"maxDelayTarget":3}}})";
  Subscription s;
  s.attributes["DeliveryPolicy"] =
      R"({"healthyRetryPolicy":{"numRetries":1,"minDelayTarget":7,"maxDelayTarget":7}})";
  EXPECT_EQ(retry_policy(nullptr, &t).delay_ms(5), 3000);
  EXPECT_EQ(retry_policy(&s, &t).delay_ms(1), 7000);
  EXPECT_EQ(retry_policy(&s, &t).delay_ms(2), std::nullopt);
  t.attributes["DeliveryPolicy"] =
      R"({"http":{"disableSubscriptionOverrides":true,"defaultHealthyRetryPolicy":{"numRetries":5,"minDelayTarget":3,"maxDelayTarget":3}}})";
  EXPECT_EQ(retry_policy(&s, &t).delay_ms(5), 3000);
}

TEST(HttpPolicy, ThrottleAndRequestPoliciesWithTheRetryPolicysPrecedence) {
  EXPECT_EQ(http_policy(nullptr, nullptr).max_receives_per_second, 0);
  EXPECT_EQ(http_policy(nullptr, nullptr).content_type, "text/plain; charset=UTF-8");
  Topic t;
  t.attributes["DeliveryPolicy"] =
      R"({"http":{"defaultThrottlePolicy":{"maxReceivesPerSecond":10},)"
      R"("defaultRequestPolicy":{"headerContentType":"application/json"}}})";
  Subscription s;
  EXPECT_EQ(http_policy(&s, &t).max_receives_per_second, 10);
  EXPECT_EQ(http_policy(&s, &t).content_type, "application/json");
  s.attributes["DeliveryPolicy"] = R"({"throttlePolicy":{"maxReceivesPerSecond":2},)"
                                   R"("requestPolicy":{"headerContentType":"text/xml"}})";
  EXPECT_EQ(http_policy(&s, &t).max_receives_per_second, 2);
  EXPECT_EQ(http_policy(&s, &t).content_type, "text/xml");
  EXPECT_EQ(http_policy(&s, nullptr).max_receives_per_second, 2);
  t.attributes["DeliveryPolicy"] = R"({"http":{"disableSubscriptionOverrides":true,)"
                                   R"("defaultThrottlePolicy":{"maxReceivesPerSecond":10}}})";
  EXPECT_EQ(http_policy(&s, &t).max_receives_per_second, 10);
  EXPECT_EQ(http_policy(&s, &t).content_type, "text/plain; charset=UTF-8");
  // Values a header cannot carry, or no throttle at all, keep the defaults.
  s.attributes["DeliveryPolicy"] = R"({"throttlePolicy":{"maxReceivesPerSecond":0},)"
                                   R"("requestPolicy":{"headerContentType":"a
X-Evil: 1"}})";
  EXPECT_EQ(http_policy(&s, nullptr).max_receives_per_second, 0);
  EXPECT_EQ(http_policy(&s, nullptr).content_type, "text/plain; charset=UTF-8");
}

TEST(HttpPolicy, JitterAddsUpToATenth) {
  EXPECT_EQ(with_jitter(0, 0.5), 0);
  EXPECT_EQ(with_jitter(20'000, 0.0), 20'000);
  EXPECT_EQ(with_jitter(20'000, 0.5), 21'000);
  EXPECT_LE(with_jitter(20'000, 0.999999), 22'000);
  EXPECT_EQ(with_jitter(20'000, 7.0), 22'000);  // out of range: clamped
}

TEST(HttpDelivery, ConfirmationEnvelopeAndHeaders) {
  Subscription s;
  s.arn = "arn:aws:sns:us-east-1:000000000000:t:abc";
  s.topic_arn = "arn:aws:sns:us-east-1:000000000000:t";
  auto body = confirmation_envelope(kSubscriptionConfirmation, s, "mid", "tok", 0,
                                    Rendering{"http://127.0.0.1:4566"});
  auto o = parse_object(body);
  ASSERT_TRUE(o);
  EXPECT_EQ(str(*o, "Type"), "SubscriptionConfirmation");
  EXPECT_EQ(str(*o, "Token"), "tok");
  EXPECT_EQ(str(*o, "Timestamp"), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(str(*o, "SubscribeURL"), "http://127.0.0.1:4566/?Action=ConfirmSubscription&TopicArn=" +
                                         s.topic_arn + "&Token=tok");
  auto h = delivery_headers(kSubscriptionConfirmation, "mid", s.topic_arn, s.arn, true);
  for (const auto& [n, v] : h) {
    EXPECT_NE(n, "x-amz-sns-subscription-arn");
    EXPECT_NE(n, "x-amz-sns-rawdelivery");
  }
  h = delivery_headers(kNotification, "mid", s.topic_arn, s.arn, true);
  EXPECT_EQ(h[3], (std::pair<std::string, std::string>{"x-amz-sns-subscription-arn", s.arn}));
  EXPECT_EQ(h[4], (std::pair<std::string, std::string>{"x-amz-sns-rawdelivery", "true"}));
  // The requestPolicy's headerContentType is for Notifications only.
  h = delivery_headers(kNotification, "mid", s.topic_arn, s.arn, false, "application/json");
  EXPECT_EQ(h.back(), (std::pair<std::string, std::string>{"Content-Type", "application/json"}));
  h = delivery_headers(kSubscriptionConfirmation, "mid", s.topic_arn, s.arn, false,
                       "application/json");
  EXPECT_EQ(h.back().second, "text/plain; charset=UTF-8");
}

// Verifies `sig_b64` over `text` with the certificate's public key.
bool verifies(const std::string& cert_pem, const std::string& text, const std::string& sig_b64,
              int version) {
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (x == nullptr) return false;
  EVP_PKEY* key = X509_get0_pubkey(x);
  auto sig = base64_decode(sig_b64).value_or("");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, version == 2 ? EVP_sha256() : EVP_sha1(), nullptr,
                                 key) > 0 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  X509_free(x);
  return ok;
}

TEST(Signing, SignedConfirmationVerifiesWithTheCertificate) {
  auto signer = Signer::open("");
  ASSERT_TRUE(signer.is_ok());
  Subscription s;
  s.arn = "arn:aws:sns:us-east-1:000000000000:t:abc";
  s.topic_arn = "arn:aws:sns:us-east-1:000000000000:t";
  for (int version : {1, 2}) {
    Rendering r{"http://h:1"};
    r.signer = signer->get();
    r.signature_version = version;
    auto o = parse_object(confirmation_envelope(kSubscriptionConfirmation, s, "mid", "tok", 0, r));
    ASSERT_TRUE(o);
    EXPECT_EQ(str(*o, "SignatureVersion"), std::to_string(version));
    EXPECT_EQ(str(*o, "SigningCertURL"), std::string("http://h:1") + kSigningCertPath);
    std::string canonical;
    for (const char* k :
         {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}) {
      canonical += std::string(k) + "\n" + str(*o, k) + "\n";
    }
    EXPECT_TRUE(verifies((*signer)->certificate_pem(), canonical, str(*o, "Signature"), version));
    EXPECT_FALSE(
        verifies((*signer)->certificate_pem(), canonical + "x", str(*o, "Signature"), version));
  }
}

TEST(Signing, AFreshDirectorysKeyIsStoredAndLoadedReadyOnTheNextStart) {
  storage::testing::TempDir dir("nimbus-sns");
  std::string cert;
  {
    auto made = Signer::open(dir.path());
    ASSERT_TRUE(made.is_ok());
    cert = (*made)->certificate_pem();  // waits for the key
    ASSERT_FALSE(cert.empty());
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/sns/signing-key.pem"));
  auto loaded = Signer::open(dir.path());
  ASSERT_TRUE(loaded.is_ok());
  EXPECT_TRUE((*loaded)->ready());
  EXPECT_EQ((*loaded)->certificate_pem(), cert);
  EXPECT_TRUE(verifies(cert, "Message\nhello\n", (*loaded)->sign("Message\nhello\n", 2), 2));
}

TEST(Signing, WorkDeferredUntilTheKeyIsMadeRunsInOrderAndCanSign) {
  storage::testing::TempDir dir("nimbus-sns");
  auto signer = Signer::open(dir.path());
  ASSERT_TRUE(signer.is_ok());
  Signer& s = **signer;
  std::vector<int> order;
  std::string signature;
  std::promise<void> done;
  for (int i = 0; i < 4; ++i) {
    s.when_ready([&, i] {
      order.push_back(i);
      if (i == 3) {
        signature = s.sign("Message\nx\n", 1);  // on the key's thread: must not wait on itself
        done.set_value();
      }
    });
  }
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(verifies(s.certificate_pem(), "Message\nx\n", signature, 1));
  // ready() once the key's thread has run what was deferred (just after the
  // last callback returns); from then on when_ready() runs its work at once.
  for (int i = 0; i < 10000 && !s.ready(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(s.ready());
  auto inline_run = std::make_shared<bool>(false);
  s.when_ready([inline_run] { *inline_run = true; });
  EXPECT_TRUE(*inline_run);
}

TEST(Signing, AStoredKeyThatCannotBeReadFailsTheOpen) {
  storage::testing::TempDir dir("nimbus-sns");
  std::filesystem::create_directories(dir.path() + "/sns");
  std::ofstream(dir.path() + "/sns/signing-key.pem") << "not a key";
  std::ofstream(dir.path() + "/" + kSigningCertFile) << "not a certificate";
  EXPECT_FALSE(Signer::open(dir.path()).is_ok());
}

}  // namespace
}  // namespace nimbus::services::sns
