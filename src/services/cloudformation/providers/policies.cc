// AWS::SNS::TopicPolicy, AWS::IAM::Policy and AWS::IAM::ManagedPolicy:
// policy documents set on the things they name, through SNS's and IAM's own
// operations.
#include <set>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::call_step;
using provide::Step;

std::string document(const json::object& props) {
  const auto* doc = props.if_contains("PolicyDocument");
  return doc == nullptr ? std::string() : provide::text(*doc);
}

std::vector<std::string> listed(const json::object& props, std::string_view name) {
  std::vector<std::string> out;
  if (const auto* a = props.if_contains(name); a != nullptr && a->is_array()) {
    for (const auto& v : a->as_array()) {
      if (v.is_string()) out.emplace_back(v.as_string());
    }
  }
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

void finish(std::vector<Step> steps, Provided provided, ProvideDone done) {
  provide::in_order(std::move(steps), [provided = std::move(provided), done](Status st) {
    if (!st) return done(st.take_error());
    done(provided);
  });
}

// ---- AWS::SNS::TopicPolicy (physical id: a generated name; Fn::GetAtt Id)

// The policy a topic has when none was set (what deleting a TopicPolicy
// restores, as on AWS).
std::string default_topic_policy(const ResourceRequest& r, const std::string& topic) {
  json::array actions;
  for (const char* a : {"SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                        "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic", "SNS:Publish"}) {
    actions.emplace_back(a);
  }
  json::object statement{{"Sid", "__default_statement_ID"},
                         {"Effect", "Allow"},
                         {"Principal", {{"AWS", "*"}}},
                         {"Action", std::move(actions)},
                         {"Resource", topic},
                         {"Condition", {{"StringEquals", {{"AWS:SourceOwner", r.account_id}}}}}};
  return json::serialize(json::object{{"Version", "2008-10-17"},
                                      {"Id", "__default_policy_ID"},
                                      {"Statement", json::array{std::move(statement)}}});
}

Step set_topic_policy(const ResourceRequest& r, const std::string& topic, std::string policy,
                      std::vector<std::string> ignored = {}) {
  return call_step(
      r, "sns", "SetTopicAttributes",
      {{"TopicArn", topic}, {"AttributeName", "Policy"}, {"AttributeValue", std::move(policy)}},
      std::move(ignored));
}

void put_topic_policy(const ResourceRequest& r, ProvideDone done) {
  std::string policy = document(r.properties);
  auto topics = listed(r.properties, "Topics");
  std::vector<Step> steps;
  for (const auto& t : topics) steps.push_back(set_topic_policy(r, t, policy));
  for (const auto& t : listed(r.old_properties, "Topics")) {
    if (!contains(topics, t)) {
      steps.push_back(set_topic_policy(r, t, default_topic_policy(r, t), {"NotFoundException"}));
    }
  }
  std::string id = r.physical_id.empty() ? r.generated_name : r.physical_id;
  finish(std::move(steps), Provided{id, {{"Id", id}}}, std::move(done));
}

void delete_topic_policy(const ResourceRequest& r, RemoveDone done) {
  std::vector<Step> steps;
  for (const auto& t : listed(r.properties, "Topics")) {
    steps.push_back(set_topic_policy(r, t, default_topic_policy(r, t), {"NotFoundException"}));
  }
  provide::in_order(std::move(steps), std::move(done));
}

// ---- AWS::IAM::Policy: an inline policy put on each role, user and group
// it names (physical id: a generated name; Fn::GetAtt Id).

const std::vector<std::pair<std::string_view, std::string_view>> kPrincipals = {
    {"Roles", "Role"}, {"Users", "User"}, {"Groups", "Group"}};

void put_inline_policy(const ResourceRequest& r, ProvideDone done) {
  std::string name = str(r.properties, "PolicyName");
  std::string old_name = str(r.old_properties, "PolicyName");
  std::string doc = document(r.properties);
  std::vector<Step> steps;
  for (auto [list, kind] : kPrincipals) {
    std::string key = std::string(kind) + "Name";
    auto now = listed(r.properties, list);
    for (const auto& p : now) {
      steps.push_back(call_step(r, "iam", "Put" + std::string(kind) + "Policy",
                                {{key, p}, {"PolicyName", name}, {"PolicyDocument", doc}}));
    }
    // What the update no longer names (or names under another policy name)
    // loses the old policy.
    for (const auto& p : listed(r.old_properties, list)) {
      if (contains(now, p) && old_name == name) continue;
      steps.push_back(call_step(r, "iam", "Delete" + std::string(kind) + "Policy",
                                {{key, p}, {"PolicyName", old_name}}, {"NoSuchEntityException"}));
    }
  }
  if (listed(r.properties, "Roles").empty() && listed(r.properties, "Users").empty() &&
      listed(r.properties, "Groups").empty()) {
    return done(Error::validation("At least one of [Groups,Roles,Users] must be non-empty."));
  }
  std::string id = r.physical_id.empty() ? r.generated_name : r.physical_id;
  finish(std::move(steps), Provided{id, {{"Id", id}}}, std::move(done));
}

void delete_inline_policy(const ResourceRequest& r, RemoveDone done) {
  std::vector<Step> steps;
  std::string name = str(r.properties, "PolicyName");
  for (auto [list, kind] : kPrincipals) {
    for (const auto& p : listed(r.properties, list)) {
      steps.push_back(call_step(r, "iam", "Delete" + std::string(kind) + "Policy",
                                {{std::string(kind) + "Name", p}, {"PolicyName", name}},
                                {"NoSuchEntityException"}));
    }
  }
  provide::in_order(std::move(steps), std::move(done));
}

// ---- AWS::IAM::ManagedPolicy (physical id: the policy ARN)

// Attach / detach steps taking the policy's principals from `was` to `now`.
std::vector<Step> attachments(const ResourceRequest& r, const std::string& arn,
                              const json::object& was, const json::object& now) {
  std::vector<Step> steps;
  for (auto [list, kind] : kPrincipals) {
    std::string key = std::string(kind) + "Name";
    auto before = listed(was, list);
    auto after = listed(now, list);
    for (const auto& p : after) {
      if (contains(before, p)) continue;
      steps.push_back(call_step(r, "iam", "Attach" + std::string(kind) + "Policy",
                                {{key, p}, {"PolicyArn", arn}}));
    }
    for (const auto& p : before) {
      if (contains(after, p)) continue;
      steps.push_back(call_step(r, "iam", "Detach" + std::string(kind) + "Policy",
                                {{key, p}, {"PolicyArn", arn}}, {"NoSuchEntityException"}));
    }
  }
  return steps;
}

void delete_managed(const ResourceRequest& r, RemoveDone done);

void describe_managed(const ResourceRequest& r, const std::string& arn, ProvideDone done) {
  r.call("iam", "GetPolicy", {{"PolicyArn", arn}}, [arn, done](Output out) {
    if (!out) return done(out.take_error());
    const auto* p = out->if_contains("Policy");
    json::object o = p != nullptr && p->is_object() ? p->as_object() : json::object();
    json::object atts{{"PolicyArn", arn},
                      {"PolicyId", str(o, "PolicyId")},
                      {"DefaultVersionId", str(o, "DefaultVersionId")}};
    for (auto key : {"AttachmentCount", "IsAttachable", "CreateDate", "UpdateDate"}) {
      if (const auto* v = o.if_contains(key)) atts[key] = provide::text(*v);
    }
    done(Provided{arn, std::move(atts)});
  });
}

std::string managed_arn(const ResourceRequest& r) {
  std::string path = str(r.properties, "Path");
  if (path.empty()) path = "/";
  return "arn:aws:iam::" + r.account_id + ":policy" + path +
         r.name_or_generated("ManagedPolicyName", 128);
}

void create_managed(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"PolicyName", r.name_or_generated("ManagedPolicyName", 128)},
                  {"PolicyDocument", document(r.properties)}};
  provide::copy(r.properties, in, {"Path", "Description"});
  r.call("iam", "CreatePolicy", std::move(in), [r, done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(out->at("Policy").as_object(), "Arn");
    provide::in_order(attachments(r, arn, {}, r.properties), [r, arn, done](Status st) {
      if (st) return describe_managed(r, arn, done);
      // A failed create leaves nothing behind: what was attached is
      // detached and the policy deleted before the error is told.
      ResourceRequest undo = r;
      undo.physical_id = arn;
      delete_managed(undo, [done, error = st.take_error()](Status) { done(error); });
    });
  });
}

void update_managed(const ResourceRequest& r, ProvideDone done) {
  std::string arn = r.physical_id;
  std::vector<Step> steps;
  std::string doc = document(r.properties);
  if (doc != document(r.old_properties)) {
    // IAM keeps five versions: the oldest non-default one makes room.
    steps.push_back([r, arn](std::function<void(Status)> next) {
      r.call("iam", "ListPolicyVersions", {{"PolicyArn", arn}}, [r, arn, next](Output out) {
        if (!out) return next(out.take_error());
        const auto& versions = out->at("Versions").as_array();
        if (versions.size() < 5) return next(Status::ok());
        std::string oldest;
        for (const auto& v : versions) {
          const auto& o = v.as_object();
          if (!o.at("IsDefaultVersion").as_bool()) oldest = str(o, "VersionId");
        }
        call_step(r, "iam", "DeletePolicyVersion",
                  {{"PolicyArn", arn}, {"VersionId", oldest}})(next);
      });
    });
    steps.push_back(
        call_step(r, "iam", "CreatePolicyVersion",
                  {{"PolicyArn", arn}, {"PolicyDocument", doc}, {"SetAsDefault", true}}));
  }
  for (auto& s : attachments(r, arn, r.old_properties, r.properties)) steps.push_back(std::move(s));
  provide::in_order(std::move(steps), [r, arn, done](Status st) {
    if (!st) return done(st.take_error());
    describe_managed(r, arn, done);
  });
}

void delete_managed(const ResourceRequest& r, RemoveDone done) {
  std::string arn = r.physical_id;
  auto steps = attachments(r, arn, r.properties, {});
  // A policy is deleted once its other versions are.
  steps.push_back([r, arn](std::function<void(Status)> next) {
    r.call("iam", "ListPolicyVersions", {{"PolicyArn", arn}}, [r, arn, next](Output out) {
      if (!out)
        return next(out.error().code == "NoSuchEntityException" ? Status::ok() : out.take_error());
      std::vector<Step> deletes;
      for (const auto& v : out->at("Versions").as_array()) {
        const auto& o = v.as_object();
        if (o.at("IsDefaultVersion").as_bool()) continue;
        deletes.push_back(call_step(r, "iam", "DeletePolicyVersion",
                                    {{"PolicyArn", arn}, {"VersionId", str(o, "VersionId")}}));
      }
      provide::in_order(std::move(deletes), next);
    });
  });
  steps.push_back(
      call_step(r, "iam", "DeletePolicy", {{"PolicyArn", arn}}, {"NoSuchEntityException"}));
  provide::in_order(std::move(steps), std::move(done));
}

}  // namespace

const Provider kTopicPolicy{
    "AWS::SNS::TopicPolicy", put_topic_policy, put_topic_policy, delete_topic_policy, {}};
const Provider kPolicy{
    "AWS::IAM::Policy", put_inline_policy, put_inline_policy, delete_inline_policy, {}};
const Provider kManagedPolicy{"AWS::IAM::ManagedPolicy",
                              create_managed,
                              update_managed,
                              delete_managed,
                              {"ManagedPolicyName", "Path", "Description"},
                              managed_arn};

}  // namespace nimbus::services::cloudformation::providers
