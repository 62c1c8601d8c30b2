// Helpers of the DynamoDB unit tests.
#pragma once

#include <string>

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
