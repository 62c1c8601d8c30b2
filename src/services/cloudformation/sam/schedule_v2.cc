// ScheduleV2 events of functions and state machines.
#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

Status expand_schedule_v2(const std::string& id, const json::object& p,
                          const json::value& target_arn, std::string_view action,
                          std::string_view policy_suffix, const std::string& condition,
                          Expansion& x) {
  json::object props;
  copy(props, p,
       {"Description", "EndDate", "GroupName", "KmsKeyArn", "ScheduleExpression",
        "ScheduleExpressionTimezone", "StartDate", "State"});
  const auto* omit = p.if_contains("OmitName");
  if (const auto* n = p.if_contains("Name")) {
    props["Name"] = *n;
  } else if (omit == nullptr || !omit->is_bool() || !omit->as_bool()) {
    props["Name"] = id;
  }
  const auto* window = p.if_contains("FlexibleTimeWindow");
  props["FlexibleTimeWindow"] = window != nullptr ? *window : json::object{{"Mode", "OFF"}};
  std::string role_id = id + "Role";
  json::object target{{"Arn", target_arn}};
  if (const auto* r = p.if_contains("RoleArn")) {
    target["RoleArn"] = *r;
  } else {
    target["RoleArn"] = get_att(role_id, "Arn");
  }
  copy(target, p, {"Input", "RetryPolicy"});
  const json::value* dlq_arn = nullptr;
  if (const auto* dlq = p.if_contains("DeadLetterConfig"); dlq && dlq->is_object()) {
    dlq_arn = dlq->as_object().if_contains("Arn");
    if (dlq_arn != nullptr) target["DeadLetterConfig"] = json::object{{"Arn", *dlq_arn}};
  }
  props["Target"] = std::move(target);
  x.add(id, resource("AWS::Scheduler::Schedule", std::move(props)), condition);
  if (p.contains("RoleArn")) return Status::ok();
  // The role the scheduler assumes: the call on the target, and the send to
  // the dead-letter queue when there is one.
  auto policy = [](std::string name, json::value action_name, json::value on) {
    return json::object{
        {"PolicyName", std::move(name)},
        {"PolicyDocument",
         json::object{{"Statement", json::array{json::object{{"Action", std::move(action_name)},
                                                             {"Effect", "Allow"},
                                                             {"Resource", std::move(on)}}}}}}};
  };
  json::array policies{policy(id + std::string(policy_suffix), json::string(action), target_arn)};
  if (dlq_arn != nullptr) policies.push_back(policy(id + "SQSPolicy", "sqs:SendMessage", *dlq_arn));
  json::object role{{"AssumeRolePolicyDocument", trust_policy("scheduler.amazonaws.com")},
                    {"Policies", std::move(policies)}};
  copy(role, p, {"PermissionsBoundary"});
  x.add(role_id, resource("AWS::IAM::Role", std::move(role)), condition);
  return Status::ok();
}

}  // namespace nimbus::cfn::sam
