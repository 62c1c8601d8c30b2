// parse_request() against the embedded models: protocol and service
// detection, the parsers on real AWS shapes, and AWS's validation messages.
#include <gtest/gtest.h>

#include "protocol/engine.h"
#include "protocol/input_values.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {
namespace json = boost::json;

http::Request make(std::string method, std::string target, http::Headers headers = {},
                   std::string body = {}) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

http::Request form(std::string body) {
  return make("POST", "/", {{"content-type", "application/x-www-form-urlencoded"}},
              std::move(body));
}

http::Request json_call(std::string target, std::string body, std::string ct) {
  return make("POST", "/", {{"x-amz-target", std::move(target)}, {"content-type", std::move(ct)}},
              std::move(body));
}

const ModelRegistry& models() {
  static const ModelRegistry r;
  return r;
}

TEST(Registry, EmbedsTheBotocoreModels) {
  // Debian's 1.29.27 or a newer botocore (build-dependent): "major.minor.patch".
  EXPECT_GE(std::count(ModelRegistry::botocore_version().begin(),
                       ModelRegistry::botocore_version().end(), '.'),
            2);
  EXPECT_NE(ModelRegistry::models_from().find("botocore"), std::string_view::npos);
  auto names = ModelRegistry::embedded_services();
  EXPECT_NE(std::find(names.begin(), names.end(), "sqs"), names.end());
  const auto* sqs = models().by_name("sqs");
  ASSERT_NE(sqs, nullptr);
  EXPECT_EQ(sqs->protocol(), Protocol::kQuery);
  EXPECT_EQ(sqs->api_version(), "2012-11-05");
  EXPECT_NE(sqs->operation("SendMessage"), nullptr);
  EXPECT_EQ(models().by_name("sqs"), sqs);  // parsed once
  EXPECT_EQ(models().by_name("nope"), nullptr);
  EXPECT_EQ(models().by_name("cloudwatch")->signing_name(), "monitoring");
  ModelRegistry only_sts({"sts"});
  EXPECT_EQ(only_sts.by_name("sqs"), nullptr);
  EXPECT_NE(only_sts.by_name("sts"), nullptr);
}

TEST(Detect, QueryByScopeAndByVersion) {
  auto r = parse_request(form("Action=GetCallerIdentity&Version=2011-06-15"), models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->service_name, "sts");
  EXPECT_EQ(r.call->operation_name, "GetCallerIdentity");
  EXPECT_EQ(r.call->protocol, Protocol::kQuery);

  r = parse_request(make("GET", "/?Action=ListQueues&Version=2012-11-05"), models(), "sqs");
  ASSERT_TRUE(r.call);
  EXPECT_EQ(r.call->service_name, "sqs");

  r = parse_request(form("Action=ListMetrics&Version=2010-08-01"), models(), "monitoring");
  ASSERT_TRUE(r.call);
  EXPECT_EQ(r.call->service_name, "cloudwatch");
}

TEST(Detect, QueryParsesFlattenedMapsAndLists) {
  auto r = parse_request(
      form("Action=CreateQueue&Version=2012-11-05&QueueName=q1&Attribute.1.Name=VisibilityTimeout"
           "&Attribute.1.Value=40&Attribute.2.Name=DelaySeconds&Attribute.2.Value=5&Tag.1.Key=env"
           "&Tag.1.Value=dev+test"),
      models(), "sqs");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(json::serialize(r.call->input),
            R"({"QueueName":"q1","Attributes":{"VisibilityTimeout":"40","DelaySeconds":"5"},)"
            R"("tags":{"env":"dev test"}})");

  r = parse_request(form("Action=SendMessageBatch&Version=2012-11-05&QueueUrl=u"
                         "&SendMessageBatchRequestEntry.1.Id=a"
                         "&SendMessageBatchRequestEntry.1.MessageBody=hi"
                         "&SendMessageBatchRequestEntry.1.DelaySeconds=3"),
                    models(), "sqs");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(json::serialize(r.call->input["Entries"]),
            R"([{"Id":"a","MessageBody":"hi","DelaySeconds":3}])");
}

TEST(Detect, SqsOverJson10UsesMemberNames) {
  auto r = parse_request(
      json_call("AmazonSQS.CreateQueue",
                R"({"QueueName":"q","Attributes":{"VisibilityTimeout":"40"},"tags":{"a":"b"}})",
                "application/x-amz-json-1.0"),
      models(), "sqs");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->protocol, Protocol::kJson10);
  EXPECT_EQ(r.call->service_name, "sqs");
  EXPECT_EQ(r.call->input["Attributes"].at("VisibilityTimeout"), "40");
  EXPECT_EQ(r.call->input["tags"].at("a"), "b");
  EXPECT_FALSE(r.call->query_mode);

  auto req = json_call("AmazonSQS.ListQueues", "{}", "application/x-amz-json-1.0");
  req.headers.emplace_back("x-amzn-query-mode", "true");
  r = parse_request(req, models(), "");
  ASSERT_TRUE(r.call);
  EXPECT_TRUE(r.call->query_mode);
}

TEST(Detect, JsonServicesByTargetPrefix) {
  auto r = parse_request(json_call("Logs_20140328.CreateLogGroup", R"({"logGroupName":"g"})",
                                   "application/x-amz-json-1.1"),
                         models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->service_name, "logs");
  EXPECT_EQ(r.call->protocol, Protocol::kJson11);

  r = parse_request(json_call("Kinesis_20131202.PutRecord",
                              R"({"StreamName":"s","Data":"aGVsbG8=","PartitionKey":"p"})",
                              "application/x-amz-json-1.1"),
                    models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->input["Data"], "hello");  // blobs arrive as raw bytes
}

TEST(Detect, UnknownOperations) {
  auto r = parse_request(form("Action=Frobnicate&Version=2012-11-05"), models(), "sqs");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kQuery);
  EXPECT_EQ(r.failure->error.code, "InvalidAction");
  EXPECT_EQ(r.failure->error.message, "The action Frobnicate is not valid for this web service.");

  r = parse_request(json_call("DynamoDB_20120810.Frobnicate", "{}", "application/x-amz-json-1.0"),
                    models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kJson10);
  EXPECT_EQ(r.failure->error.code, "UnknownOperationException");
  EXPECT_NE(r.failure->service, nullptr);

  r = parse_request(make("PATCH", "/2015-03-31/functions/f/nothing"), models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kRestJson);
  EXPECT_EQ(r.failure->error.http_status, 404);
}

TEST(Detect, RpcV2CborByHeaderOrPath) {
  auto r = parse_request(
      make("POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics",
           {{"smithy-protocol", "rpc-v2-cbor"}, {"content-type", "application/cbor"}}, "\xa0"),
      models(), "monitoring");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->protocol, Protocol::kRpcV2Cbor);
  EXPECT_EQ(r.call->service_name, "cloudwatch");
  EXPECT_EQ(r.call->operation_name, "ListMetrics");

  // The header alone: a path that names no operation.
  r = parse_request(make("POST", "/", {{"smithy-protocol", "rpc-v2-cbor"}}), models(),
                    "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kRpcV2Cbor);
  EXPECT_EQ(r.failure->error.code, "UnknownOperationException");
}

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// botocore and the JS SDK gzip CloudWatch PutMetricData bodies from 10 KiB.
TEST(Detect, GzipRequestBodiesOfRpcProtocols) {
  // {"Namespace":"N","MetricData":[{"MetricName":"m","Value":1}]}, gzipped.
  const std::string put = unhex(
      "1f8b0800000000000203ab56f24bcc4d2d2e484c4e55b252f253d251f24d2d29ca4c76492c4954b28aae86724"
      "18a80f2b940f9b0c49c5220dbb036b6160072d725b33d000000");
  auto json =
      json_call("GraniteServiceVersion20100801.PutMetricData", put, "application/x-amz-json-1.0");
  json.headers.emplace_back("content-encoding", "gzip");
  auto r = parse_request(json, models(), "monitoring");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->input.at("Namespace"), json::value("N"));
  EXPECT_EQ(r.call->input.at("MetricData").at(0).at("MetricName"), json::value("m"));

  // awsQuery: Action=ListMetrics&Version=2010-08-01&Namespace=N, gzipped.
  auto q = form(unhex(
      "1f8b0800000000000203734c2ec9cccfb3f5c92c2ef14d2d29ca4c2e560b4b2d2a06891919181ae81a58e81a18"
      "aaf925e6a616172426a7dafa010076acb3a931000000"));
  q.headers.emplace_back("content-encoding", "gzip");
  r = parse_request(q, models(), "monitoring");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "ListMetrics");
  EXPECT_EQ(r.call->input.at("Namespace"), json::value("N"));

  // Truncated or not gzip at all: SerializationException in the request's protocol.
  json.body = put.substr(0, put.size() - 9);
  r = parse_request(json, models(), "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->protocol, Protocol::kJson10);
  EXPECT_EQ(r.failure->error.code, "SerializationException");
  json.body = "{}";
  r = parse_request(json, models(), "monitoring");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "SerializationException");

  // A REST body's encoding is the payload's own: S3 keeps the bytes.
  r = parse_request(make("PUT", "/bucket/a.gz", {{"content-encoding", "gzip"}}, put), models(),
                    "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->input["Body"], json::value(put));
}

TEST(Detect, RestRoutes) {
  auto r = parse_request(make("GET", "/2015-03-31/functions/my-fn?Qualifier=v1"), models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->service_name, "lambda");
  EXPECT_EQ(r.call->operation_name, "GetFunction");
  EXPECT_EQ(json::serialize(r.call->input), R"({"FunctionName":"my-fn","Qualifier":"v1"})");

  r = parse_request(make("PUT", "/bucket/dir/a%20b.txt", {{"x-amz-meta-Color", "red"}}, "data"),
                    models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "PutObject");
  EXPECT_EQ(r.call->input["Key"], "dir/a b.txt");
  EXPECT_EQ(r.call->input["Body"], "data");
  EXPECT_EQ(r.call->input["Metadata"].at("color"), "red");

  r = parse_request(make("PUT", "/bucket/k?partNumber=2&uploadId=u1", {}, "x"), models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "UploadPart");
  EXPECT_EQ(r.call->input["PartNumber"], 2);

  r = parse_request(make("PUT", "/bucket/k", {{"x-amz-copy-source", "/b/o"}}), models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "CopyObject");

  // The route's edges (rest_routes.h): the required header on a route two
  // operations share, a trailing slash, a key that ends in one.
  r = parse_request(
      make("PUT", "/bucket/k?partNumber=1&uploadId=u", {{"x-amz-copy-source", "/b/o"}}), models(),
      "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "UploadPartCopy");
  r = parse_request(make("GET", "/bucket/"), models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "ListObjects");
  r = parse_request(make("GET", "/bucket/dir/"), models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "GetObject");
  EXPECT_EQ(r.call->input["Key"], "dir/");

  r = parse_request(make("GET", "/bucket?list-type=2&prefix=a"), models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "ListObjectsV2");

  r = parse_request(make("GET", "/"), models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->operation_name, "ListBuckets");

  r = parse_request(make("POST", "/bucket?delete", {},
                         "<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>"
                         "<Quiet>true</Quiet></Delete>"),
                    models(), "s3");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(json::serialize(r.call->input["Delete"]),
            R"({"Objects":[{"Key":"a"},{"Key":"b"}],"Quiet":true})");
}

// Shapes are resolved once per model (ShapeInfo); a definition that is not
// one of the model's shapes (a payload member's own) is resolved on the spot
// and its references still reach the model's shapes.
TEST(Validate, ShapesResolvedOnceAndOutsideTheModel) {
  ServiceModel model(json::parse(R"({
    "metadata": {"protocol": "json", "jsonVersion": "1.0"},
    "shapes": {
      "In": {"type": "structure", "members": {
        "Name": {"shape": "Str", "locationName": "name"},
        "Tags": {"shape": "Tags"}, "Lost": {"shape": "Missing"}}},
      "Tags": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
      "Str": {"type": "string"}}})")
                         .as_object());
  auto in = input::json_to_value(model, *model.shape("In"),
                                 json::parse(R"({"name":"n","Tags":{"k":"v"},"Lost":1})"), "");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(json::serialize(*in), R"({"Name":"n","Tags":{"k":"v"}})");
  auto bad = input::json_to_value(model, *model.shape("In"), json::parse(R"({"name":1})"), "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Unexpected value type at 'Name': expected a string");

  json::object outside = json::parse(R"({"type": "structure", "members": {
    "Tags": {"shape": "Tags"}}})")
                             .as_object();
  auto own = input::json_to_value(model, outside, json::parse(R"({"Tags":{"a":"b"}})"), "p");
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_EQ(json::serialize(*own), R"({"Tags":{"a":"b"}})");
}

TEST(Validate, AwsMessages) {
  auto r = parse_request(form("Action=CreateQueue&Version=2012-11-05"), models(), "sqs");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "ValidationError");
  EXPECT_EQ(r.failure->error.message,
            "1 validation error detected: Value null at 'queueName' failed to satisfy "
            "constraint: Member must not be null");

  // TableName (min 3) in every botocore; DescribeTable's takes an ARN (min 1) since 1.34.
  r = parse_request(json_call("DynamoDB_20120810.ListTables", R"({"ExclusiveStartTableName":"ab"})",
                              "application/x-amz-json-1.0"),
                    models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "ValidationException");
  EXPECT_EQ(r.failure->error.message,
            "1 validation error detected: Value 'ab' at 'exclusiveStartTableName' failed to "
            "satisfy constraint: Member must have length greater than or equal to 3");

  r = parse_request(json_call("DynamoDB_20120810.Scan", R"({"Limit":0,"Select":"EVERYTHING"})",
                              "application/x-amz-json-1.0"),
                    models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.message,
            "2 validation errors detected: Value null at 'tableName' failed to satisfy "
            "constraint: Member must not be null; Value '0' at 'limit' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");

  // Places inside lists and structures, and after them the next member.
  r = parse_request(json_call("Kinesis_20131202.PutRecords",
                              R"({"StreamName":"s","Records":[{"Data":"YQ==","PartitionKey":"k"},)"
                              R"({"Data":"YQ==","PartitionKey":""},{"PartitionKey":"k"}]})",
                              "application/x-amz-json-1.1"),
                    models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.message,
            "2 validation errors detected: Value '' at 'records.2.member.partitionKey' failed "
            "to satisfy constraint: Member must have length greater than or equal to 1; Value "
            "null at 'records.3.member.data' failed to satisfy constraint: Member must not be "
            "null");

  // The document is read into a per-request arena; the input value handed
  // on shares nothing with it (every part on the default allocator).
  r = parse_request(
      json_call("Kinesis_20131202.PutRecords",
                R"({"StreamName":"a-stream-name-past-the-short-size",)"
                R"("Records":[{"Data":"YQ==","PartitionKey":"a-partition-key-long"}]})",
                "application/x-amz-json-1.1"),
      models(), "");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  const auto* heap = json::storage_ptr().get();
  const auto& record = r.call->input.at("Records").as_array().at(0).as_object();
  EXPECT_EQ(r.call->input.at("StreamName").as_string().storage().get(), heap);
  EXPECT_EQ(record.storage().get(), heap);
  EXPECT_EQ(record.at("PartitionKey").as_string().storage().get(), heap);
  EXPECT_EQ(record.at("Data").as_string().storage().get(), heap);

  // Enum values newer than the embedded model reach the service (which checks
  // what it acts on): Lambda's python3.12 is not in botocore 1.29.27's enum.
  http::Request create;
  create.method = "POST";
  create.target = "/2015-03-31/functions";
  create.headers = {{"content-type", "application/json"}};
  create.body =
      R"({"FunctionName":"f","Runtime":"python3.12","Role":"arn:aws:iam::000000000000:role/r",)"
      R"("Handler":"app.handler","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}})";
  r = parse_request(create, models(), "lambda");
  ASSERT_TRUE(r.call) << r.failure->error.message;
  EXPECT_EQ(r.call->input.at("Runtime").as_string(), "python3.12");

  r = parse_request(
      json_call("Kinesis_20131202.ListStreams", R"({"Limit":"x"})", "application/x-amz-json-1.1"),
      models(), "");
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->error.code, "SerializationException");
}

}  // namespace
}  // namespace nimbus::protocol
