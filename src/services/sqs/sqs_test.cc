// SQS unit tests: queues, attributes, messages, visibility, errors, MD5s,
// redrive, restart recovery. FIFO semantics are in sqs_fifo_test.cc.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "services/sqs/digest.h"
#include "services/sqs/test_helpers.h"

namespace nimbus::services::sqs::testing {
namespace {

using std::chrono::seconds;

TEST_F(SqsTest, CreateGetListDeleteQueue) {
  std::string url = create("orders");
  EXPECT_EQ(url, "http://localhost:4566/000000000000/orders");
  EXPECT_EQ(s(call("GetQueueUrl", {{"QueueName", "orders"}})["QueueUrl"]), url);
  create("orders-2");
  create("other");
  auto listed = call("ListQueues", {{"QueueNamePrefix", "ord"}});
  EXPECT_EQ(listed["QueueUrls"].as_array().size(), 2u);
  call("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_EQ(error_code("GetQueueUrl", {{"QueueName", "orders"}}), "QueueDoesNotExist");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}),
            "QueueDoesNotExist");
}

TEST_F(SqsTest, ListQueuesPages) {
  for (int i = 0; i < 5; ++i) create("q" + std::to_string(i));
  auto page = call("ListQueues", {{"MaxResults", 2}});
  EXPECT_EQ(page["QueueUrls"].as_array().size(), 2u);
  ASSERT_TRUE(page.contains("NextToken"));
  std::set<std::string> seen;
  for (auto& u : page["QueueUrls"].as_array()) seen.insert(s(u));
  while (page.contains("NextToken")) {
    page = call("ListQueues", {{"MaxResults", 2}, {"NextToken", page["NextToken"]}});
    for (auto& u : page["QueueUrls"].as_array()) seen.insert(s(u));
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(error_code("ListQueues", {{"MaxResults", 0}}), "InvalidParameterValue");
}

TEST_F(SqsTest, CreateIsIdempotentOnlyWithEqualAttributes) {
  std::string url = create("q", {{"VisibilityTimeout", "60"}});
  EXPECT_EQ(create("q", {{"VisibilityTimeout", "60"}}), url);
  EXPECT_EQ(create("q"), url);
  auto out =
      try_call("CreateQueue", {{"QueueName", "q"}, {"Attributes", {{"VisibilityTimeout", "61"}}}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "QueueNameExists");
  EXPECT_EQ(out.error().message,
            "A queue already exists with the same name and a different value for attribute "
            "VisibilityTimeout");
}

TEST_F(SqsTest, QueueNameRules) {
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", "bad name"}}), "InvalidParameterValue");
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", std::string(81, 'a')}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", "x.fifo"}}), "InvalidParameterValue");
  EXPECT_EQ(
      error_code("CreateQueue", {{"QueueName", "nofifo"}, {"Attributes", {{"FifoQueue", "true"}}}}),
      "InvalidParameterValue");
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", std::string(80, 'a')}}), "(ok)");
}

TEST_F(SqsTest, DefaultAttributes) {
  std::string url = create("q");
  auto a = call("GetQueueAttributes",
                {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}})["Attributes"]
               .as_object();
  EXPECT_EQ(s(a["VisibilityTimeout"]), "30");
  EXPECT_EQ(s(a["MaximumMessageSize"]), "1048576");  // AWS's default since 2025
  EXPECT_EQ(s(a["MessageRetentionPeriod"]), "345600");
  EXPECT_EQ(s(a["DelaySeconds"]), "0");
  EXPECT_EQ(s(a["ReceiveMessageWaitTimeSeconds"]), "0");
  EXPECT_EQ(s(a["ApproximateNumberOfMessages"]), "0");
  EXPECT_EQ(s(a["ApproximateNumberOfMessagesNotVisible"]), "0");
  EXPECT_EQ(s(a["ApproximateNumberOfMessagesDelayed"]), "0");
  EXPECT_EQ(s(a["QueueArn"]), "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(s(a["CreatedTimestamp"]), "1700000000");
  EXPECT_EQ(s(a["SqsManagedSseEnabled"]), "true");
  EXPECT_FALSE(a.contains("FifoQueue"));
}

TEST_F(SqsTest, AttributeValidation) {
  std::string url = create("q");
  struct Case {
    const char* name;
    const char* value;
    const char* code;
  } cases[] = {
      {"VisibilityTimeout", "43201", "InvalidAttributeValue"},
      {"VisibilityTimeout", "-1", "InvalidAttributeValue"},
      {"VisibilityTimeout", "abc", "InvalidAttributeValue"},
      {"DelaySeconds", "901", "InvalidAttributeValue"},
      {"MaximumMessageSize", "1023", "InvalidAttributeValue"},
      {"MaximumMessageSize", "1048577", "InvalidAttributeValue"},
      {"MessageRetentionPeriod", "59", "InvalidAttributeValue"},
      {"MessageRetentionPeriod", "1209601", "InvalidAttributeValue"},
      {"ReceiveMessageWaitTimeSeconds", "21", "InvalidAttributeValue"},
      {"Policy", "{not json", "InvalidAttributeValue"},
      {"RedrivePolicy", "{\"maxReceiveCount\":3}", "InvalidParameterValue"},
      {"RedriveAllowPolicy", "{\"redrivePermission\":\"sometimes\"}", "InvalidAttributeValue"},
      {"NoSuchAttribute", "1", "InvalidAttributeName"},
      {"QueueArn", "x", "InvalidAttributeName"},
      {"ContentBasedDeduplication", "true", "InvalidAttributeName"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(
        error_code("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{c.name, c.value}}}}),
        c.code)
        << c.name << "=" << c.value;
  }
  auto out = try_call("SetQueueAttributes",
                      {{"QueueUrl", url}, {"Attributes", {{"VisibilityTimeout", "99999"}}}});
  EXPECT_EQ(out.error().message, "Invalid value for the parameter VisibilityTimeout.");
  EXPECT_EQ(attr(url, "VisibilityTimeout"), "30");  // nothing changed

  clock.advance(seconds(10));
  call("SetQueueAttributes",
       {{"QueueUrl", url}, {"Attributes", {{"VisibilityTimeout", "5"}, {"DelaySeconds", "2"}}}});
  EXPECT_EQ(attr(url, "VisibilityTimeout"), "5");
  EXPECT_EQ(attr(url, "DelaySeconds"), "2");
  EXPECT_EQ(attr(url, "LastModifiedTimestamp"), "1700000010");
  EXPECT_EQ(error_code("GetQueueAttributes",
                       {{"QueueUrl", url}, {"AttributeNames", json::array{"Bogus"}}}),
            "InvalidAttributeName");
}

TEST_F(SqsTest, SendReceiveDeleteWithMd5s) {
  std::string url = create("q");
  // MD5 of the attributes below, computed by hand with Python's hashlib over
  // SQS's encoding (sorted names; u32be lengths; transport 1 = string):
  //   b'\0\0\0\x04City\0\0\0\x06String\x01\0\0\0\x08Any City'
  //   b'\0\0\0\x0aPopulation\0\0\0\x06Number\x01\0\0\0\x071250800'
  //   -> bf1eb494fecc925abadc71de4be9785c
  auto sent = send(url, "hello",
                   {{"MessageAttributes",
                     {{"Population", {{"DataType", "Number"}, {"StringValue", "1250800"}}},
                      {"City", {{"DataType", "String"}, {"StringValue", "Any City"}}}}}});
  EXPECT_EQ(s(sent["MD5OfMessageBody"]), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(s(sent["MD5OfMessageAttributes"]), "bf1eb494fecc925abadc71de4be9785c");
  EXPECT_EQ(s(sent["MessageId"]).size(), 36u);
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "1");

  auto got = receive(
      url, 10,
      {{"AttributeNames", json::array{"All"}}, {"MessageAttributeNames", json::array{"All"}}});
  ASSERT_EQ(got.size(), 1u);
  auto m = got[0].as_object();
  EXPECT_EQ(s(m["Body"]), "hello");
  EXPECT_EQ(s(m["MessageId"]), s(sent["MessageId"]));
  EXPECT_EQ(s(m["MD5OfBody"]), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(s(m["MD5OfMessageAttributes"]), "bf1eb494fecc925abadc71de4be9785c");
  EXPECT_EQ(s(m["MessageAttributes"].as_object()["City"].as_object()["StringValue"]), "Any City");
  auto attrs = m["Attributes"].as_object();
  EXPECT_EQ(s(attrs["ApproximateReceiveCount"]), "1");
  EXPECT_EQ(s(attrs["SentTimestamp"]), "1700000000000");
  EXPECT_EQ(s(attrs["ApproximateFirstReceiveTimestamp"]), "1700000000000");
  EXPECT_EQ(s(attrs["SenderId"]), "AKIDEXAMPLE");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "1");
  EXPECT_TRUE(receive(url).empty());

  call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", m["ReceiptHandle"]}});
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  // Deleting again with the same (latest) handle succeeds, as in SQS.
  call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", m["ReceiptHandle"]}});
}

TEST_F(SqsTest, Md5OfBinaryAndSystemAttributes) {
  std::vector<MessageAttribute> attrs = {{"bin", "Binary", std::string("\x00\x01\xff", 3), true},
                                         {"a", "String.custom", "x", false}};
  EXPECT_EQ(md5_of_attributes(attrs), "db87ea9117a7d3336fc29318eb219394");
  std::string url = create("q");
  auto sent = send(url, "x",
                   {{"MessageSystemAttributes",
                     {{"AWSTraceHeader",
                       {{"DataType", "String"},
                        {"StringValue",
                         "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;"
                         "Sampled=1"}}}}}});
  EXPECT_EQ(s(sent["MD5OfMessageSystemAttributes"]), "5ae4d5d7636402d80f4eb6d213245a88");
  auto got = receive(url, 1, {{"MessageSystemAttributeNames", json::array{"AWSTraceHeader"}}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].as_object()["Attributes"].as_object().contains("AWSTraceHeader"));
}

TEST_F(SqsTest, MessageAttributeSelection) {
  std::string url = create("q");
  send(url, "x",
       {{"MessageAttributes",
         {{"foo.a", {{"DataType", "String"}, {"StringValue", "1"}}},
          {"foo.b", {{"DataType", "String"}, {"StringValue", "2"}}},
          {"bar", {{"DataType", "Binary"}, {"BinaryValue", std::string("\x01\x02", 2)}}}}}});
  auto got = receive(url, 1, {{"MessageAttributeNames", json::array{"foo.*"}}});
  ASSERT_EQ(got.size(), 1u);
  auto ma = got[0].as_object()["MessageAttributes"].as_object();
  EXPECT_EQ(ma.size(), 2u);
  EXPECT_FALSE(ma.contains("bar"));
  std::vector<MessageAttribute> chosen = {{"foo.a", "String", "1", false},
                                          {"foo.b", "String", "2", false}};
  EXPECT_EQ(s(got[0].as_object()["MD5OfMessageAttributes"]), md5_of_attributes(chosen));
  EXPECT_FALSE(got[0].as_object().contains("Attributes"));
}

TEST_F(SqsTest, VisibilityTimeoutAndReceiptHandles) {
  std::string url = create("q", {{"VisibilityTimeout", "10"}});
  send(url, "a");
  auto first = receive(url);
  ASSERT_EQ(first.size(), 1u);
  std::string h1 = s(first[0].as_object()["ReceiptHandle"]);
  clock.advance(seconds(9));
  EXPECT_TRUE(receive(url).empty());
  clock.advance(seconds(1));
  auto second = receive(url, 1, {{"AttributeNames", json::array{"ApproximateReceiveCount"}}});
  ASSERT_EQ(second.size(), 1u);
  std::string h2 = s(second[0].as_object()["ReceiptHandle"]);
  EXPECT_NE(h1, h2);
  EXPECT_EQ(s(second[0].as_object()["Attributes"].as_object()["ApproximateReceiveCount"]), "2");
  // The first receive's handle is no longer valid.
  auto out = try_call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", h1}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "InvalidParameterValue");
  EXPECT_EQ(out.error().message, "Value " + h1 +
                                     " for parameter ReceiptHandle is invalid. Reason: The "
                                     "receipt handle has expired.");
  EXPECT_EQ(error_code("ChangeMessageVisibility",
                       {{"QueueUrl", url}, {"ReceiptHandle", h1}, {"VisibilityTimeout", 0}}),
            "InvalidParameterValue");
  // ChangeMessageVisibility to 0 makes it visible at once.
  call("ChangeMessageVisibility",
       {{"QueueUrl", url}, {"ReceiptHandle", h2}, {"VisibilityTimeout", 0}});
  auto third = receive(url);
  ASSERT_EQ(third.size(), 1u);
  // Extending works and keeps it hidden.
  std::string h3 = s(third[0].as_object()["ReceiptHandle"]);
  call("ChangeMessageVisibility",
       {{"QueueUrl", url}, {"ReceiptHandle", h3}, {"VisibilityTimeout", 100}});
  clock.advance(seconds(50));
  EXPECT_TRUE(receive(url).empty());
  EXPECT_EQ(error_code("ChangeMessageVisibility",
                       {{"QueueUrl", url}, {"ReceiptHandle", h3}, {"VisibilityTimeout", 43201}}),
            "InvalidParameterValue");
  // Per-receive visibility timeout.
  clock.advance(seconds(51));
  ASSERT_EQ(receive(url, 1, {{"VisibilityTimeout", 1}}).size(), 1u);
  clock.advance(seconds(1));
  EXPECT_EQ(receive(url).size(), 1u);
}

TEST_F(SqsTest, ReceiptHandleErrors) {
  std::string a = create("a");
  std::string b = create("b");
  send(a, "x");
  auto got = receive(a);
  std::string h = s(got[0].as_object()["ReceiptHandle"]);
  auto out = try_call("DeleteMessage", {{"QueueUrl", a}, {"ReceiptHandle", "garbage"}});
  EXPECT_EQ(out.error().code, "ReceiptHandleIsInvalid");
  EXPECT_EQ(out.error().message,
            "The input receipt handle \"garbage\" is not a valid receipt handle.");
  EXPECT_EQ(error_code("DeleteMessage", {{"QueueUrl", b}, {"ReceiptHandle", h}}),
            "ReceiptHandleIsInvalid");
  EXPECT_EQ(attr(a, "ApproximateNumberOfMessagesNotVisible"), "1");
}

TEST_F(SqsTest, DelayQueuesAndPerMessageDelay) {
  std::string url = create("q", {{"DelaySeconds", "5"}});
  send(url, "queue-delay");
  send(url, "no-delay", {{"DelaySeconds", 0}});
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesDelayed"), "1");
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "no-delay");
  clock.advance(seconds(5));
  got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "queue-delay");
  auto out =
      try_call("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}, {"DelaySeconds", 901}});
  EXPECT_EQ(out.error().code, "InvalidParameterValue");
  EXPECT_EQ(out.error().message,
            "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 "
            "and <= 900.");
}

TEST_F(SqsTest, RetentionExpiresMessages) {
  std::string url = create("q", {{"MessageRetentionPeriod", "60"}});
  send(url, "old");
  clock.advance(seconds(30));
  send(url, "new");
  clock.advance(seconds(31));
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "new");
}

TEST_F(SqsTest, OneMebibyteMessages) {
  // SQS's limit and default since 2025: MaximumMessageSize 1 MiB.
  std::string url = create("big");
  EXPECT_EQ(
      error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1048576, 'x')}}),
      "(ok)");
  EXPECT_EQ(
      error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1048577, 'x')}}),
      "InvalidParameterValue");
  auto got = receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]).size(), 1048576u);
  std::string small = create("small", {{"MaximumMessageSize", "262144"}});
  EXPECT_EQ(
      error_code("SendMessage", {{"QueueUrl", small}, {"MessageBody", std::string(262145, 'x')}}),
      "InvalidParameterValue");
}

TEST_F(SqsTest, BodyAndSizeValidation) {
  std::string url = create("q", {{"MaximumMessageSize", "1024"}});
  auto out = try_call("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string("a\x01", 2)}});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.error().code, "InvalidMessageContents");
  EXPECT_EQ(out.error().message,
            "Invalid binary character '#x1' was found in the message body, the set of allowed "
            "characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
            "#x10FFFF");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", "tab\tnewline\n é 😀"}}),
            "(ok)");
  out = try_call("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1025, 'x')}});
  EXPECT_EQ(out.error().code, "InvalidParameterValue");
  EXPECT_EQ(out.error().message,
            "One or more parameters are invalid. Reason: Message must be shorter than 1024 "
            "bytes.");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", std::string(1024, 'x')}}),
            "(ok)");
  // Attributes: bad type, empty value, too many, number that is not one.
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url},
                                       {"MessageBody", "x"},
                                       {"MessageAttributes",
                                        {{"a", {{"DataType", "Str"}, {"StringValue", "1"}}}}}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url},
                                       {"MessageBody", "x"},
                                       {"MessageAttributes",
                                        {{"a", {{"DataType", "String"}, {"StringValue", ""}}}}}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url},
                                       {"MessageBody", "x"},
                                       {"MessageAttributes",
                                        {{"a", {{"DataType", "Number"}, {"StringValue", "x1"}}}}}}),
            "InvalidParameterValue");
  json::object many;
  for (int i = 0; i < 11; ++i) {
    many["a" + std::to_string(i)] = json::object{{"DataType", "String"}, {"StringValue", "v"}};
  }
  EXPECT_EQ(error_code("SendMessage",
                       {{"QueueUrl", url}, {"MessageBody", "x"}, {"MessageAttributes", many}}),
            "InvalidParameterValue");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(SqsTest, ReceiveParameterValidation) {
  std::string url = create("q");
  auto out = try_call("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}});
  EXPECT_EQ(out.error().message,
            "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
            "and 10, if provided.");
  EXPECT_EQ(error_code("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 21}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("ReceiveMessage", {{"QueueUrl", url}, {"VisibilityTimeout", -1}}),
            "InvalidParameterValue");
}

TEST_F(SqsTest, BatchesAndPartialFailures) {
  std::string url = create("q");
  json::array entries;
  for (int i = 0; i < 10; ++i) {
    entries.push_back(
        {{"Id", "m" + std::to_string(i)}, {"MessageBody", "body" + std::to_string(i)}});
  }
  entries[3].as_object()["MessageBody"] = std::string("\x02", 1);
  auto out = call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  EXPECT_EQ(out["Successful"].as_array().size(), 9u);
  ASSERT_EQ(out["Failed"].as_array().size(), 1u);
  auto f = out["Failed"].as_array()[0].as_object();
  EXPECT_EQ(s(f["Id"]), "m3");
  EXPECT_EQ(s(f["Code"]), "InvalidMessageContents");
  EXPECT_TRUE(f["SenderFault"].as_bool());

  EXPECT_EQ(error_code("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{}}}),
            "EmptyBatchRequest");
  entries.push_back({{"Id", "m10"}, {"MessageBody", "x"}});
  auto too_many = try_call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
  EXPECT_EQ(too_many.error().code, "TooManyEntriesInBatchRequest");
  EXPECT_EQ(too_many.error().message,
            "Maximum number of entries per request are 10. You have sent 11.");
  EXPECT_EQ(error_code("SendMessageBatch",
                       {{"QueueUrl", url},
                        {"Entries", json::array{{{"Id", "a"}, {"MessageBody", "x"}},
                                                {{"Id", "a"}, {"MessageBody", "y"}}}}}),
            "BatchEntryIdsNotDistinct");
  EXPECT_EQ(error_code("SendMessageBatch",
                       {{"QueueUrl", url},
                        {"Entries", json::array{{{"Id", "a b"}, {"MessageBody", "x"}}}}}),
            "InvalidBatchEntryId");
  json::array big;
  for (int i = 0; i < 6; ++i) {  // each within 256 KiB, together over 1 MiB
    big.push_back({{"Id", "b" + std::to_string(i)}, {"MessageBody", std::string(200000, 'x')}});
  }
  EXPECT_EQ(error_code("SendMessageBatch", {{"QueueUrl", url}, {"Entries", big}}),
            "BatchRequestTooLong");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "9");

  auto got = receive(url, 10);
  EXPECT_EQ(got.size(), 9u);
  json::array del;
  json::array vis;
  for (size_t i = 0; i < got.size(); ++i) {
    auto h = got[i].as_object()["ReceiptHandle"];
    if (i < 5)
      del.push_back({{"Id", "d" + std::to_string(i)}, {"ReceiptHandle", h}});
    else
      vis.push_back(
          {{"Id", "v" + std::to_string(i)}, {"ReceiptHandle", h}, {"VisibilityTimeout", 0}});
  }
  del.push_back({{"Id", "bad"}, {"ReceiptHandle", "nope"}});
  auto d = call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", del}});
  EXPECT_EQ(d["Successful"].as_array().size(), 5u);
  ASSERT_EQ(d["Failed"].as_array().size(), 1u);
  EXPECT_EQ(s(d["Failed"].as_array()[0].as_object()["Code"]), "ReceiptHandleIsInvalid");
  auto v = call("ChangeMessageVisibilityBatch", {{"QueueUrl", url}, {"Entries", vis}});
  EXPECT_EQ(v["Successful"].as_array().size(), 4u);
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "4");
}

// The messages of a ReceiveMessage started with call_async, once it answers.
json::array answered(std::future<Output>& pending) {
  if (pending.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
    ADD_FAILURE() << "the long poll did not answer";
    return {};
  }
  auto out = pending.get();
  if (!out) {
    ADD_FAILURE() << out.error().code << ": " << out.error().message;
    return {};
  }
  return out->contains("Messages") ? out->at("Messages").as_array() : json::array{};
}

bool waiting(std::future<Output>& pending) {
  return pending.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout;
}

TEST_F(SqsTest, LongPollReturnsWhenAMessageArrives) {
  std::string url = create("q");
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}});
  EXPECT_TRUE(waiting(pending));
  send(url, "late");
  auto got = answered(pending);  // no time passed: the send woke it
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "late");
}

TEST_F(SqsTest, ShutdownAnswersWaitingLongPollsAtOnce) {
  std::string url = create("q");
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}});
  EXPECT_TRUE(waiting(pending));
  svc->begin_shutdown();
  EXPECT_TRUE(answered(pending).empty());
}

TEST_F(SqsTest, LongPollWakesWhenAnInFlightMessageTurnsVisible) {
  std::string url = create("q");
  send(url, "again");
  ASSERT_EQ(receive(url, 1, {{"VisibilityTimeout", 1}}).size(), 1u);
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 10}});
  EXPECT_TRUE(waiting(pending));
  clock.advance(seconds(1));
  EXPECT_EQ(answered(pending).size(), 1u);
}

TEST_F(SqsTest, LongPollTimesOutEmpty) {
  std::string url = create("q", {{"ReceiveMessageWaitTimeSeconds", "1"}});
  auto pending = call_async("ReceiveMessage", {{"QueueUrl", url}});  // the queue's default wait
  clock.advance(std::chrono::milliseconds(900));
  EXPECT_TRUE(waiting(pending));
  clock.advance(std::chrono::milliseconds(100));
  EXPECT_TRUE(answered(pending).empty());
}

TEST_F(SqsTest, RedriveToDeadLetterQueue) {
  std::string dlq = create("dlq");
  std::string src =
      create("src", {{"VisibilityTimeout", "1"},
                     {"RedrivePolicy",
                      "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\","
                      "\"maxReceiveCount\":\"2\"}"}});
  EXPECT_EQ(attr(src, "RedrivePolicy"),
            "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\","
            "\"maxReceiveCount\":2}");
  auto sent = send(src, "poison");
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(receive(src).size(), 1u);
    clock.advance(seconds(1));
  }
  EXPECT_TRUE(receive(src).empty());  // the third receive moves it instead
  // The move lands in the DLQ once durable; a short long poll waits for it.
  auto got = receive(dlq, 1, {{"AttributeNames", json::array{"All"}}, {"WaitTimeSeconds", 5}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["MessageId"]), s(sent["MessageId"]));
  EXPECT_EQ(s(got[0].as_object()["Attributes"].as_object()["DeadLetterQueueSourceArn"]),
            "arn:aws:sqs:us-east-1:000000000000:src");
  auto sources = call("ListDeadLetterSourceQueues", {{"QueueUrl", dlq}});
  ASSERT_EQ(sources["queueUrls"].as_array().size(), 1u);
  EXPECT_EQ(s(sources["queueUrls"].as_array()[0]), src);

  // A redrive policy naming a missing queue is refused.
  auto out = try_call("SetQueueAttributes",
                      {{"QueueUrl", src},
                       {"Attributes",
                        {{"RedrivePolicy",
                          "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:nope\","
                          "\"maxReceiveCount\":2}"}}}});
  EXPECT_EQ(out.error().code, "InvalidParameterValue");

  // Move it back with a message move task (once the DLQ receive's
  // visibility timeout is over).
  clock.advance(seconds(30));
  auto task =
      call("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:dlq"}});
  EXPECT_FALSE(s(task["TaskHandle"]).empty());
  EXPECT_TRUE(advance_until([&] { return attr(src, "ApproximateNumberOfMessages") == "1"; },
                            std::chrono::milliseconds(100)));
  EXPECT_EQ(attr(dlq, "ApproximateNumberOfMessages"), "0");
  auto tasks =
      call("ListMessageMoveTasks", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:dlq"}});
  ASSERT_EQ(tasks["Results"].as_array().size(), 1u);
  EXPECT_EQ(s(tasks["Results"].as_array()[0].as_object()["Status"]), "COMPLETED");
  EXPECT_EQ(
      error_code("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:src"}}),
      "InvalidParameterValue");
}

TEST_F(SqsTest, MoveTaskLooksPastMessagesWithNoSource) {
  std::string dlq = create("dlq");
  std::string src =
      create("src", {{"VisibilityTimeout", "1"},
                     {"RedrivePolicy",
                      "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:dlq\","
                      "\"maxReceiveCount\":\"1\"}"}});
  send(dlq, "sent to the DLQ directly");  // oldest, and no source to go back to
  send(src, "poison");
  ASSERT_EQ(receive(src).size(), 1u);
  clock.advance(seconds(1));
  EXPECT_TRUE(receive(src).empty());  // moves it to the DLQ
  EXPECT_TRUE(eventually([&] { return attr(dlq, "ApproximateNumberOfMessages") == "2"; }));
  // One message a tick: the stuck one must not use up the budget and end the task.
  call("StartMessageMoveTask", {{"SourceArn", "arn:aws:sqs:us-east-1:000000000000:dlq"},
                                {"MaxNumberOfMessagesPerSecond", 1}});
  EXPECT_TRUE(advance_until([&] { return attr(src, "ApproximateNumberOfMessages") == "1"; },
                            seconds(1), 10));
  EXPECT_EQ(attr(dlq, "ApproximateNumberOfMessages"), "1");
  auto got = receive(src);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].as_object()["Body"]), "poison");
}

TEST_F(SqsTest, PurgeAndTags) {
  std::string url = create("q");
  for (int i = 0; i < 3; ++i) send(url, "x");
  call("PurgeQueue", {{"QueueUrl", url}});
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "0");
  auto out = try_call("PurgeQueue", {{"QueueUrl", url}});
  EXPECT_EQ(out.error().code, "PurgeQueueInProgress");
  EXPECT_EQ(out.error().message, "Only one PurgeQueue operation on q is allowed every 60 seconds.");
  clock.advance(seconds(61));
  call("PurgeQueue", {{"QueueUrl", url}});
  send(url, "after");
  EXPECT_EQ(receive(url).size(), 1u);

  call("TagQueue", {{"QueueUrl", url}, {"Tags", {{"team", "a"}, {"env", "dev"}}}});
  call("UntagQueue", {{"QueueUrl", url}, {"TagKeys", json::array{"env"}}});
  auto tags = call("ListQueueTags", {{"QueueUrl", url}});
  EXPECT_EQ(tags["Tags"].as_object().size(), 1u);
  EXPECT_EQ(s(tags["Tags"].as_object()["team"]), "a");
}

TEST_F(SqsTest, QueueFromRequestPath) {
  std::string url = create("q");
  const Handler* h = svc->find("SendMessage");
  auto c = ctx("SendMessage");
  c.path = "/000000000000/q";
  std::promise<Output> p;
  (*h)(c, {{"MessageBody", "via path"}}, [&](Output o) { p.set_value(std::move(o)); });
  EXPECT_TRUE(p.get_future().get().is_ok());
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "1");
}

// The queue ARN each operation names for IAM (Service::resources), from
// QueueUrl, the request path, QueueName or a move task's source.
TEST_F(SqsTest, OperationsNameTheQueueTheyTouch) {
  const std::string arn = "arn:aws:sqs:us-east-1:000000000000:q";
  auto of = [&](const std::string& op, json::object in, std::string path = "/") {
    auto c = ctx(op);
    c.path = std::move(path);
    auto r = svc->resources(op, c, in);
    EXPECT_TRUE(r.has_value()) << op;
    return r.value_or(Resources{});
  };
  EXPECT_EQ(of("SendMessage", {{"QueueUrl", "http://localhost:4566/000000000000/q"}}),
            Resources{arn});
  EXPECT_EQ(of("ReceiveMessage", {}, "/000000000000/q"), Resources{arn});
  EXPECT_EQ(of("CreateQueue", {{"QueueName", "q"}}), Resources{arn});
  EXPECT_EQ(of("GetQueueUrl", {{"QueueName", "q"}, {"QueueOwnerAWSAccountId", "111122223333"}}),
            Resources{"arn:aws:sqs:us-east-1:111122223333:q"});
  EXPECT_EQ(of("StartMessageMoveTask", {{"SourceArn", arn}}), Resources{arn});
  EXPECT_TRUE(of("ListQueues", {}).empty());

  create("q");  // the dead-letter queue of src, so a move task may start from it
  create("src", {{"RedrivePolicy",
                  "{\"deadLetterTargetArn\":\"" + arn + "\",\"maxReceiveCount\":\"2\"}"}});
  auto task = call("StartMessageMoveTask", {{"SourceArn", arn}});
  EXPECT_EQ(of("CancelMessageMoveTask", {{"TaskHandle", task["TaskHandle"]}}), Resources{arn});
}

TEST_F(SqsTest, RetentionCountsSettleWithoutAReceive) {
  std::string url = create("q", {{"MessageRetentionPeriod", "60"}});
  send(url, "old");
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessages"), "0");
}

// The in-process interface other services use (SNS -> SQS, Lambda
// destinations and pollers): no JSON, no HTTP.
TEST_F(SqsTest, InProcessInterface) {
  std::string url = create("target");
  Queues& queues = svc->queues();
  auto q = queues.find("000000000000", "target");
  ASSERT_TRUE(q);
  EXPECT_EQ(queues.find_by_arn("arn:aws:sqs:us-east-1:000000000000:target"), q);
  SendRequest r;
  r.body = "from sns";
  r.attributes.push_back({"k", "String", "v", false});
  std::promise<std::vector<Result<SendResult>>> sent;
  queues.send(q, {r}, [&](std::vector<Result<SendResult>> out) { sent.set_value(std::move(out)); });
  auto results = sent.get_future().get();
  ASSERT_TRUE(results[0].is_ok());
  std::promise<Result<std::vector<Received>>> got;
  ReceiveRequest rr;
  rr.max_messages = 10;
  queues.receive(q, rr, [&](Result<std::vector<Received>> out) { got.set_value(std::move(out)); });
  auto received = got.get_future().get();
  ASSERT_TRUE(received.is_ok());
  ASSERT_EQ(received->size(), 1u);
  EXPECT_EQ((*received)[0].data->body, "from sns");
  EXPECT_EQ((*received)[0].data->md5_attributes, results[0]->md5_attributes);
  std::promise<std::vector<Status>> deleted;
  queues.delete_messages(q, {(*received)[0].receipt_handle},
                         [&](std::vector<Status> s) { deleted.set_value(std::move(s)); });
  EXPECT_TRUE(deleted.get_future().get()[0].is_ok());
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesNotVisible"), "0");
}

// Engine + storage throughput without HTTP or the protocol engine: several
// threads doing send(10) -> receive(10) -> delete(10) through the handlers,
// sync durability. Prints messages/s; run with --gtest_also_run_disabled_tests.
TEST_F(SqsTest, DISABLED_ThroughputInProcess) {
  std::string url = create("bench");
  const int kThreads =
      std::getenv("SQS_BENCH_THREADS") ? std::atoi(std::getenv("SQS_BENCH_THREADS")) : 16;
  const auto kFor = std::chrono::seconds(5);
  std::atomic<int64_t> moved{0};
  auto deadline = std::chrono::steady_clock::now() + kFor;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      json::array entries;
      for (int i = 0; i < 10; ++i) {
        entries.push_back({{"Id", std::to_string(i)}, {"MessageBody", std::string(256, 'x')}});
      }
      while (std::chrono::steady_clock::now() < deadline) {
        (void)try_call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
        auto out = try_call("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
        if (!out || !out->contains("Messages")) continue;
        json::array del;
        int i = 0;
        for (auto& m : (*out)["Messages"].as_array()) {
          del.push_back(
              {{"Id", std::to_string(i++)}, {"ReceiptHandle", m.as_object()["ReceiptHandle"]}});
        }
        (void)try_call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", del}});
        moved += i;
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(kFor).count();
  std::printf("in-process send->receive->delete: %.0f messages/s (%d threads, sync)\n",
              static_cast<double>(moved.load()) / secs, kThreads);
  EXPECT_GT(moved.load(), 0);
}

}  // namespace
}  // namespace nimbus::services::sqs::testing
