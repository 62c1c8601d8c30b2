// SQS FIFO queues: order within a group, in-flight group locking,
// deduplication, sequence numbers, parameter rules, restart.
#include "services/sqs/test_helpers.h"

namespace nimbus::services::sqs::testing {
namespace {

using std::chrono::seconds;

class FifoTest : public SqsTest {
 protected:
  std::string fifo(const std::string& name, json::object attrs = {}) {
    attrs["FifoQueue"] = "true";
    return create(name, std::move(attrs));
  }
  json::object put(const std::string& url, const std::string& body, const std::string& group,
                   const std::string& dedup = "") {
    json::object extra{{"MessageGroupId", group}};
    extra["MessageDeduplicationId"] = dedup.empty() ? body : dedup;
    return send(url, body, std::move(extra));
  }
};

TEST_F(FifoTest, AttributesOfAFifoQueue) {
  std::string url = fifo("q.fifo");
  auto a = call("GetQueueAttributes",
                {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}})["Attributes"]
               .as_object();
  EXPECT_EQ(s(a["FifoQueue"]), "true");
  EXPECT_EQ(s(a["ContentBasedDeduplication"]), "false");
  EXPECT_EQ(s(a["DeduplicationScope"]), "queue");
  EXPECT_EQ(s(a["FifoThroughputLimit"]), "perQueue");
  call("SetQueueAttributes",
       {{"QueueUrl", url},
        {"Attributes",
         {{"DeduplicationScope", "messageGroup"}, {"FifoThroughputLimit", "perMessageGroupId"}}}});
  EXPECT_EQ(attr(url, "FifoThroughputLimit"), "perMessageGroupId");
  EXPECT_EQ(error_code("SetQueueAttributes",
                       {{"QueueUrl", url}, {"Attributes", {{"DeduplicationScope", "nope"}}}}),
            "InvalidAttributeValue");
}

TEST_F(FifoTest, OrderWithinAGroupAndGroupLocking) {
  std::string url = fifo("q.fifo");
  for (int i = 0; i < 3; ++i) put(url, "a" + std::to_string(i), "A");
  for (int i = 0; i < 3; ++i) put(url, "b" + std::to_string(i), "B");
  auto first = receive(url, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(s(first[0].as_object()["Body"]), "a0");
  EXPECT_EQ(s(first[1].as_object()["Body"]), "a1");
  // Group A is locked while a0/a1 are in flight; B is served.
  auto second = receive(url, 10);
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(s(second[0].as_object()["Body"]), "b0");
  EXPECT_EQ(s(second[2].as_object()["Body"]), "b2");
  EXPECT_TRUE(receive(url).empty());
  for (auto& m : first)
    call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", m.as_object()["ReceiptHandle"]}});
  auto third = receive(url, 10);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(s(third[0].as_object()["Body"]), "a2");
}

TEST_F(FifoTest, VisibilityExpiryRedeliversInOrder) {
  std::string url = fifo("q.fifo", {{"VisibilityTimeout", "5"}});
  for (int i = 0; i < 3; ++i) put(url, "m" + std::to_string(i), "g");
  auto first = receive(url, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(receive(url).empty());
  clock.advance(seconds(5));
  auto again = receive(url, 10, {{"AttributeNames", json::array{"All"}}});
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(s(again[0].as_object()["Body"]), "m0");
  auto attrs = again[0].as_object()["Attributes"].as_object();
  EXPECT_EQ(s(attrs["ApproximateReceiveCount"]), "2");
  EXPECT_EQ(s(attrs["MessageGroupId"]), "g");
  EXPECT_EQ(s(attrs["MessageDeduplicationId"]), "m0");
  EXPECT_EQ(s(attrs["SequenceNumber"]).size(), 20u);
}

TEST_F(FifoTest, DeduplicationWithinFiveMinutes) {
  std::string url = fifo("q.fifo");
  auto a = put(url, "x", "g", "d1");
  auto b = put(url, "x", "g", "d1");
  EXPECT_EQ(s(a["MessageId"]), s(b["MessageId"]));
  EXPECT_EQ(s(a["SequenceNumber"]), s(b["SequenceNumber"]));
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "1");
  clock.advance(seconds(301));
  auto c = put(url, "x", "g", "d1");
  EXPECT_NE(s(a["MessageId"]), s(c["MessageId"]));
  EXPECT_GT(s(c["SequenceNumber"]), s(a["SequenceNumber"]));
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(FifoTest, ContentBasedDeduplication) {
  std::string url = fifo("q.fifo", {{"ContentBasedDeduplication", "true"}});
  auto a = send(url, "same", {{"MessageGroupId", "g"}});
  auto b = send(url, "same", {{"MessageGroupId", "g"}});
  EXPECT_EQ(s(a["MessageId"]), s(b["MessageId"]));
  auto got = receive(url, 1, {{"AttributeNames", json::array{"MessageDeduplicationId"}}});
  ASSERT_EQ(got.size(), 1u);
  // SHA-256 of "same".
  EXPECT_EQ(s(got[0].as_object()["Attributes"].as_object()["MessageDeduplicationId"]).size(), 64u);
}

TEST_F(FifoTest, DeduplicationScopeMessageGroup) {
  std::string url = fifo("q.fifo", {{"DeduplicationScope", "messageGroup"}});
  put(url, "x", "g1", "d");
  put(url, "x", "g2", "d");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(FifoTest, ParameterRules) {
  std::string url = fifo("q.fifo");
  auto out = try_call("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}});
  EXPECT_EQ(out.error().code, "MissingParameter");
  EXPECT_EQ(out.error().message, "The request must contain the parameter MessageGroupId.");
  out = try_call("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(out.error().code, "InvalidParameterValue");
  EXPECT_EQ(out.error().message,
            "The queue should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url},
                                       {"MessageBody", "x"},
                                       {"MessageGroupId", "g"},
                                       {"MessageDeduplicationId", "d"},
                                       {"DelaySeconds", 5}}),
            "InvalidParameterValue");
  std::string standard = create("std");
  out = try_call("SendMessage",
                 {{"QueueUrl", standard}, {"MessageBody", "x"}, {"MessageGroupId", "g"}});
  EXPECT_EQ(out.error().message,
            "Value g for parameter MessageGroupId is invalid. Reason: The request include "
            "parameter that is not valid for this queue type.");
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", "std2"},
                                       {"Attributes", {{"ContentBasedDeduplication", "true"}}}}),
            "InvalidAttributeName");
}

TEST_F(FifoTest, FifoRedriveNeedsAFifoDeadLetterQueue) {
  create("std-dlq");
  auto out = try_call("CreateQueue",
                      {{"QueueName", "src.fifo"},
                       {"Attributes",
                        {{"FifoQueue", "true"},
                         {"RedrivePolicy",
                          "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:std-dlq\","
                          "\"maxReceiveCount\":1}"}}}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "InvalidParameterValue");
}

TEST_F(FifoTest, SequenceNumbersGrowAndSurviveRestart) {
  std::string url = fifo("q.fifo");
  auto a = put(url, "1", "g");
  auto b = put(url, "2", "g");
  EXPECT_LT(s(a["SequenceNumber"]), s(b["SequenceNumber"]));
  reopen();
  // Deduplication entries survive the restart too.
  auto dup = put(url, "2", "g");
  EXPECT_EQ(s(dup["MessageId"]), s(b["MessageId"]));
  auto c = put(url, "3", "g");
  EXPECT_LT(s(b["SequenceNumber"]), s(c["SequenceNumber"]));
  auto got = receive(url, 10);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "1");
  EXPECT_EQ(s(got[2].as_object()["Body"]), "3");
}

}  // namespace
}  // namespace nimbus::services::sqs::testing
