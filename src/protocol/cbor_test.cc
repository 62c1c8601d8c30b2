// The CBOR codec (cbor.h) on RFC 8949 Appendix A vectors, hostile input,
// Kinesis requests and answers in application/x-amz-cbor-1.1 as the AWS Java
// SDKs send and read them, and CloudWatch over Smithy RPC v2 CBOR as the JS
// SDK v3 speaks it (the botocore protocol cases run in
// protocol_input_test and output_conformance_test).
#include <gtest/gtest.h>

#include "protocol/cbor.h"
#include "protocol/engine.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {
namespace json = boost::json;

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(digits[(static_cast<uint8_t>(c) >> 4) & 0xf]);
    out.push_back(digits[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

json::value decoded(std::string_view h) {
  auto v = cbor::decode(unhex(h));
  EXPECT_TRUE(v) << h << ": " << (v ? "" : v.error().message);
  return v ? *v : json::value();
}

std::string encoded(const json::value& v) {
  cbor::Writer w;
  w.json(v);
  return hex(w.bytes_written());
}

TEST(Cbor, IntegersBothWays) {
  const std::pair<int64_t, const char*> cases[] = {{0, "00"},
                                                   {1, "01"},
                                                   {10, "0a"},
                                                   {23, "17"},
                                                   {24, "1818"},
                                                   {25, "1819"},
                                                   {100, "1864"},
                                                   {1000, "1903e8"},
                                                   {1000000, "1a000f4240"},
                                                   {-1, "20"},
                                                   {-10, "29"},
                                                   {-100, "3863"},
                                                   {-1000, "3903e7"},
                                                   {1000000000000, "1b000000e8d4a51000"}};
  for (const auto& [n, h] : cases) {
    EXPECT_EQ(encoded(json::value(n)), h);
    EXPECT_EQ(decoded(h), json::value(n)) << h;
  }
  EXPECT_EQ(decoded("1bffffffffffffffff"), json::value(UINT64_MAX));
  EXPECT_EQ(encoded(json::value(UINT64_MAX)), "1bffffffffffffffff");
}

TEST(Cbor, FloatsSimpleValuesAndStrings) {
  EXPECT_EQ(decoded("f93e00").as_double(), 1.5);
  EXPECT_EQ(decoded("fa47c35000").as_double(), 100000.0);
  EXPECT_EQ(decoded("fb3ff199999999999a").as_double(), 1.1);
  EXPECT_EQ(decoded("f90001").as_double(), 5.960464477539063e-8);
  EXPECT_TRUE(std::isinf(decoded("f97c00").as_double()));
  EXPECT_EQ(encoded(json::value(1.1)), "fb3ff199999999999a");
  EXPECT_EQ(decoded("f4"), json::value(false));
  EXPECT_EQ(decoded("f5"), json::value(true));
  EXPECT_TRUE(decoded("f6").is_null());
  EXPECT_TRUE(decoded("f7").is_null());
  EXPECT_EQ(encoded(json::value(true)), "f5");
  EXPECT_EQ(encoded(json::value(nullptr)), "f6");
  EXPECT_EQ(decoded("60"), json::value(""));
  EXPECT_EQ(decoded("6449455446"), json::value("IETF"));
  EXPECT_EQ(decoded("62c3bc"), json::value("\xc3\xbc"));
  EXPECT_EQ(decoded("64f0908591"), json::value("\xf0\x90\x85\x91"));
  EXPECT_EQ(encoded(json::value("IETF")), "6449455446");
  // Byte strings stand for what awsJson would carry: base64 text.
  EXPECT_EQ(decoded("40"), json::value(""));
  EXPECT_EQ(decoded("4401020304"), json::value("AQIDBA=="));
  // Indefinite-length strings are their chunks joined.
  EXPECT_EQ(decoded("5f42010243030405ff"), json::value("AQIDBAU="));
  EXPECT_EQ(decoded("7f657374726561646d696e67ff"), json::value("streaming"));
}

TEST(Cbor, ArraysMapsAndTags) {
  EXPECT_EQ(decoded("8301820203820405"), json::parse("[1,[2,3],[4,5]]"));
  EXPECT_EQ(decoded("9f018202039f0405ffff"), json::parse("[1,[2,3],[4,5]]"));
  EXPECT_EQ(decoded("9fff"), json::parse("[]"));
  EXPECT_EQ(decoded("a26161016162820203"), json::parse(R"({"a":1,"b":[2,3]})"));
  EXPECT_EQ(decoded("bf61610161629f0203ffff"), json::parse(R"({"a":1,"b":[2,3]})"));
  EXPECT_EQ(encoded(json::parse(R"({"a":1,"b":[2,3]})")), "a26161016162820203");
  // Tag 1 carries epoch milliseconds (the Java SDKs' form): seconds out.
  EXPECT_EQ(decoded("c11b0000018bcfe56800").as_double(), 1700000000.0);
  EXPECT_EQ(decoded("c1fb41d954fc40000000").as_double(), 1700000.0);
  // Other tags stand for their content.
  EXPECT_EQ(decoded("d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
            json::value("http://www.example.com"));
  cbor::Writer w;
  w.timestamp(1700000000.5);
  EXPECT_EQ(hex(w.bytes_written()), "c11b0000018bcfe569f4");
}

TEST(Cbor, HostileInputFailsCleanly) {
  const char* bad[] = {
      "",                    // nothing
      "18",                  // truncated argument
      "1c",                  // reserved additional information
      "ff",                  // break outside an indefinite item
      "0000",                // trailing bytes
      "a10101",              // integer map key
      "1f",                  // indefinite integer
      "5f6161ff",            // text chunk inside a byte string
      "62c328",              // invalid UTF-8
      "62c080",              // overlong UTF-8
      "63eda080",            // a surrogate
      "c16161",              // tag 1 on text
      "c1f97c00",            // tag 1 on infinity
      "9b7fffffffffffffff",  // an array longer than the body
      "bb7fffffffffffffff",  // a map longer than the body
      "5bffffffffffffffff",  // a string longer than the body
      "7f",                  // unterminated indefinite string
      "9f01",                // unterminated indefinite array
      "f818",                // one-byte simple value
      "fb0000",              // truncated double
  };
  for (const char* h : bad) {
    auto v = cbor::decode(unhex(h));
    EXPECT_FALSE(v) << h;
    if (!v) {
      EXPECT_EQ(v.error().code, "SerializationException") << h;
    }
  }
  std::string deep(cbor::kMaxDepth + 2, '\x81');
  deep.push_back('\x00');
  EXPECT_FALSE(cbor::decode(deep));
  std::string ok_depth(cbor::kMaxDepth, '\x81');
  ok_depth.push_back('\x00');
  EXPECT_TRUE(cbor::decode(ok_depth));
}

const ModelRegistry& models() {
  static const ModelRegistry r;
  return r;
}

http::Request kinesis_cbor(std::string op, std::string body) {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"x-amz-target", "Kinesis_20131202." + op},
               {"content-type", "application/x-amz-cbor-1.1"}};
  r.body = std::move(body);
  return r;
}

TEST(CborKinesis, PutRecordBlobIsAByteString) {
  // {"StreamName": "s", "Data": h'0001ff', "PartitionKey": "k"}
  auto r = parse_request(kinesis_cbor("PutRecord", unhex("a36a53747265616d4e616d656173644461746143"
                                                         "0001ff"
                                                         "6c506172746974696f6e4b6579616b")),
                         models(), "kinesis");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->protocol, Protocol::kJson11Cbor);
  EXPECT_EQ(r.call->input.at("Data"), json::value(std::string("\x00\x01\xff", 3)));
  EXPECT_EQ(r.call->input.at("PartitionKey"), json::value("k"));
}

TEST(CborKinesis, TimestampsAreTaggedMilliseconds) {
  // GetShardIterator AT_TIMESTAMP with Timestamp = 1(1700000000000 ms).
  cbor::Writer w;
  w.map(4);
  w.text("StreamName");
  w.text("s");
  w.text("ShardId");
  w.text("shardId-000000000000");
  w.text("ShardIteratorType");
  w.text("AT_TIMESTAMP");
  w.text("Timestamp");
  w.timestamp(1700000000.0);
  auto r = parse_request(kinesis_cbor("GetShardIterator", w.take()), models(), "kinesis");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->input.at("Timestamp").to_number<double>(), 1700000000.0);
}

TEST(CborKinesis, BadBodiesAndValidationAnswerInCbor) {
  auto r = parse_request(kinesis_cbor("PutRecord", unhex("a1")), models(), "kinesis");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "SerializationException");
  EXPECT_EQ(r.failure->protocol, Protocol::kJson11Cbor);
  // A blob given as a number is not of the shape.
  r = parse_request(kinesis_cbor("PutRecord", unhex("a36a53747265616d4e616d65617364446174610"
                                                    "16c506172746974696f6e4b6579616b")),
                    models(), "kinesis");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "SerializationException");

  auto resp =
      serialize_error(Protocol::kJson11Cbor, models().by_name("kinesis"), false,
                      Error::make("ResourceNotFoundException", "Stream s not found."), "rid");
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(resp.header("content-type"), "application/x-amz-cbor-1.1");
  // {"__type": "ResourceNotFoundException", "message": "Stream s not found."}
  EXPECT_EQ(hex(resp.body),
            "a2665f5f7479706578195265736f757263654e6f74466f756e64457863657074696f6e"
            "676d6573736167657353747265616d2073206e6f7420666f756e642e");
}

TEST(CborKinesis, GetRecordsAnswerIsByteExact) {
  Call call;
  call.protocol = Protocol::kJson11Cbor;
  call.service = models().by_name("kinesis");
  call.operation = call.service->operation("GetRecords");
  json::object record;
  record["SequenceNumber"] = "49";
  record["ApproximateArrivalTimestamp"] = 1700000000.5;
  record["Data"] = std::string("\x00\xff", 2);
  record["PartitionKey"] = "k";
  json::object out;
  out["Records"] = json::array{record};
  out["NextShardIterator"] = "it";
  out["MillisBehindLatest"] = 0;
  auto resp = serialize_output(call, out, "rid");
  EXPECT_EQ(resp.header("content-type"), "application/x-amz-cbor-1.1");
  // {"Records": [{"SequenceNumber": "49", "ApproximateArrivalTimestamp":
  //  1(1700000000500), "Data": h'00ff', "PartitionKey": "k"}],
  //  "NextShardIterator": "it", "MillisBehindLatest": 0}
  EXPECT_EQ(hex(resp.body),
            "a3675265636f72647381a46e53657175656e63654e756d626572623439"
            "781b417070726f78696d6174654172726976616c54696d657374616d70c11b0000018bcfe569f4"
            "64446174614200ff6c506172746974696f6e4b6579616b"
            "714e65787453686172644974657261746f72626974"
            "724d696c6c6973426568696e644c617465737400");
}

http::Request rpcv2(std::string op, std::string body, http::Headers extra = {}) {
  http::Request r;
  r.method = "POST";
  r.target = "/service/GraniteServiceVersion20100801/operation/" + op;
  r.headers = {{"smithy-protocol", "rpc-v2-cbor"}, {"accept", "application/cbor"}};
  if (!body.empty()) r.headers.emplace_back("content-type", "application/cbor");
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.body = std::move(body);
  return r;
}

TEST(RpcV2Cbor, PutMetricDataAsTheJsSdkSendsIt) {
  // {"Namespace": "App", "MetricData": [{"MetricName": "Latency",
  //  "Timestamp": 1(1700000000.25), "Value": 1.5 (half float), "Unit": "Milliseconds"}]}
  auto r = parse_request(
      rpcv2("PutMetricData",
            unhex("a2694e616d657370616365634170706a4d65747269634461746181a46a4d65747269634e616d6567"
                  "4c6174656e63796954696d657374616d70c1fb41d954fc401000006556616c7565f93e0064556e"
                  "69746c4d696c6c697365636f6e6473"),
            {{"x-amzn-query-mode", "true"}}),
      models(), "monitoring");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->protocol, Protocol::kRpcV2Cbor);
  EXPECT_EQ(r.call->service_name, "cloudwatch");
  EXPECT_EQ(r.call->operation_name, "PutMetricData");
  EXPECT_TRUE(r.call->query_mode);
  const auto& datum = r.call->input.at("MetricData").at(0);
  // Tag 1 counts seconds here, not the Java SDKs' milliseconds.
  EXPECT_EQ(datum.at("Timestamp").to_number<double>(), 1700000000.25);
  EXPECT_EQ(datum.at("Value").to_number<double>(), 1.5);
  EXPECT_EQ(datum.at("Unit"), json::value("Milliseconds"));

  // No input: no body and no Content-Type.
  r = parse_request(rpcv2("ListMetrics", ""), models(), "monitoring");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_TRUE(r.call->input.empty());
}

TEST(RpcV2Cbor, UnknownOperationsAndBadBodiesAnswerInRpcV2) {
  auto r = parse_request(rpcv2("NoSuchThing", ""), models(), "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kRpcV2Cbor);
  EXPECT_EQ(r.failure->error.code, "UnknownOperationException");
  EXPECT_EQ(r.failure->error.http_status, 404);
  ASSERT_NE(r.failure->service, nullptr);
  EXPECT_EQ(r.failure->service->name(), "cloudwatch");

  auto get = rpcv2("ListMetrics", "");
  get.method = "GET";
  r = parse_request(get, models(), "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "UnknownOperationException");

  r = parse_request(rpcv2("ListMetrics", unhex("a1")), models(), "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kRpcV2Cbor);
  EXPECT_EQ(r.failure->error.code, "SerializationException");

  // A timestamp tagged over something that is not a number.
  r = parse_request(rpcv2("PutMetricData", unhex("a1694e616d657370616365c1614e")), models(),
                    "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "SerializationException");
}

TEST(RpcV2Cbor, AnswersAreByteExactWithSecondsTimestamps) {
  Call call;
  call.protocol = Protocol::kRpcV2Cbor;
  call.service = models().by_name("cloudwatch");
  call.operation = call.service->operation("GetMetricStatistics");
  json::object point{{"Timestamp", 1700000000}, {"Average", 1.5}};
  json::object out{{"Label", "m"}, {"Datapoints", json::array{point}}};
  auto resp = serialize_output(call, out, "rid");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.header("content-type"), "application/cbor");
  EXPECT_EQ(resp.header("smithy-protocol"), "rpc-v2-cbor");
  // {"Label": "m", "Datapoints": [{"Timestamp": 1(1700000000), "Average": 1.5}]}
  EXPECT_EQ(hex(resp.body),
            "a2654c6162656c616d6a44617461706f696e747381a26954696d657374616d70c11a6553f100"
            "6741766572616765fb3ff8000000000000");

  // A fractional second stays a float64 under tag 1.
  cbor::Writer w(cbor::Epoch::kSeconds);
  w.timestamp(1.5);
  EXPECT_EQ(hex(w.bytes_written()), "c1fb3ff8000000000000");
}

TEST(RpcV2Cbor, ErrorsCarryTypeAndTheQueryCode) {
  auto resp = serialize_error(Protocol::kRpcV2Cbor, models().by_name("cloudwatch"), true,
                              Error::make("ResourceNotFound", "Alarm a not found."), "rid");
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.header("content-type"), "application/cbor");
  EXPECT_EQ(resp.header("smithy-protocol"), "rpc-v2-cbor");
  EXPECT_EQ(resp.header("x-amzn-query-error"), "ResourceNotFound;Sender");
  auto body = cbor::decode(resp.body, cbor::Epoch::kSeconds);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->at("__type"), json::value("ResourceNotFound"));
}

}  // namespace
}  // namespace nimbus::protocol
