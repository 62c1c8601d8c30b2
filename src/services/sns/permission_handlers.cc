// SNS handlers for the shorthand of a topic's access policy: AddPermission
// adds a statement allowing accounts some actions on the topic (to the
// default policy when the topic has none), RemovePermission removes it by
// its label. The policy is the topic's Policy attribute, which decides
// deliveries and other principals' calls (Service::resource_policy).
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "services/sns/attributes.h"
#include "services/sns/errors.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr const char* kActions[] = {"GetTopicAttributes",
                                    "SetTopicAttributes",
                                    "AddPermission",
                                    "RemovePermission",
                                    "DeleteTopic",
                                    "Subscribe",
                                    "ListSubscriptionsByTopic",
                                    "Publish",
                                    "Receive"};

bool valid_label(const std::string& label) {
  if (label.empty() || label.size() > 80) return false;
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool known_action(const std::string& a) {
  for (const char* k : kActions) {
    if (a == k) return true;
  }
  return false;
}

// One value alone, several as a list, as SNS writes Principal and Action.
json::value one_or_list(const std::vector<std::string>& values) {
  if (values.size() == 1) return json::value(values[0]);
  json::array list;
  for (const auto& v : values) list.push_back(json::string(v));
  return list;
}

json::array statements(const Topic& t) {
  const auto* policy = t.attribute("Policy");
  auto doc = parse_object(policy != nullptr ? *policy : default_policy(t));
  if (!doc) return {};
  const auto* list = doc->if_contains("Statement");
  return list != nullptr && list->is_array() ? list->as_array() : json::array{};
}

bool has_label(const json::array& list, const std::string& label) {
  for (const auto& s : list) {
    if (s.is_object() && str(s.as_object(), "Sid") == label) return true;
  }
  return false;
}

void keep(Topic& t, json::array list) {
  const auto* policy = t.attribute("Policy");
  auto doc = parse_object(policy != nullptr ? *policy : default_policy(t));
  json::object out = doc ? std::move(*doc) : json::object{{"Version", "2008-10-17"}};
  out["Statement"] = std::move(list);
  t.attributes["Policy"] = json::serialize(out);
}

}  // namespace

void SnsService::add_permission(const CallContext&, object in, Respond respond) {
  std::string label = str(in, "Label");
  auto accounts = string_list(in, "AWSAccountId");
  auto actions = string_list(in, "ActionName");
  if (!valid_label(label)) return respond(errors::invalid("Label"));
  if (accounts.empty()) return respond(errors::invalid("AWSAccountId"));
  if (actions.empty()) return respond(errors::invalid("ActionName"));
  std::vector<std::string> principals;
  for (const auto& a : accounts) {
    if (a.size() != 12 || a.find_first_not_of("0123456789") != std::string::npos) {
      return respond(errors::invalid("AWSAccountId"));
    }
    principals.push_back("arn:aws:iam::" + a + ":root");
  }
  std::vector<std::string> names;
  for (const auto& a : actions) {
    if (!known_action(a))
      return respond(
          errors::invalid("ActionName", "Policy statement action out of service scope!"));
    names.push_back("SNS:" + a);
  }
  topics_->update(
      str(in, "TopicArn"),
      [&](Topic& t) -> Status {
        auto list = statements(t);
        if (has_label(list, label)) return errors::invalid("Statement already exists");
        list.push_back(json::object{{"Sid", label},
                                    {"Effect", "Allow"},
                                    {"Principal", {{"AWS", one_or_list(principals)}}},
                                    {"Action", one_or_list(names)},
                                    {"Resource", t.arn}});
        keep(t, std::move(list));
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

void SnsService::remove_permission(const CallContext&, object in, Respond respond) {
  std::string label = str(in, "Label");
  if (label.empty()) return respond(errors::invalid("Label"));
  topics_->update(
      str(in, "TopicArn"),
      [&](Topic& t) -> Status {
        auto list = statements(t);
        json::array kept;
        for (auto& s : list) {
          if (!s.is_object() || str(s.as_object(), "Sid") != label) kept.push_back(std::move(s));
        }
        keep(t, std::move(kept));
        return Status::ok();
      },
      empty_on_ok(std::move(respond)));
}

}  // namespace nimbus::services::sns
