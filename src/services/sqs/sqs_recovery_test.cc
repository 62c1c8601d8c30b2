// SQS unit tests: what a restart recovers, and the data directories of
// earlier builds (the hex key layout before storage/key_codec.h).
#include <cinttypes>
#include <cstdio>
#include <set>

#include "services/sqs/codec.h"
#include "services/sqs/test_helpers.h"

namespace nimbus::services::sqs::testing {
namespace {

TEST_F(SqsTest, RestartRecoversQueuesMessagesAndInflightState) {
  std::string url = create("q", {{"VisibilityTimeout", "100"}});
  std::string other = create("gone");
  call("TagQueue", {{"QueueUrl", url}, {"Tags", {{"k", "v"}}}});
  for (int i = 0; i < 5; ++i) send(url, "m" + std::to_string(i));
  send(other, "orphan");
  call("DeleteQueue", {{"QueueUrl", other}});
  auto got = receive(url, 2);
  ASSERT_EQ(got.size(), 2u);
  std::string handle = s(got[0].as_object()["ReceiptHandle"]);
  std::string deleted = s(got[1].as_object()["ReceiptHandle"]);
  call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", deleted}});

  reopen();

  EXPECT_EQ(attr(url, "VisibilityTimeout"), "100");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "3");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_EQ(error_code("GetQueueUrl", {{"QueueName", "gone"}}), "QueueDoesNotExist");
  EXPECT_EQ(s(call("ListQueueTags", {{"QueueUrl", url}})["Tags"].as_object()["k"]), "v");
  // The receipt handle from before the restart still works.
  call("ChangeMessageVisibility",
       {{"QueueUrl", url}, {"ReceiptHandle", handle}, {"VisibilityTimeout", 0}});
  auto all = receive(url, 10, {{"AttributeNames", json::array{"ApproximateReceiveCount"}}});
  ASSERT_EQ(all.size(), 4u);
  std::set<std::string> bodies;
  for (auto& m : all) {
    bodies.insert(s(m.as_object()["Body"]));
    if (s(m.as_object()["Body"]) == "m0") {
      EXPECT_EQ(s(m.as_object()["Attributes"].as_object()["ApproximateReceiveCount"]), "2");
    }
  }
  EXPECT_EQ(bodies, (std::set<std::string>{"m0", "m2", "m3", "m4"}));
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

TEST_F(SqsTest, RecoveryMovesTheHexKeyLayoutToKeyCodec) {
  services.clear();  // stop SQS; the records below are written as an older build left them
  svc = nullptr;
  // A queue with one received message and one FIFO-less dedup-free message,
  // as a build before key_codec stored them.
  storage::WriteBatch old;
  old.put(codec::kNamespace, "Q000000000000/legacy",
          R"({"account":"000000000000","name":"legacy","id":7,"gen":7,"fifo":false,)"
          R"("created":1,"modified":1,"attrs":{"VisibilityTimeout":"30"},"tags":{"t":"v"}})");
  codec::Writer n;
  n.u64(7);
  old.put(codec::kNamespace, "N", n.take());
  for (uint64_t seq : {100, 101}) {
    MessageData m;
    m.id = "id-" + std::to_string(seq);
    m.body = "body-" + std::to_string(seq);
    m.md5_body = "x";
    m.seq = seq;
    m.sent_ms = clock.now_millis();
    old.put(codec::kNamespace, "M" + hex16(7) + hex16(seq), codec::encode_message(m, 0));
  }
  codec::ReceiveState st{1, clock.now_millis(), clock.now_millis() + 60000, 5};
  old.put(codec::kNamespace, "S" + hex16(7) + hex16(101), codec::encode_state(st));
  ASSERT_TRUE(storage->commit_sync(std::move(old)));

  reopen();
  std::string url = "http://localhost:4566/000000000000/legacy";
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "1");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_EQ(s(call("ListQueueTags", {{"QueueUrl", url}})["Tags"].as_object()["t"]), "v");
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "body-100");

  // Only key_codec keys are left, and a second start finds the same state.
  auto records = storage->records(codec::kNamespace);
  for (std::string_view prefix : codec::kLegacyPrefixes) {
    size_t n_old = 0;
    ASSERT_TRUE(records.each(prefix, [&](storage::Entry&) { ++n_old; }));
    EXPECT_EQ(n_old, 0u) << prefix;
  }
  reopen();
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "2");
}

}  // namespace
}  // namespace nimbus::services::sqs::testing
