// Inline policies, managed policy attachments and permissions boundaries of
// users, groups and roles: one implementation for the three kinds.
#include "common/encoding.h"
#include "common/json_fields.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/iam_service.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

const char* name_member(Kind kind) {
  return kind == Kind::kUser ? "UserName" : kind == Kind::kRole ? "RoleName" : "GroupName";
}

// IAM's quotas on the aggregate inline policy size of one entity.
std::pair<const char*, size_t> inline_quota(Kind kind) {
  switch (kind) {
    case Kind::kUser:
      return {"UserPolicySize", 2048};
    case Kind::kGroup:
      return {"GroupPolicySize", 5120};
    case Kind::kRole:
      break;
  }
  return {"RolePolicySize", 10240};
}

constexpr size_t kAttachedPerEntity = 10;

}  // namespace

template <Kind K>
void IamService::put_inline(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    std::string document = str(in, "PolicyDocument");
    auto [quota, limit] = inline_quota(K);
    NIMBUS_TRY(check_document(document, engine::PolicyKind::kIdentity, quota, limit));
    edit_entity(d, K, (*e)->name).inline_policies[str(in, "PolicyName")] = document;
    return json::object{};
  });
}

template <Kind K>
Output IamService::get_inline(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto e = require_entity(*state, K, str(in, name_member(K)));
  if (!e) return e.take_error();
  std::string name = str(in, "PolicyName");
  auto it = (*e)->inline_policies.find(name);
  if (it == (*e)->inline_policies.end()) return errors::inline_not_found(noun(K), name);
  return json::object{{name_member(K), (*e)->name},
                      {"PolicyName", name},
                      {"PolicyDocument", percent_encode(it->second)}};
}

template <Kind K>
void IamService::delete_inline(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    std::string name = str(in, "PolicyName");
    if (!(*e)->inline_policies.contains(name)) return errors::inline_not_found(noun(K), name);
    edit_entity(d, K, (*e)->name).inline_policies.erase(name);
    return json::object{};
  });
}

template <Kind K>
Output IamService::list_inline(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto e = require_entity(*state, K, str(in, name_member(K)));
  if (!e) return e.take_error();
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& [name, _] : (*e)->inline_policies) {
    items.emplace_back(name);
    keys.push_back(name);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "PolicyNames", out);
  return out;
}

template <Kind K>
void IamService::attach(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    std::string arn = str(in, "PolicyArn");
    if (!find_policy(d.state, arn)) return errors::policy_not_attachable(arn);
    if ((*e)->attached.contains(arn)) return json::object{};
    if ((*e)->attached.size() >= kAttachedPerEntity) {
      return errors::quota(K == Kind::kUser    ? "PoliciesPerUser"
                           : K == Kind::kGroup ? "PoliciesPerGroup"
                                               : "PoliciesPerRole",
                           kAttachedPerEntity);
    }
    edit_entity(d, K, (*e)->name).attached.insert(arn);
    return json::object{};
  });
}

template <Kind K>
void IamService::detach(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    std::string arn = str(in, "PolicyArn");
    if (!(*e)->attached.contains(arn)) {
      return errors::no_such_entity("Policy " + arn + " was not found.");
    }
    edit_entity(d, K, (*e)->name).attached.erase(arn);
    return json::object{};
  });
}

template <Kind K>
Output IamService::list_attached(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  auto e = require_entity(*state, K, str(in, name_member(K)));
  if (!e) return e.take_error();
  std::string prefix = has(in, "PathPrefix") ? str(in, "PathPrefix") : "/";
  std::vector<json::value> items;
  std::vector<std::string> keys;
  for (const auto& arn : (*e)->attached) {
    const ManagedPolicy* p = find_policy(*state, arn);
    if (!p || !p->path.starts_with(prefix)) continue;
    items.emplace_back(json::object{{"PolicyName", p->name}, {"PolicyArn", arn}});
    keys.push_back(arn);
  }
  json::object out;
  page(in, std::move(items), std::move(keys), "AttachedPolicies", out);
  return out;
}

template <Kind K>
void IamService::put_boundary(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    std::string arn = str(in, "PermissionsBoundary");
    if (!find_policy(d.state, arn)) return errors::policy_not_attachable(arn);
    edit_entity(d, K, (*e)->name).boundary = arn;
    return json::object{};
  });
}

template <Kind K>
void IamService::delete_boundary(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto e = require_entity(d.state, K, str(in, name_member(K)));
    if (!e) return e.take_error();
    edit_entity(d, K, (*e)->name).boundary.clear();
    return json::object{};
  });
}

#define NIMBUS_IAM_INSTANTIATE(K)                                                            \
  template void IamService::put_inline<K>(const CallContext&, json::object, Respond);        \
  template Output IamService::get_inline<K>(const CallContext&, const json::object&) const;  \
  template void IamService::delete_inline<K>(const CallContext&, json::object, Respond);     \
  template Output IamService::list_inline<K>(const CallContext&, const json::object&) const; \
  template void IamService::attach<K>(const CallContext&, json::object, Respond);            \
  template void IamService::detach<K>(const CallContext&, json::object, Respond);            \
  template Output IamService::list_attached<K>(const CallContext&, const json::object&) const;

NIMBUS_IAM_INSTANTIATE(Kind::kUser)
NIMBUS_IAM_INSTANTIATE(Kind::kGroup)
NIMBUS_IAM_INSTANTIATE(Kind::kRole)
#undef NIMBUS_IAM_INSTANTIATE

template void IamService::put_boundary<Kind::kUser>(const CallContext&, json::object, Respond);
template void IamService::put_boundary<Kind::kRole>(const CallContext&, json::object, Respond);
template void IamService::delete_boundary<Kind::kUser>(const CallContext&, json::object, Respond);
template void IamService::delete_boundary<Kind::kRole>(const CallContext&, json::object, Respond);

}  // namespace nimbus::services::iam
