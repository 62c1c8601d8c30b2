// The output side against the real embedded AWS models: the wire details
// clients rely on beyond botocore's generic protocol cases (legacy query
// codes, query-compatible JSON, Lambda and S3 error shapes, S3 roots, HEAD).
#include <gtest/gtest.h>

#include "common/json_fragment.h"
#include "protocol/engine.h"
#include "protocol/model.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol {
namespace {

const ModelRegistry& models() {
  static const ModelRegistry registry(
      {"sqs", "sts", "lambda", "s3", "kinesis", "dynamodb", "cloudwatch"});
  return registry;
}

Call call_for(std::string_view service, std::string_view operation, Protocol protocol) {
  Call c;
  c.service = models().by_name(service);
  c.operation = c.service->operation(operation);
  c.protocol = protocol;
  c.service_name = service;
  c.operation_name = operation;
  return c;
}

TEST(SerializeOutput, StsGetCallerIdentityQuery) {
  auto c = call_for("sts", "GetCallerIdentity", Protocol::kQuery);
  boost::json::object out{{"Account", "000000000000"},
                          {"Arn", "arn:aws:iam::000000000000:root"},
                          {"UserId", "AKIA<&>"}};
  auto r = serialize_output(c, out, "rid-1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("x-amzn-RequestId"), "rid-1");
  EXPECT_EQ(r.header("Content-Type"), "text/xml");
  EXPECT_NE(r.body.find("<GetCallerIdentityResponse "
                        "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                        "<GetCallerIdentityResult>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<UserId>AKIA&lt;&amp;&gt;</UserId>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>"),
            std::string::npos);
}

TEST(SerializeOutput, SqsReceiveMessageQueryFlattensAndJsonUsesMemberNames) {
  boost::json::object msg{{"MessageId", "m1"},
                          {"Body", "hi"},
                          {"Attributes", boost::json::object{{"SentTimestamp", "1"}}}};
  boost::json::object out{{"Messages", boost::json::array{msg}}};
  auto q = serialize_output(call_for("sqs", "ReceiveMessage", Protocol::kQuery), out, "r");
  EXPECT_NE(q.body.find("<ReceiveMessageResult><Message><MessageId>m1</MessageId>"),
            std::string::npos)
      << q.body;
  EXPECT_NE(q.body.find("<Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>"),
            std::string::npos)
      << q.body;
  auto j = serialize_output(call_for("sqs", "ReceiveMessage", Protocol::kJson10), out, "r");
  EXPECT_EQ(j.header("Content-Type"), "application/x-amz-json-1.0");
  auto body = boost::json::parse(j.body).as_object();
  ASSERT_TRUE(body.contains("Messages")) << j.body;
  EXPECT_EQ(body["Messages"].as_array()[0].as_object()["Attributes"].as_object()["SentTimestamp"],
            "1");
}

TEST(SerializeError, SqsLegacyCodeOverQueryAndJson) {
  const auto* sqs = models().by_name("sqs");
  auto e = Error::make("QueueDoesNotExist", "The specified queue does not exist.");
  auto q = serialize_error(Protocol::kQuery, sqs, false, e, "r");
  EXPECT_EQ(q.status, 400);
  EXPECT_NE(q.body.find("<Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue"
                        "</Code><Message>The specified queue does not exist.</Message></Error>"
                        "<RequestId>r</RequestId></ErrorResponse>"),
            std::string::npos)
      << q.body;
  auto j = serialize_error(Protocol::kJson10, sqs, true, e, "r");
  EXPECT_EQ(j.status, 400);
  EXPECT_EQ(j.header("x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender");
  auto body = boost::json::parse(j.body).as_object();
  EXPECT_EQ(body["__type"], "QueueDoesNotExist");
  EXPECT_EQ(body["message"], "The specified queue does not exist.");
}

TEST(SerializeError, UnmodeledCodesUseFaultAndExplicitStatus) {
  auto r = serialize_error(Protocol::kJson11, nullptr, false, Error::internal("boom"), "r");
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(r.header("x-amzn-query-error").empty());
  auto s = serialize_error(Protocol::kQuery, models().by_name("sts"), false,
                           Error::make("SignatureDoesNotMatch", "bad", 403), "r");
  EXPECT_EQ(s.status, 403);
  EXPECT_NE(s.body.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos);
}

TEST(SerializeError, LambdaRestJson) {
  auto r = serialize_error(Protocol::kRestJson, models().by_name("lambda"), false,
                           Error::make("ResourceNotFoundException", "Function not found: f"), "r");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-amzn-ErrorType"), "ResourceNotFoundException");
  EXPECT_EQ(r.header("x-amzn-RequestId"), "r");
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body["Type"], "User");
  EXPECT_EQ(body["Message"], "Function not found: f");
}

TEST(SerializeError, S3ErrorDocument) {
  auto r = serialize_error(Protocol::kRestXml, models().by_name("s3"), false,
                           Error::make("NoSuchKey", "The specified key does not exist.", 404), "r");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("x-amz-request-id"), "r");
  EXPECT_FALSE(r.header("x-amz-id-2").empty());
  EXPECT_NE(r.body.find("<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                        "exist.</Message><RequestId>r</RequestId>"),
            std::string::npos)
      << r.body;
}

TEST(SerializeOutput, S3RootsHeadersAndHead) {
  boost::json::object buckets{
      {"Buckets", boost::json::array{boost::json::object{{"Name", "b"}, {"CreationDate", 0}}}},
      {"Owner", boost::json::object{{"ID", "o"}}}};
  auto r = serialize_output(call_for("s3", "ListBuckets", Protocol::kRestXml), buckets, "r");
  EXPECT_NE(r.body.find("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                        "<Buckets><Bucket><Name>b</Name><CreationDate>1970-01-01T00:00:00Z"
                        "</CreationDate></Bucket></Buckets>"),
            std::string::npos)
      << r.body;

  boost::json::object head{{"ContentLength", 5},
                           {"ETag", "\"abc\""},
                           {"LastModified", 1398796238},
                           {"Metadata", boost::json::object{{"k", "v"}}}};
  auto h = serialize_output(call_for("s3", "HeadObject", Protocol::kRestXml), head, "r");
  EXPECT_EQ(h.status, 200);
  EXPECT_TRUE(h.body.empty());
  EXPECT_EQ(h.header("Content-Length"), "5");
  EXPECT_EQ(h.header("Last-Modified"), "Tue, 29 Apr 2014 18:30:38 GMT");
  EXPECT_EQ(h.header("x-amz-meta-k"), "v");

  boost::json::object object{{"Body", std::string("\0bytes", 6)}, {"ContentType", "text/x"}};
  auto g = serialize_output(call_for("s3", "GetObject", Protocol::kRestXml), object, "r");
  EXPECT_EQ(g.body, std::string("\0bytes", 6));
  EXPECT_EQ(g.header("Content-Type"), "text/x");

  boost::json::object location{{"LocationConstraint", "eu-west-1"}};
  auto l = serialize_output(call_for("s3", "GetBucketLocation", Protocol::kRestXml), location, "r");
  EXPECT_NE(l.body.find(">eu-west-1</LocationConstraint>"), std::string::npos) << l.body;
}

TEST(SerializeOutput, LambdaStatusAndEmptyBody) {
  // 204: the model's responseCode (botocore 1.29), or the output's StatusCode
  // member bound to the status (newer models).
  boost::json::object deleted{{"StatusCode", 204}};
  auto d =
      serialize_output(call_for("lambda", "DeleteFunction", Protocol::kRestJson), deleted, "r");
  EXPECT_EQ(d.status, 204);
  EXPECT_TRUE(d.body.empty());
  boost::json::object inv{{"StatusCode", 200}, {"Payload", "{\"ok\":true}"}};
  auto i = serialize_output(call_for("lambda", "Invoke", Protocol::kRestJson), inv, "r");
  EXPECT_EQ(i.status, 200);
  EXPECT_EQ(i.body, "{\"ok\":true}");
}

// awsJson bodies are written straight as text (write_wire_json): the same
// document as the value form serialized, blobs, timestamps, maps, unions,
// escapes and non-finite doubles included.
TEST(SerializeOutput, AwsJsonTextIsTheWireValueSerialized) {
  namespace json = boost::json;
  json::object record{{"SequenceNumber", "4900"},
                      {"ApproximateArrivalTimestamp", 1700000000.125},
                      {"Data", std::string("a\"b\\\n\x01\xc3\xa9\x7f/", 10)},
                      // A string with every kind of escape.
                      {"PartitionKey", std::string("k\t\"\\\n\x01\x1f\xc3\xa9\x7f/\b\f\r", 15)}};
  json::object records{{"Records", json::array{record, record}},
                       {"NextShardIterator", "it"},
                       {"MillisBehindLatest", 5},
                       {"ChildShards", json::array{}}};
  json::object item{
      {"Item",
       json::object{
           {"s", json::object{{"S", "x"}}},
           {"b", json::object{{"B", std::string("\0\xff", 2)}}},
           {"n", json::object{{"N", "1.5"}}},
           {"m",
            json::object{
                {"M",
                 json::object{
                     {"l", json::object{{"L", json::array{json::object{{"NULL", true}},
                                                          json::object{{"BOOL", false}}}}}}}}}}}},
      {"ConsumedCapacity", json::object{{"TableName", "t"}, {"CapacityUnits", 0.5}}}};
  json::object metrics{
      {"MetricDataResults",
       json::array{json::object{{"Id", "m1"},
                                {"Timestamps", json::array{1700000000, 1700000060}},
                                {"Values", json::array{1.0, std::nan(""), 2.5e300}},
                                {"StatusCode", "Complete"}}}},
      {"Messages", json::array{}}};
  struct Case {
    const char* service;
    const char* op;
    Protocol protocol;
    json::object out;
  };
  for (const auto& c : {Case{"kinesis", "GetRecords", Protocol::kJson11, records},
                        Case{"dynamodb", "GetItem", Protocol::kJson10, item},
                        Case{"cloudwatch", "GetMetricData", Protocol::kJson10, metrics},
                        Case{"kinesis", "PutRecords", Protocol::kJson11, json::object{}}}) {
    auto call = call_for(c.service, c.op, c.protocol);
    auto r = serialize_output(call, c.out, "r");
    ser::Ref shape = ser::resolve_shape(*call.service, call.operation->output_shape);
    EXPECT_EQ(r.body, json::serialize(ser::to_wire_json(*call.service, shape, json::value(c.out))))
        << c.service << " " << c.op;
  }
}

// A JSON fragment (common/json_fragment.h) is copied as it is, wherever it
// stands, when the handler said it answered fragments; otherwise it is an
// object like any other and its text stays a string: no value becomes raw
// JSON unasked.
TEST(SerializeOutput, AwsJsonCopiesFragmentsOnlyWhenTold) {
  namespace json = boost::json;
  std::string item = R"({"a":{"S":"x\"y"},"n":{"N":"1"}})";
  json::object get{{"Item", json_fragment(json::string(item))},
                   {"ConsumedCapacity", json::object{{"TableName", "t"}}}};
  auto call = call_for("dynamodb", "GetItem", Protocol::kJson10);
  EXPECT_EQ(serialize_output(call, get, "r", true).body,
            "{\"Item\":" + item + R"(,"ConsumedCapacity":{"TableName":"t"}})");
  auto untold = json::parse(serialize_output(call, get, "r").body);
  EXPECT_EQ(untold.at("Item").as_object().size(), 1u);
  EXPECT_EQ(untold.at("Item").as_object().begin()->value(), json::value(item));

  json::object query{{"Items", json::array{json_fragment(json::string(item)), json_fragment("{}")}},
                     {"Count", 2}};
  EXPECT_EQ(
      serialize_output(call_for("dynamodb", "Query", Protocol::kJson10), query, "r", true).body,
      "{\"Items\":[" + item + R"(,{}],"Count":2})");
}

// The writer walks a structure's members in one pass when the value holds
// them in the model's order, and reuses a timestamp's text while the value
// repeats: members in any order, unknown members, and timestamps repeated,
// changed, or of another kind come out as to_wire_json
// writes them.
TEST(SerializeOutput, AwsJsonMemberOrderAndRepeatedTimestamps) {
  namespace json = boost::json;
  auto record = [](json::value ts) {
    return json::object{{"SequenceNumber", "49"},
                        {"ApproximateArrivalTimestamp", ts},
                        {"Data", "d"},
                        {"PartitionKey", "k"}};
  };
  json::array records{record(1700000000.125), record(1700000000.125),
                      record(1700000000.126), record(1700000000),
                      record(1700000000.0),   record(0.0),
                      record(-0.0),           record("2023-11-14T22:13:20.5Z")};
  records.push_back(json::object{{"PartitionKey", "k"},  // out of order
                                 {"SequenceNumber", "50"},
                                 {"ApproximateArrivalTimestamp", 1700000000.126}});
  records.push_back(json::object{{"SequenceNumber", "51"},  // a member the model lacks
                                 {"Unknown", 1},
                                 {"Data", "d"}});
  records.push_back(json::object{{"Data", "d"}, {"EncryptionType", "KMS"}});
  json::object out{{"Records", records}, {"MillisBehindLatest", 0}};
  auto call = call_for("kinesis", "GetRecords", Protocol::kJson11);
  auto r = serialize_output(call, out, "r");
  ser::Ref shape = ser::resolve_shape(*call.service, call.operation->output_shape);
  EXPECT_EQ(r.body, json::serialize(ser::to_wire_json(*call.service, shape, json::value(out))));
  EXPECT_NE(r.body.find(R"({"SequenceNumber":"50","ApproximateArrivalTimestamp":1.700000000126E9,)"
                        R"("PartitionKey":"k"})"),
            std::string::npos)
      << r.body;
}

// The buffer is reserved from the first 64 records of a long list: records
// growing past the estimate (small first, large after) and fewer than the
// sample come out as to_wire_json writes them.
TEST(SerializeOutput, AwsJsonLongListsEstimatedFromTheirFirstElements) {
  namespace json = boost::json;
  auto call = call_for("kinesis", "GetRecords", Protocol::kJson11);
  ser::Ref shape = ser::resolve_shape(*call.service, call.operation->output_shape);
  for (size_t count : {0u, 1u, 63u, 64u, 65u, 300u}) {
    json::array records;
    for (size_t i = 0; i < count; ++i) {
      records.push_back(json::object{{"SequenceNumber", std::to_string(i)},
                                     {"Data", std::string(i < 64 ? 1 : 3000, 'x')},
                                     {"PartitionKey", "k"}});
    }
    json::object out{{"Records", records}, {"MillisBehindLatest", 0}};
    auto r = serialize_output(call, out, "r");
    EXPECT_EQ(r.body, json::serialize(ser::to_wire_json(*call.service, shape, json::value(out))))
        << count;
  }
}

// Strings are scanned eight bytes at a time: every escaped byte, at every
// offset of strings around that width, still comes out as
// boost::json::serialize writes it.
TEST(SerializeOutput, AwsJsonStringsEscapedAtEveryOffset) {
  namespace json = boost::json;
  auto call = call_for("dynamodb", "GetItem", Protocol::kJson10);
  for (char special : {'"', '\\', '\n', '\x01', '\x1f', '\0'}) {
    for (size_t len = 1; len <= 20; ++len) {
      for (size_t at = 0; at < len; ++at) {
        std::string text(len, 'a');
        text[at] = special;
        if (at + 1 < len) text[at + 1] = '\xc3';  // bytes >= 0x80 pass as they are
        json::object out{{"Item", json::object{{"k", json::object{{"S", text}}}}}};
        auto r = serialize_output(call, out, "r");
        EXPECT_EQ(r.body, json::serialize(out)) << len << " " << at << " " << int(special);
      }
    }
  }
}
}  // namespace
// The writer keeps how a model's shapes are written across answers, per
// thread. Each answer still comes out as to_wire_json writes it, and a model
// built where a destroyed one lived is written by its own shapes, not the
// old one's (the kept plans point into the model they were made from).
TEST(SerializeOutput, AwsJsonPlansFollowTheirModel) {
  namespace json = boost::json;
  auto model_json = [](const char* wire_name) {
    return json::parse(std::string(R"({"metadata": {"protocol": "json", "jsonVersion": "1.0"},
        "shapes": {"Out": {"type": "structure", "members": {
                     "A": {"shape": "Str", "locationName": ")") +
                       wire_name + R"("},
                     "When": {"shape": "Time"}}},
                   "Str": {"type": "string"}, "Time": {"type": "timestamp"}}})")
        .as_object();
  };
  alignas(ServiceModel) unsigned char storage[sizeof(ServiceModel)];
  auto* model = new (storage) ServiceModel(model_json("first"), "t");
  auto write = [&](const json::object& v) {
    std::string out;
    ser::write_wire_json(out, *model, ser::resolve_shape(*model, "Out"), v);
    EXPECT_EQ(out, json::serialize(ser::to_wire_json(*model, ser::resolve_shape(*model, "Out"),
                                                     json::value(v))));
    return out;
  };
  EXPECT_EQ(write({{"A", "x"}, {"When", 1700000000.5}}), R"({"first":"x","When":1.7000000005E9})");
  EXPECT_EQ(write({{"A", "y"}, {"When", 1700000001}}), R"({"first":"y","When":1700000001})");
  model->~ServiceModel();
  model = new (storage) ServiceModel(model_json("second"), "t");
  EXPECT_EQ(write({{"A", "z"}}), R"({"second":"z"})");
  model->~ServiceModel();
}

}  // namespace nimbus::protocol
