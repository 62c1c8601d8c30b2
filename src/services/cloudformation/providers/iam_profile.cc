// AWS::IAM::InstanceProfile (physical id: the profile's name, as AWS's Ref
// answers; Fn::GetAtt Arn): CreateInstanceProfile, then
// AddRoleToInstanceProfile for its role (IAM holds at most one: a second
// fails with IAM's LimitExceeded). Roles change in place, the name and
// Path replace it.
#include <algorithm>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::Step;

std::string profile_name(const ResourceRequest& r) {
  return r.name_or_generated("InstanceProfileName", 128);
}

Step iam_step(const ResourceRequest& r, std::string op, json::object in,
              std::vector<std::string> ignored = {}) {
  return provide::call_step(r, "iam", std::move(op), std::move(in), std::move(ignored));
}

// The steps taking the profile's roles from `was` to `now`: removals first,
// so a role replacing another fits IAM's limit of one.
std::vector<Step> role_steps(const ResourceRequest& r, const std::string& profile,
                             const json::object& was, const json::object& now) {
  auto old_roles = string_list(was, "Roles");
  auto new_roles = string_list(now, "Roles");
  auto in = [](const std::vector<std::string>& list, const std::string& role) {
    return std::find(list.begin(), list.end(), role) != list.end();
  };
  std::vector<Step> steps;
  for (const auto& role : old_roles) {
    if (in(new_roles, role)) continue;
    steps.push_back(iam_step(r, "RemoveRoleFromInstanceProfile",
                             {{"InstanceProfileName", profile}, {"RoleName", role}},
                             {"NoSuchEntityException"}));
  }
  for (const auto& role : new_roles) {
    if (in(old_roles, role)) continue;
    steps.push_back(iam_step(r, "AddRoleToInstanceProfile",
                             {{"InstanceProfileName", profile}, {"RoleName", role}}));
  }
  return steps;
}

void finish(const ResourceRequest& r, const std::string& profile, ProvideDone done) {
  r.call("iam", "GetInstanceProfile", json::object{{"InstanceProfileName", profile}},
         [profile, done](Output out) {
           if (!out) return done(out.take_error());
           const auto* info = out->if_contains("InstanceProfile");
           json::object o =
               info != nullptr && info->is_object() ? info->as_object() : json::object();
           done(Provided{profile, json::object{{"Arn", str(o, "Arn")}}});
         });
}

void create_profile(const ResourceRequest& r, ProvideDone done) {
  std::string profile = profile_name(r);
  json::object in{{"InstanceProfileName", profile}};
  provide::copy(r.properties, in, {"Path"});
  r.call("iam", "CreateInstanceProfile", std::move(in), [r, profile, done](Output out) {
    if (!out) return done(out.take_error());
    // A role IAM refuses (absent, a second one) fails the create: the
    // profile goes again.
    auto undo = role_steps(r, profile, r.properties, json::object());
    undo.push_back(iam_step(r, "DeleteInstanceProfile", {{"InstanceProfileName", profile}},
                            {"NoSuchEntityException"}));
    provide::complete_or_undo(
        role_steps(r, profile, json::object(), r.properties),
        [undo](std::function<void(Status)> next) { provide::in_order(undo, std::move(next)); },
        [r, profile, done](Status st) {
          if (!st) return done(st.take_error());
          finish(r, profile, done);
        });
  });
}

void update_profile(const ResourceRequest& r, ProvideDone done) {
  provide::in_order(role_steps(r, r.physical_id, r.old_properties, r.properties),
                    [r, done](Status st) {
                      if (!st) return done(st.take_error());
                      finish(r, r.physical_id, done);
                    });
}

void delete_profile(const ResourceRequest& r, RemoveDone done) {
  auto steps = role_steps(r, r.physical_id, r.properties, json::object());
  steps.push_back(iam_step(r, "DeleteInstanceProfile", {{"InstanceProfileName", r.physical_id}},
                           {"NoSuchEntityException"}));
  provide::in_order(std::move(steps), std::move(done));
}

}  // namespace

const Provider kInstanceProfile{
    "AWS::IAM::InstanceProfile",     create_profile, update_profile, delete_profile,
    {"InstanceProfileName", "Path"}, profile_name};

}  // namespace nimbus::services::cloudformation::providers
