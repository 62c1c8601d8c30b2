#include "events/sqs_event.h"

#include <gtest/gtest.h>

#include "events/mappings.h"
#include "events/pattern.h"

namespace nimbus::events {
namespace {

namespace json = boost::json;

QueueMessage message(std::string body, std::string group = {}) {
  QueueMessage r;
  r.id = "059f36b4-87a3-44ab-83d2-661975830a7d";
  r.body = std::move(body);
  r.md5_body = "e4e68fb7bd0e697a0ae8f1bb342846b3";
  r.sender_id = "AIDAIENQZJOLO23YVJ4VO";
  r.sent_ms = 1545082649183;
  r.group_id = std::move(group);
  if (!r.group_id.empty()) {
    r.dedup_id = "dedup-1";
    r.sequence_number = "00000000000000000042";
  }
  r.receipt_handle = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a";
  r.receive_count = 2;
  r.first_receive_ms = 1545082649185;
  return r;
}

TEST(SqsEvent, RecordHasLambdasFields) {
  auto m = message("{\"foo\": 2}");
  m.attributes = {Attribute{"bin", "Binary", std::string("\x01\x02", 2), true},
                  Attribute{"req-id", "String", "24479a02", false}};
  m.md5_attributes = "d25a6aea97eb8f585bfa92d314504a92";
  auto r = sqs_record(m, "arn:aws:sqs:us-east-2:123456789012:my-queue", "us-east-2");
  EXPECT_EQ(r.at("messageId"), "059f36b4-87a3-44ab-83d2-661975830a7d");
  EXPECT_EQ(r.at("receiptHandle"), "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a");
  EXPECT_EQ(r.at("body"), "{\"foo\": 2}");
  EXPECT_EQ(r.at("md5OfBody"), "e4e68fb7bd0e697a0ae8f1bb342846b3");
  EXPECT_EQ(r.at("md5OfMessageAttributes"), "d25a6aea97eb8f585bfa92d314504a92");
  EXPECT_EQ(r.at("eventSource"), "aws:sqs");
  EXPECT_EQ(r.at("eventSourceARN"), "arn:aws:sqs:us-east-2:123456789012:my-queue");
  EXPECT_EQ(r.at("awsRegion"), "us-east-2");
  const auto& a = r.at("attributes").as_object();
  EXPECT_EQ(a.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(a.at("SentTimestamp"), "1545082649183");
  EXPECT_EQ(a.at("SenderId"), "AIDAIENQZJOLO23YVJ4VO");
  EXPECT_EQ(a.at("ApproximateFirstReceiveTimestamp"), "1545082649185");
  EXPECT_FALSE(a.contains("MessageGroupId"));
  EXPECT_EQ(a.size(), 4u);
  const auto& ma = r.at("messageAttributes").as_object();
  EXPECT_EQ(json::serialize(ma.at("req-id")),
            R"({"stringValue":"24479a02","stringListValues":[],"binaryListValues":[],)"
            R"("dataType":"String"})");
  EXPECT_EQ(ma.at("bin").at("binaryValue"), "AQI=");
  EXPECT_EQ(ma.at("bin").at("dataType"), "Binary");
  EXPECT_FALSE(ma.at("bin").as_object().contains("stringValue"));
}

TEST(SqsEvent, FifoRecordsCarryGroupDedupAndSequence) {
  auto r = sqs_record(message("x", "g1"), "arn:aws:sqs:us-east-1:1:q.fifo", "us-east-1");
  const auto& a = r.at("attributes").as_object();
  EXPECT_EQ(a.at("MessageGroupId"), "g1");
  EXPECT_EQ(a.at("MessageDeduplicationId"), "dedup-1");
  EXPECT_EQ(a.at("SequenceNumber"), "00000000000000000042");
  EXPECT_FALSE(r.contains("md5OfMessageAttributes"));
  EXPECT_TRUE(r.at("messageAttributes").as_object().empty());
}

TEST(SqsEvent, FiltersSeeJsonBodiesAsJsonAndOthersAsText) {
  auto json_body = filter_view(sqs_record(message(R"({"kind":"keep","n":5})"), "a", "r"));
  auto text_body = filter_view(sqs_record(message("keep"), "a", "r"));
  auto by_field = EventPattern::parse(R"({"body":{"kind":["keep"]}})");
  auto by_text = EventPattern::parse(R"({"body":["keep"]})");
  auto numeric = EventPattern::parse(R"({"body":{"n":[{"numeric":[">",3]}]}})");
  ASSERT_TRUE(by_field && by_text && numeric);
  EXPECT_TRUE(by_field->matches(json_body));
  EXPECT_FALSE(by_field->matches(text_body));
  EXPECT_TRUE(by_text->matches(text_body));
  EXPECT_FALSE(by_text->matches(json_body));
  EXPECT_TRUE(numeric->matches(json_body));
  auto attr = EventPattern::parse(R"({"attributes":{"ApproximateReceiveCount":["2"]}})");
  ASSERT_TRUE(attr);
  EXPECT_TRUE(attr->matches(text_body));
}

TEST(SqsEvent, BatchResponses) {
  std::set<std::string> ids = {"a", "b", "c"};
  auto all_ok = std::set<std::string>{};
  EXPECT_EQ(failed_items("", ids), all_ok);
  EXPECT_EQ(failed_items("null", ids), all_ok);
  EXPECT_EQ(failed_items("{}", ids), all_ok);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":null})", ids), all_ok);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[]})", ids), all_ok);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[{"itemIdentifier":"b"}]})", ids),
            std::set<std::string>{"b"});
  // Lambda's rules for a batch that failed as a whole.
  EXPECT_EQ(failed_items("not json", ids), std::nullopt);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[{"itemIdentifier":""}]})", ids), std::nullopt);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[{"itemIdentifier":null}]})", ids), std::nullopt);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[{"id":"a"}]})", ids), std::nullopt);
  EXPECT_EQ(failed_items(R"({"batchItemFailures":[{"itemIdentifier":"zz"}]})", ids), std::nullopt);
}

TEST(MappingConfig, ReadsTheStoredDocument) {
  auto doc = boost::json::parse(R"({"UUID":"u","EventSourceArn":"arn:aws:sqs:us-east-1:1:q",
    "BatchSize":100,"MaximumBatchingWindowInSeconds":3,
    "FunctionResponseTypes":["ReportBatchItemFailures"],
    "ScalingConfig":{"MaximumConcurrency":2},
    "FilterCriteria":{"Filters":[{"Pattern":"{\"body\":{\"k\":[\"v\"]}}"}]}})")
                 .as_object();
  auto c = poller_config(doc, "eu-west-1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->batch_size, 100);
  EXPECT_EQ(c->window_seconds, 3);
  EXPECT_TRUE(c->report_failures);
  EXPECT_EQ(c->max_concurrency, 2);
  EXPECT_EQ(c->region, "eu-west-1");
  ASSERT_EQ(c->filters.size(), 1u);
  doc["FilterCriteria"] = boost::json::parse(R"({"Filters":[{"Pattern":"{bad"}]})");
  EXPECT_FALSE(poller_config(doc, "eu-west-1"));
}

}  // namespace
}  // namespace nimbus::events
