#include "services/cloudformation/stack_tags.h"

#include <set>
#include <string_view>

#include "common/json_fields.h"
#include "common/tag_keys.h"

namespace nimbus::services::cloudformation {

namespace {

struct Tagged {
  std::string_view type;
  // Whether the aws:cloudformation:* tags go too (the services take them
  // from CloudFormation's calls: services::takes_aws_tags); a nested stack
  // gets its parent's stack tags only.
  bool system;
  // Whether the type's Tags are a key -> value map (AWS::ApiGatewayV2's)
  // rather than [{Key, Value}].
  bool map = false;
};

// The types whose providers apply Tags on create and on update (tags
// changed by an UpdateStack are untagged and tagged in place).
constexpr Tagged kTagged[] = {
    {"AWS::SQS::Queue", true},
    {"AWS::SNS::Topic", true},
    {"AWS::DynamoDB::Table", true},
    {"AWS::Events::EventBus", true},
    {"AWS::Logs::LogGroup", true},
    {"AWS::S3::Bucket", true},
    {"AWS::Lambda::Function", true},
    {"AWS::IAM::Role", true},
    {"AWS::StepFunctions::StateMachine", true},
    {"AWS::Kinesis::Stream", true},
    {"AWS::Scheduler::ScheduleGroup", true},
    {"AWS::CloudWatch::Alarm", true},
    {"AWS::CloudWatch::CompositeAlarm", true},
    {"AWS::ApiGateway::RestApi", true},
    {"AWS::ApiGateway::Stage", true},
    {"AWS::ApiGateway::ApiKey", true},
    {"AWS::ApiGateway::UsagePlan", true},
    {"AWS::ApiGatewayV2::Api", true, true},
    {"AWS::ApiGatewayV2::Stage", true, true},
    {"AWS::CloudFormation::Stack", false},
};

const Tagged* tagged(std::string_view type) {
  for (const auto& t : kTagged) {
    if (t.type == type) return &t;
  }
  return nullptr;
}

const std::string_view kReserved = "aws: prefixed tag key names are not allowed for external use.";

// The same for Tags as a key -> value map.
Result<json::object> with_stack_tag_map(const StackState& s, const std::string& logical_id,
                                        bool system, json::object props) {
  json::object tags;
  if (const auto* own = props.if_contains("Tags"); own != nullptr) {
    if (!own->is_object()) return props;  // the service answers for a malformed Tags
    tags = own->as_object();
    for (const auto& [k, v] : tags) {
      if (reserved_tag_key(k)) return Error::validation(std::string(kReserved));
    }
  }
  auto add = [&](const std::string& key, const std::string& value) {
    if (!tags.contains(key)) tags[key] = value;
  };
  for (const auto& tag : s.tags) {
    if (tag.is_object()) add(str(tag.as_object(), "Key"), str(tag.as_object(), "Value"));
  }
  if (system) {
    add("aws:cloudformation:stack-name", s.name);
    add("aws:cloudformation:stack-id", s.id);
    add("aws:cloudformation:logical-id", logical_id);
  }
  if (!tags.empty()) props["Tags"] = std::move(tags);
  return props;
}

}  // namespace

Result<json::object> with_stack_tags(const StackState& s, const std::string& logical_id,
                                     const std::string& type, json::object props) {
  const Tagged* t = tagged(type);
  if (t == nullptr) return props;
  if (t->map) return with_stack_tag_map(s, logical_id, t->system, std::move(props));
  json::array tags;
  std::set<std::string> keys;
  if (const auto* own = props.if_contains("Tags"); own != nullptr) {
    if (!own->is_array()) return props;  // the service answers for a malformed Tags
    for (const auto& tag : own->as_array()) {
      if (tag.is_object()) {
        std::string key = str(tag.as_object(), "Key");
        if (reserved_tag_key(key)) {
          return Error::validation(std::string(kReserved));
        }
        keys.insert(std::move(key));
      }
      tags.push_back(tag);
    }
  }
  auto add = [&](const std::string& key, const std::string& value) {
    if (keys.insert(key).second) tags.push_back(json::object{{"Key", key}, {"Value", value}});
  };
  for (const auto& tag : s.tags) {
    if (tag.is_object()) add(str(tag.as_object(), "Key"), str(tag.as_object(), "Value"));
  }
  if (t->system) {
    add("aws:cloudformation:stack-name", s.name);
    add("aws:cloudformation:stack-id", s.id);
    add("aws:cloudformation:logical-id", logical_id);
  }
  if (!tags.empty()) props["Tags"] = std::move(tags);
  return props;
}

}  // namespace nimbus::services::cloudformation
