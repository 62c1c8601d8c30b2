#include "services/sqs/policy.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <string_view>

#include "common/json_fields.h"
#include "services/sqs/errors.h"
#include "services/sqs/validate.h"

namespace nimbus::services::sqs::policy {

namespace json = boost::json;

namespace {

constexpr size_t kMaxActions = 7;
constexpr size_t kMaxStatements = 20;

// The actions another account may be granted, and those only the queue's
// owner may call (anything else is not an SQS action at all).
constexpr std::string_view kGrantable[] = {
    "*",           "ChangeMessageVisibility",    "DeleteMessage", "GetQueueAttributes",
    "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",    "ReceiveMessage",
    "SendMessage"};
constexpr std::string_view kOwnerOnly[] = {
    "AddPermission",        "CancelMessageMoveTask", "CreateQueue", "DeleteQueue",
    "ListMessageMoveTasks", "ListQueueTags",         "ListQueues",  "RemovePermission",
    "SetQueueAttributes",   "StartMessageMoveTask",  "TagQueue",    "UntagQueue"};

template <size_t N>
bool among(const std::string_view (&names)[N], std::string_view name) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

Error over_limit(size_t found, std::string_view what, size_t max) {
  return Error::make("OverLimit", std::to_string(found) + " " + std::string(what) +
                                      " were found, maximum allowed is " + std::to_string(max) +
                                      ".");
}

Status check_action(const std::string& action) {
  if (among(kGrantable, action)) return Status::ok();
  return errors::invalid_value("SQS:" + action, "ActionName",
                               among(kOwnerOnly, action)
                                   ? "Only the queue owner is allowed to invoke this action."
                                   : "Please refer to the appropriate WSDL for a list of valid "
                                     "actions.");
}

bool account_id(const std::string& id) {
  return id.size() == 12 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return std::isdigit(c); });
}

Status check(const Grant& g) {
  if (g.label.empty()) return errors::missing_parameter("Label");
  if (!validate::batch_entry_id(g.label)) {  // the same rule: 1-80 of [A-Za-z0-9_-]
    return errors::invalid_value(g.label, "Label",
                                 "Can only include alphanumeric characters, hyphens, or "
                                 "underscores. 1 to 80 in length.");
  }
  if (g.actions.empty()) return errors::missing_parameter("Actions");
  if (g.account_ids.empty()) {
    return errors::invalid_value("[]", "PrincipalId", "Unable to verify.");
  }
  if (g.actions.size() > kMaxActions) return over_limit(g.actions.size(), "Actions", kMaxActions);
  for (const auto& a : g.actions) NIMBUS_TRY(check_action(a));
  for (const auto& id : g.account_ids) {
    if (!account_id(id))
      return errors::invalid_value("[" + id + "]", "PrincipalId", "Unable to verify.");
  }
  return Status::ok();
}

// One value as a string, several as an array: how SQS renders a statement.
json::value one_or_many(const std::vector<std::string>& values) {
  if (values.size() == 1) return json::value(values.front());
  json::array a;
  for (const auto& v : values) a.emplace_back(v);
  return a;
}

json::object statement(const std::string& queue_arn, const Grant& g) {
  std::vector<std::string> principals, actions;
  for (const auto& id : g.account_ids) principals.push_back("arn:aws:iam::" + id + ":root");
  for (const auto& a : g.actions) actions.push_back("SQS:" + a);
  json::object s;
  s["Sid"] = g.label;
  s["Effect"] = "Allow";
  s["Principal"] = json::object{{"AWS", one_or_many(principals)}};
  s["Action"] = one_or_many(actions);
  s["Resource"] = queue_arn;
  return s;
}

// The document's statements as an array (a lone statement object counts as one).
json::array& statements(json::object& doc) {
  json::value& s = doc["Statement"];
  if (s.is_object()) s = json::array{std::move(s)};
  if (!s.is_array()) s = json::array{};
  return s.as_array();
}

json::array::iterator find_label(json::array& all, std::string_view label) {
  return std::find_if(all.begin(), all.end(), [&](const json::value& s) {
    return s.is_object() && nimbus::str(s.as_object(), "Sid") == label;
  });
}

}  // namespace

Result<std::string> add(const std::string& current, const std::string& queue_arn,
                        const Grant& grant) {
  NIMBUS_TRY(check(grant));
  json::object doc;
  if (auto parsed = current.empty() ? std::nullopt : parse_object(current)) {
    doc = std::move(*parsed);
  } else {
    doc["Version"] = "2012-10-17";
    doc["Id"] = queue_arn + "/SQSDefaultPolicy";
  }
  json::array& all = statements(doc);
  json::object wanted = statement(queue_arn, grant);
  if (auto it = find_label(all, grant.label); it != all.end()) {
    if (*it == json::value(wanted)) return current;
    return errors::invalid_value(grant.label, "Label", "Already exists.");
  }
  if (all.size() + 1 > kMaxStatements) {
    return over_limit(all.size() + 1, "Statements", kMaxStatements);
  }
  all.emplace_back(std::move(wanted));
  return json::serialize(doc);
}

Result<std::string> remove(const std::string& current, const std::string& label) {
  if (label.empty()) return errors::missing_parameter("Label");
  auto not_found = [&] {
    return errors::invalid_value(label, "Label", "can't find label on existing policy.");
  };
  auto doc = current.empty() ? std::nullopt : parse_object(current);
  if (!doc) return not_found();
  json::array& all = statements(*doc);
  auto it = find_label(all, label);
  if (it == all.end()) return not_found();
  all.erase(it);
  if (all.empty()) return std::string();
  return json::serialize(*doc);
}

}  // namespace nimbus::services::sqs::policy
