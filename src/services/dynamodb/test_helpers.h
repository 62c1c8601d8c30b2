// Helpers of the DynamoDB unit tests.
#pragma once

#include <string>

#include "protocol/engine.h"
#include "protocol/model.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::dynamodb::testing {

namespace json = boost::json;

// Attribute values: {"S": v} and {"N": v}.
inline json::object S(const std::string& v) {
  return {{"S", v}};
}
inline json::object N(const std::string& v) {
  return {{"N", v}};
}

class DynamoDbTest : public services::testing::ServiceTest<DynamoDbService> {
 protected:
  // CreateTable input of an on-demand table keyed by `hash` (S) and, when
  // given, `range` (N).
  static json::object table_input(const std::string& name, const std::string& hash = "pk",
                                  const std::string& range = "") {
    json::array defs{json::object{{"AttributeName", hash}, {"AttributeType", "S"}}};
    json::array keys{json::object{{"AttributeName", hash}, {"KeyType", "HASH"}}};
    if (!range.empty()) {
      defs.push_back(json::object{{"AttributeName", range}, {"AttributeType", "N"}});
      keys.push_back(json::object{{"AttributeName", range}, {"KeyType", "RANGE"}});
    }
    return {{"TableName", name},
            {"AttributeDefinitions", std::move(defs)},
            {"KeySchema", std::move(keys)},
            {"BillingMode", "PAY_PER_REQUEST"}};
  }
  json::object create_table(const std::string& name, const std::string& hash = "pk",
                            const std::string& range = "") {
    return call("CreateTable", table_input(name, hash, range));
  }
  // A call answered as the router answers a client over awsJson 1.0: the
  // body, and whether the handler answered JSON fragments. `json_text`:
  // the handler is told the output is written as text (as the router
  // does); without, it answers values only (as in-process calls see).
  struct WireAnswer {
    std::string body;
    bool fragments = false;
  };
  WireAnswer wire_answer(const std::string& op, json::object in, bool json_text = true) {
    static const protocol::ModelRegistry models({"dynamodb"});
    protocol::Call wire;
    wire.protocol = protocol::Protocol::kJson10;
    wire.service = models.by_name("dynamodb");
    wire.operation = wire.service->operation(op);
    wire.service_name = "dynamodb";
    wire.operation_name = op;
    CallContext c = ctx(op);
    c.payload->json_text = json_text;
    auto out = try_call(*main_service(), c, std::move(in));
    EXPECT_TRUE(out.is_ok()) << op << ": " << (out.is_ok() ? "" : out.error().message);
    if (!out.is_ok()) return {};
    return {protocol::serialize_output(wire, *out, "r", c.payload->json_fragments).body,
            c.payload->json_fragments};
  }
  // The message of a call that must fail with `code`.
  std::string error_message(const std::string& op, json::object in, const std::string& code) {
    auto out = try_call(op, std::move(in));
    EXPECT_FALSE(out.is_ok()) << op << " succeeded";
    if (out.is_ok()) return "";
    EXPECT_EQ(out.error().code, code) << out.error().message;
    return out.error().message;
  }
};

}  // namespace nimbus::services::dynamodb::testing
