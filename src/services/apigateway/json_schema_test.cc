// JSON Schema draft 4 (the subset json_schema.h lists): schemas that parse
// or are refused, and instances that pass or fail each keyword.
#include "services/apigateway/json_schema.h"

#include <gtest/gtest.h>

namespace nimbus::services::apigateway {
namespace {

namespace json = boost::json;

bool valid(const char* schema, const char* doc) {
  auto s = JsonSchema::parse(schema);
  EXPECT_TRUE(s) << schema;
  if (!s) return false;
  return !s->validate(json::parse(doc));
}

TEST(JsonSchema, SchemasThatDoNotParseAreRefused) {
  EXPECT_FALSE(JsonSchema::parse("not json"));
  EXPECT_FALSE(JsonSchema::parse("[]"));
  EXPECT_FALSE(JsonSchema::parse(R"({"type": "pet"})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"type": []})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"minLength": -1})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"pattern": "("})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"properties": {"a": 1}})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"required": [1]})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"multipleOf": 0})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"exclusiveMinimum": 3})"));
  EXPECT_FALSE(JsonSchema::parse(R"({"allOf": []})"));
  EXPECT_TRUE(JsonSchema::parse(R"({"$schema": "http://json-schema.org/draft-04/schema#",
                                    "title": "Empty Schema", "type": "object"})"));
}

TEST(JsonSchema, TypesAndEnums) {
  EXPECT_TRUE(valid(R"({"type": "object"})", "{}"));
  EXPECT_FALSE(valid(R"({"type": "object"})", "[]"));
  EXPECT_TRUE(valid(R"({"type": "number"})", "3"));
  EXPECT_TRUE(valid(R"({"type": "integer"})", "3.0"));
  EXPECT_FALSE(valid(R"({"type": "integer"})", "3.5"));
  EXPECT_TRUE(valid(R"({"type": ["string", "null"]})", "null"));
  EXPECT_FALSE(valid(R"({"type": ["string", "null"]})", "true"));
  EXPECT_TRUE(valid(R"({"enum": ["dog", 3]})", "3"));
  EXPECT_FALSE(valid(R"({"enum": ["dog", 3]})", "\"cat\""));
}

TEST(JsonSchema, ObjectsAndArrays) {
  const char* pet = R"({"type": "object", "required": ["name"],
      "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 4},
                     "price": {"type": "number", "minimum": 0, "exclusiveMinimum": true},
                     "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2,
                              "uniqueItems": true}},
      "additionalProperties": false})";
  EXPECT_TRUE(valid(pet, R"({"name": "rex", "price": 1, "tags": ["a", "b"]})"));
  EXPECT_FALSE(valid(pet, R"({"price": 1})"));
  EXPECT_FALSE(valid(pet, R"({"name": ""})"));
  EXPECT_TRUE(valid(pet, R"({"name": "žluť"})"));  // 4 code points
  EXPECT_FALSE(valid(pet, R"({"name": "rexes"})"));
  EXPECT_FALSE(valid(pet, R"({"name": "rex", "price": 0})"));
  EXPECT_FALSE(valid(pet, R"({"name": "rex", "tags": ["a", "a"]})"));
  EXPECT_FALSE(valid(pet, R"({"name": "rex", "tags": ["a", "b", "c"]})"));
  EXPECT_FALSE(valid(pet, R"({"name": "rex", "tags": [1]})"));
  EXPECT_FALSE(valid(pet, R"({"name": "rex", "color": "red"})"));
  EXPECT_TRUE(valid(R"({"patternProperties": {"^x-": {"type": "string"}},
                        "additionalProperties": {"type": "integer"}})",
                    R"({"x-a": "s", "n": 3})"));
  EXPECT_FALSE(valid(R"({"patternProperties": {"^x-": {"type": "string"}}})", R"({"x-a": 1})"));
  EXPECT_FALSE(
      valid(R"({"items": [{"type": "string"}], "additionalItems": false})", R"(["a", "b"])"));
  EXPECT_TRUE(valid(R"({"minProperties": 1})", R"({"a": 1})"));
  EXPECT_FALSE(valid(R"({"minProperties": 1})", "{}"));
}

TEST(JsonSchema, StringsNumbersCombinatorsAndRefs) {
  EXPECT_TRUE(valid(R"({"pattern": "^[a-z]+$"})", "\"abc\""));
  EXPECT_FALSE(valid(R"({"pattern": "^[a-z]+$"})", "\"ab1\""));
  EXPECT_TRUE(valid(R"({"pattern": "b"})", "\"abc\""));  // searched, not anchored
  EXPECT_TRUE(valid(R"({"multipleOf": 0.5})", "2.5"));
  EXPECT_FALSE(valid(R"({"multipleOf": 2})", "3"));
  EXPECT_FALSE(valid(R"({"maximum": 3, "exclusiveMaximum": true})", "3"));
  EXPECT_TRUE(valid(R"({"maximum": 3})", "3"));
  EXPECT_TRUE(valid(R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})", "1"));
  EXPECT_FALSE(valid(R"({"oneOf": [{"type": "number"}, {"type": "integer"}]})", "1"));
  EXPECT_TRUE(valid(R"({"oneOf": [{"type": "number"}, {"type": "integer"}]})", "1.5"));
  EXPECT_FALSE(valid(R"({"allOf": [{"type": "number"}, {"minimum": 2}]})", "1"));
  EXPECT_FALSE(valid(R"({"not": {"type": "null"}})", "null"));
  const char* refs = R"({"definitions": {"pet": {"type": "object", "required": ["id"]}},
                         "type": "array", "items": {"$ref": "#/definitions/pet"}})";
  EXPECT_TRUE(valid(refs, R"([{"id": 1}])"));
  EXPECT_FALSE(valid(refs, R"([{"name": 1}])"));
  EXPECT_FALSE(valid(R"({"$ref": "https://apigateway.amazonaws.com/restapis/a/models/B"})", "{}"));
  // A $ref loop ends at the depth bound with a failure, not a crash.
  EXPECT_FALSE(valid(R"({"$ref": "#"})", "{}"));
  auto s = JsonSchema::parse(R"({"type": "object", "required": ["name"]})");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->validate(json::parse("{}")), "object has missing required properties ([\"name\"])");
}

}  // namespace
}  // namespace nimbus::services::apigateway
