// REST AWS integrations to other services: the integration URI, the
// integration request handed to SQS (awsQuery: the queue path with a form
// body, and an action with query parameters) and DynamoDB (awsJson: an
// action with a JSON template), the answers in the services' wire forms
// selected by status, through the real services and InProcessCalls.
#include <gtest/gtest.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/apigateway/aws_service.h"
#include "services/apigateway/test_rest_api.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/in_process.h"
#include "services/sqs/sqs_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;
using testing::ServiceTest;

TEST(ServiceUri, ActionsPathsAndSubdomains) {
  auto a = parse_service_uri("arn:aws:apigateway:eu-west-1:sqs:action/SendMessage");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->region, "eu-west-1");
  EXPECT_EQ(a->service, "sqs");
  EXPECT_EQ(a->action, "SendMessage");
  EXPECT_EQ(a->path, "/");
  auto p = parse_service_uri("arn:aws:apigateway:us-east-1:sqs:path/000000000000/orders");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->action, "");
  EXPECT_EQ(p->path, "/000000000000/orders");
  auto sub =
      parse_service_uri("arn:aws:apigateway:us-east-1:sync.states:action/StartSyncExecution");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->service, "states");
  for (const char* bad :
       {"", "arn:aws:apigateway:us-east-1:sqs", "arn:aws:apigateway::sqs:action/X",
        "arn:aws:apigateway:us-east-1::action/X", "arn:aws:apigateway:us-east-1:sqs:action/",
        "arn:aws:apigateway:us-east-1:sqs:path/",
        "arn:aws:apigateway:us-east-1:sqs:verb/SendMessage",
        "arn:aws:apigateway:us-east-1:sqs:action/Send?x=1",
        "arn:aws:lambda:us-east-1:000000000000:function:f"}) {
    EXPECT_FALSE(parse_service_uri(bad)) << bad;
  }
}

class AwsServiceTest : public ServiceTest<RestApiService> {
 protected:
  AwsServiceTest()
      : ServiceTest(
            {[](Environment& env) { return std::make_unique<sqs::SqsService>(env); },
             [](Environment& env) { return std::make_unique<dynamodb::DynamoDbService>(env); },
             [this](Environment& env) {
               auto s = std::make_unique<RestApiService>(env, &fn);
               s->use_calls(calls.get());
               rest = s.get();
               return s;
             },
             [this](Environment& env) {
               auto s = std::make_unique<HttpApiService>(env, &fn, rest);
               s->use_calls(calls.get());
               return s;
             }}) {}

  void SetUp() override {
    ServiceTest::SetUp();
    auto api = call("CreateRestApi", {{"name", "svc"}});
    id = s(api["id"]);
    root = s(api["rootResourceId"]);
    queue_url = s(other("sqs", "CreateQueue", {{"QueueName", "orders"}})["QueueUrl"]);
  }

  json::object other(const std::string& model, const std::string& op, json::object in) {
    auto out = try_call(service(model), ctx(op), std::move(in));
    EXPECT_TRUE(out) << op << ": " << (out ? "" : out.error().message);
    return out ? *out : json::object{};
  }

  // POST /{part} with an AWS integration `integration` (type and method
  // added) and integration responses `responses`, deployed to "prod".
  void method(const std::string& part, json::object integration, json::array responses) {
    auto res = s(
        call("CreateResource", {{"restApiId", id}, {"parentId", root}, {"pathPart", part}})["id"]);
    json::object where{{"restApiId", id}, {"resourceId", res}, {"httpMethod", "POST"}};
    json::object m = where;
    m["authorizationType"] = "NONE";
    call("PutMethod", m);
    for (auto& [k, v] : where) integration[k] = v;
    integration["type"] = "AWS";
    if (!integration.contains("integrationHttpMethod"))
      integration["integrationHttpMethod"] = "POST";
    call("PutIntegration", integration);
    for (auto& r : responses) {
      json::object ir = r.as_object();
      for (auto& [k, v] : where) ir[k] = v;
      json::object mr = where;
      mr["statusCode"] = ir["statusCode"];
      call("PutMethodResponse", mr);
      call("PutIntegrationResponse", ir);
    }
    call("CreateDeployment", {{"restApiId", id}, {"stageName", "prod"}});
  }

  http::Response post(const std::string& target, const std::string& body,
                      const std::string& content_type = "application/json",
                      const std::string& api = "") {
    UserRequest r;
    r.id = api.empty() ? id : api;
    r.path = target.substr(0, target.find('?'));
    r.request.method = "POST";
    r.request.target = target;
    r.request.headers = {{"host", r.id + ".execute-api.localhost:4566"},
                         {"content-type", content_type}};
    r.request.body = body;
    r.request.remote = "10.1.2.3:4";
    return user_call(std::move(r));
  }

  std::vector<json::object> receive() {
    auto out =
        other("sqs", "ReceiveMessage", {{"QueueUrl", queue_url}, {"MaxNumberOfMessages", 10}});
    std::vector<json::object> got;
    if (const auto* ms = out.if_contains("Messages"))
      for (const auto& m : ms->as_array()) got.push_back(m.as_object());
    return got;
  }

  NoFunctions fn;
  RestApiService* rest = nullptr;
  std::unique_ptr<InProcessCalls> calls = std::make_unique<InProcessCalls>(services);
  std::string id, root, queue_url;
};

TEST_F(AwsServiceTest, AQueuePathWithAFormTemplateSendsTheBody) {
  method("orders",
         {{"uri", "arn:aws:apigateway:us-east-1:sqs:path/000000000000/orders"},
          {"requestParameters", json::object{{"integration.request.header.Content-Type",
                                              "'application/x-www-form-urlencoded'"}}},
          {"requestTemplates",
           json::object{{"application/json",
                         "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"}}}},
         json::array{json::object{{"statusCode", "200"}}});
  auto r = post("/prod/orders", R"({"item":"book & pen","n":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  // The body is SQS's JSON form of its answer.
  auto doc = json::parse(r.body).as_object();
  const auto& result = doc.at("SendMessageResponse").at("SendMessageResult").as_object();
  EXPECT_EQ(result.at("MessageId").as_string().size(), 36u);
  EXPECT_TRUE(result.at("SequenceNumber").is_null());
  EXPECT_FALSE(
      doc.at("SendMessageResponse").at("ResponseMetadata").at("RequestId").as_string().empty());
  auto got = receive();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), R"({"item":"book & pen","n":2})");
  EXPECT_EQ(s(got[0].at("MessageId")), s(result.at("MessageId")));
}

TEST(ServiceUri, TheEndpointIsTheHostWithoutTheApi) {
  EXPECT_EQ(endpoint_of("abc123.execute-api.localhost:4566"), "http://localhost:4566");
  EXPECT_EQ(endpoint_of("127.0.0.1:4566"), "http://127.0.0.1:4566");
  EXPECT_EQ(endpoint_of(""), "");
}

TEST_F(AwsServiceTest, AQueueMadeThroughAnIntegrationHasTheServersUrl) {
  method("queues",
         {{"uri", "arn:aws:apigateway:us-east-1:sqs:action/CreateQueue"},
          {"requestParameters",
           json::object{{"integration.request.querystring.QueueName", "'made'"}}}},
         json::array{json::object{{"statusCode", "200"}}});
  auto r = post("/prod/queues", "");
  ASSERT_EQ(r.status, 200) << r.body;
  auto url = json::parse(r.body).at("CreateQueueResponse").at("CreateQueueResult").at("QueueUrl");
  EXPECT_EQ(s(url), "http://localhost:4566/000000000000/made");
}

TEST_F(AwsServiceTest, AnActionTakesItsParametersFromTheQueryAndErrorsSelectByStatus) {
  method("send",
         {{"uri", "arn:aws:apigateway:us-east-1:sqs:action/SendMessage"},
          {"requestParameters",
           json::object{
               {"integration.request.querystring.QueueUrl", "method.request.querystring.q"},
               {"integration.request.querystring.MessageBody", "method.request.querystring.m"}}}},
         json::array{
             json::object{{"statusCode", "200"},
                          {"responseTemplates", json::object{{"application/json",
                                                              "$input.path('$.SendMessageResponse."
                                                              "SendMessageResult.MessageId')"}}}},
             json::object{{"statusCode", "400"},
                          {"selectionPattern", "4\\d{2}"},
                          {"responseTemplates",
                           json::object{{"application/json",
                                         R"T({"refused": "$input.path('$.__type')"})T"}}}}});
  auto r = post("/prod/send?q=" + queue_url + "&m=hello", "");
  ASSERT_EQ(r.status, 200) << r.body;
  auto got = receive();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "hello");
  EXPECT_EQ(r.body, s(got[0].at("MessageId")));
  // A queue that does not exist: SQS's 400, picked by the pattern.
  auto missing = post("/prod/send?q=http://localhost:4566/000000000000/nope&m=x", "");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("QueueDoesNotExist"), std::string::npos) << missing.body;
  // No MessageBody: the model's validation error, nothing sent.
  auto invalid = post("/prod/send?q=" + queue_url, "");
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_TRUE(receive().empty());
}

TEST_F(AwsServiceTest, AJsonServiceActionGetsItsTargetAndAnswersInJson) {
  other("dynamodb", "CreateTable",
        {{"TableName", "orders"},
         {"AttributeDefinitions",
          json::array{json::object{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
         {"KeySchema", json::array{json::object{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
         {"BillingMode", "PAY_PER_REQUEST"}});
  method("put",
         {{"uri", "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"},
          {"requestTemplates", json::object{{"application/json",
                                             R"T({"TableName": "$input.path('$.table')",
 "Item": {"id": {"S": "$input.path('$.id')"}, "who": {"S": "$context.requestId"}}})T"}}}},
         json::array{json::object{{"statusCode", "200"},
                                  {"responseTemplates",
                                   json::object{{"application/json", R"({"stored": true})"}}}},
                     json::object{{"statusCode", "404"}, {"selectionPattern", "400"}}});
  auto r = post("/prod/put", R"({"table": "orders", "id": "o-1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"stored": true})"));
  auto item =
      other("dynamodb", "GetItem",
            {{"TableName", "orders"}, {"Key", json::object{{"id", json::object{{"S", "o-1"}}}}}});
  EXPECT_EQ(s(item.at("Item").at("who").at("S")).size(), 36u);
  // An unknown table: DynamoDB's 400 ResourceNotFoundException body as is.
  auto missing = post("/prod/put", R"({"table": "nope", "id": "o-2"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("ResourceNotFoundException"), std::string::npos) << missing.body;
}

TEST_F(AwsServiceTest, AServiceNimbusDoesNotServeIsA500AndABadUriIsRefused) {
  method("x", {{"uri", "arn:aws:apigateway:us-east-1:glacier:action/ListVaults"}},
         json::array{json::object{{"statusCode", "200"}}});
  auto r = post("/prod/x", "{}");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"message":"Internal server error"})");
  auto res =
      s(call("CreateResource", {{"restApiId", id}, {"parentId", root}, {"pathPart", "y"}})["id"]);
  call("PutMethod", {{"restApiId", id},
                     {"resourceId", res},
                     {"httpMethod", "GET"},
                     {"authorizationType", "NONE"}});
  expect_error("PutIntegration",
               {{"restApiId", id},
                {"resourceId", res},
                {"httpMethod", "GET"},
                {"type", "AWS"},
                {"integrationHttpMethod", "POST"},
                {"uri", "arn:aws:apigateway:us-east-1:sqs:SendMessage"}},
               "BadRequestException");
}

TEST_F(AwsServiceTest, AnHttpApiSubtypeSendsWhatItsParametersMap) {
  auto api = other("apigatewayv2", "CreateApi", {{"Name", "h"}, {"ProtocolType", "HTTP"}});
  std::string api_id = s(api["ApiId"]);
  json::object integration{{"ApiId", api_id},
                           {"IntegrationType", "AWS_PROXY"},
                           {"IntegrationSubtype", "SQS-SendMessage"},
                           {"PayloadFormatVersion", "1.0"},
                           {"CredentialsArn", "arn:aws:iam::000000000000:role/r"}};
  // Required parameters are checked when the integration is made.
  integration["RequestParameters"] = json::object{{"QueueUrl", queue_url}};
  auto missing = try_call(service("apigatewayv2"), ctx("CreateIntegration"), integration);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "BadRequestException");
  integration["RequestParameters"] =
      json::object{{"QueueUrl", queue_url}, {"MessageBody", "x"}, {"Color", "red"}};
  EXPECT_FALSE(try_call(service("apigatewayv2"), ctx("CreateIntegration"), integration));
  integration["IntegrationSubtype"] = "SQS-Teleport";
  EXPECT_FALSE(try_call(service("apigatewayv2"), ctx("CreateIntegration"), integration));
  integration["IntegrationSubtype"] = "SQS-SendMessage";
  integration["RequestParameters"] =
      json::object{{"QueueUrl", "$request.header.x-queue"},
                   {"MessageBody", "$request.body.order.item for $request.querystring.who"},
                   {"DelaySeconds", "$request.body.delay"},
                   {"MessageAttributes",
                    R"({"route": {"DataType": "String", "StringValue": "$context.requestId"}})"}};
  auto made = other("apigatewayv2", "CreateIntegration", integration);
  other("apigatewayv2", "CreateRoute",
        {{"ApiId", api_id},
         {"RouteKey", "POST /orders"},
         {"Target", "integrations/" + s(made["IntegrationId"])}});
  other("apigatewayv2", "CreateStage",
        {{"ApiId", api_id}, {"StageName", "$default"}, {"AutoDeploy", true}});
  auto r = execute_api(api_id, "POST", "/orders?who=ann",
                       {{"content-type", "application/json"}, {"x-queue", queue_url}});
  r.request.body = R"({"order": {"item": "tea"}, "delay": 0})";
  auto resp = user_call(std::move(r));
  ASSERT_EQ(resp.status, 200) << resp.body;
  auto answer = json::parse(resp.body).as_object();
  auto got = receive();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(s(got[0].at("Body")), "tea for ann");
  EXPECT_EQ(s(answer.at("MessageId")), s(got[0].at("MessageId")));
  EXPECT_FALSE(resp.header("apigw-requestid").empty());
}

}  // namespace
}  // namespace nimbus::services::apigateway
