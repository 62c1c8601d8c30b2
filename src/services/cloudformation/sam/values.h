// Small builders shared by the SAM transform's files: intrinsic functions,
// resources, SAM's error messages. Pure values.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/error.h"

namespace nimbus::cfn::sam {

namespace json = boost::json;

inline json::value ref_to(std::string_view id) {
  return json::object{{"Ref", id}};
}
inline json::value get_att(std::string_view id, std::string_view attr) {
  return json::object{{"Fn::GetAtt", json::array{json::string(id), json::string(attr)}}};
}
inline json::value sub(std::string_view text) {
  return json::object{{"Fn::Sub", text}};
}
inline json::value sub(std::string_view text, json::object vars) {
  return json::object{{"Fn::Sub", json::array{json::string(text), std::move(vars)}}};
}

// A policy statement allowing `actions` (one or a list) on `resource`.
inline json::object allow(json::value actions, json::value resource) {
  return json::object{
      {"Action", std::move(actions)}, {"Effect", "Allow"}, {"Resource", std::move(resource)}};
}

// Copies the members `keys` of `from` that are present into `to`.
inline void copy(json::object& to, const json::object& from,
                 std::initializer_list<std::string_view> keys) {
  for (auto k : keys) {
    if (const auto* v = from.if_contains(k)) to[k] = *v;
  }
}

// {"Type": type, "Properties": props}.
inline json::object resource(std::string_view type, json::object props) {
  return json::object{{"Type", type}, {"Properties", std::move(props)}};
}

// True for {"Ref": ...} and {"Fn::...": ...}: a value only known at deploy time.
inline bool is_intrinsic(const json::value& v) {
  if (!v.is_object() || v.as_object().size() != 1) return false;
  std::string_view key = v.as_object().begin()->key();
  return key == "Ref" || key == "Condition" || key.starts_with("Fn::");
}

// The logical id a {"Ref": id} names, or "" for anything else.
inline std::string ref_target(const json::value& v) {
  if (!is_intrinsic(v)) return "";
  const auto* r = v.as_object().if_contains("Ref");
  return r != nullptr && r->is_string() ? std::string(r->as_string()) : std::string();
}

// SAM's error, as CloudFormation reports a failed transform.
inline Error invalid_document(std::string_view detail) {
  return Error::validation(
      "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application "
      "Specification document. Number of errors found: 1. " +
      std::string(detail));
}
inline Error invalid_resource(std::string_view id, std::string_view why) {
  return invalid_document("Resource with id [" + std::string(id) + "] is invalid. " +
                          std::string(why));
}
inline Error invalid_event(std::string_view id, std::string_view event, std::string_view why) {
  return invalid_resource(
      id, "Event with id [" + std::string(event) + "] is invalid. " + std::string(why));
}

// The tags SAM puts on what it creates: {"lambda:createdBy": "SAM"} first,
// then the resource's own (a map of key to value) as a Tags list.
json::array tag_list(std::string_view key, const json::value* tags);

// The trust policy letting `service` ("lambda.amazonaws.com") assume a role.
json::object trust_policy(std::string_view service);
// An AWS::SQS::QueuePolicy resource: `statement` on the queue at `queue_url`.
json::object queue_policy(json::value queue_url, json::object statement);

// A stable short hex digest of a value (Version and Deployment logical ids
// change when what they snapshot changes).
std::string digest(const json::value& v, size_t hex_digits);

}  // namespace nimbus::cfn::sam
