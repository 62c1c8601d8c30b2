#include "services/iam/iam_service.h"

#include "common/json_fields.h"
#include "services/iam/authorizer.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

// The ARNs an operation touches, as the service authorization reference
// lists its resource types. nimbus names users, groups and roles without
// their path (the input carries only the name).
std::string arn(const CallContext& ctx, const char* type, const json::object& in,
                const char* member) {
  return "arn:aws:iam::" + ctx.account_id + ":" + type + "/" + str(in, member);
}
Resources user(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "user", in, "UserName")};
}
Resources group(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "group", in, "GroupName")};
}
Resources role(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "role", in, "RoleName")};
}
Resources policy(const CallContext&, const json::object& in) {
  return {str(in, "PolicyArn")};
}
Resources new_policy(const CallContext& ctx, const json::object& in) {
  std::string path = has(in, "Path") ? str(in, "Path") : "/";
  return {"arn:aws:iam::" + ctx.account_id + ":policy" + path + str(in, "PolicyName")};
}
Resources profile(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "instance-profile", in, "InstanceProfileName")};
}
Resources profile_and_role(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "instance-profile", in, "InstanceProfileName"),
          arn(ctx, "role", in, "RoleName")};
}
Resources user_and_group(const CallContext& ctx, const json::object& in) {
  return {arn(ctx, "group", in, "GroupName")};
}
// Key operations name the caller's own user when UserName is absent; that
// user is not known here, so such calls are authorized on "*".
Resources key_user(const CallContext& ctx, const json::object& in) {
  if (has(in, "UserName")) return user(ctx, in);
  return {};
}
Resources service_linked(const CallContext& ctx, const json::object& in) {
  return {"arn:aws:iam::" + ctx.account_id + ":role/aws-service-role/" + str(in, "AWSServiceName") +
          "/*"};
}

Resources oidc_provider(const CallContext&, const json::object& in) {
  return {str(in, "OpenIDConnectProviderArn")};
}
Resources new_oidc_provider(const CallContext& ctx, const json::object& in) {
  std::string url = str(in, "Url");
  auto scheme = url.find("://");
  return {"arn:aws:iam::" + ctx.account_id + ":oidc-provider/" +
          (scheme == std::string::npos ? url : url.substr(scheme + 3))};
}

constexpr Kind U = Kind::kUser, G = Kind::kGroup, R = Kind::kRole;

}  // namespace

const IamService::Op IamService::kOperations[] = {
    {"CreateUser", &IamService::create_user, user},
    {"GetUser", &IamService::get_user, key_user},
    {"ListUsers", &IamService::list_users, no_resources},
    {"UpdateUser", &IamService::update_user, user},
    {"DeleteUser", &IamService::delete_user, user},
    {"TagUser", &IamService::tag<U>, user},
    {"UntagUser", &IamService::untag<U>, user},
    {"ListUserTags", &IamService::list_tags<U>, user},
    {"CreateGroup", &IamService::create_group, group},
    {"GetGroup", &IamService::get_group, group},
    {"ListGroups", &IamService::list_groups, no_resources},
    {"DeleteGroup", &IamService::delete_group, group},
    {"AddUserToGroup", &IamService::add_user_to_group, user_and_group},
    {"RemoveUserFromGroup", &IamService::remove_user_from_group, user_and_group},
    {"ListGroupsForUser", &IamService::list_groups_for_user, user},
    {"CreateAccessKey", &IamService::create_access_key, key_user},
    {"ListAccessKeys", &IamService::list_access_keys, key_user},
    {"UpdateAccessKey", &IamService::update_access_key, key_user},
    {"DeleteAccessKey", &IamService::delete_access_key, key_user},
    {"GetAccessKeyLastUsed", &IamService::get_access_key_last_used, no_resources},
    {"CreateRole", &IamService::create_role, role},
    {"GetRole", &IamService::get_role, role},
    {"ListRoles", &IamService::list_roles, no_resources},
    {"UpdateRole", &IamService::update_role, role},
    {"UpdateAssumeRolePolicy", &IamService::update_assume_role_policy, role},
    {"DeleteRole", &IamService::delete_role, role},
    {"TagRole", &IamService::tag<R>, role},
    {"UntagRole", &IamService::untag<R>, role},
    {"ListRoleTags", &IamService::list_tags<R>, role},
    {"CreateServiceLinkedRole", &IamService::create_service_linked_role, service_linked},
    {"CreateInstanceProfile", &IamService::create_instance_profile, profile},
    {"GetInstanceProfile", &IamService::get_instance_profile, profile},
    {"ListInstanceProfiles", &IamService::list_instance_profiles, no_resources},
    {"ListInstanceProfilesForRole", &IamService::list_instance_profiles_for_role, role},
    {"DeleteInstanceProfile", &IamService::delete_instance_profile, profile},
    {"AddRoleToInstanceProfile", &IamService::add_role_to_instance_profile, profile_and_role},
    {"RemoveRoleFromInstanceProfile", &IamService::remove_role_from_instance_profile,
     profile_and_role},
    {"CreatePolicy", &IamService::create_policy, new_policy},
    {"GetPolicy", &IamService::get_policy, policy},
    {"ListPolicies", &IamService::list_policies, no_resources},
    {"DeletePolicy", &IamService::delete_policy, policy},
    {"CreatePolicyVersion", &IamService::create_policy_version, policy},
    {"GetPolicyVersion", &IamService::get_policy_version, policy},
    {"ListPolicyVersions", &IamService::list_policy_versions, policy},
    {"DeletePolicyVersion", &IamService::delete_policy_version, policy},
    {"SetDefaultPolicyVersion", &IamService::set_default_policy_version, policy},
    {"ListEntitiesForPolicy", &IamService::list_entities_for_policy, policy},
    {"PutUserPolicy", &IamService::put_inline<U>, user},
    {"GetUserPolicy", &IamService::get_inline<U>, user},
    {"DeleteUserPolicy", &IamService::delete_inline<U>, user},
    {"ListUserPolicies", &IamService::list_inline<U>, user},
    {"PutGroupPolicy", &IamService::put_inline<G>, group},
    {"GetGroupPolicy", &IamService::get_inline<G>, group},
    {"DeleteGroupPolicy", &IamService::delete_inline<G>, group},
    {"ListGroupPolicies", &IamService::list_inline<G>, group},
    {"PutRolePolicy", &IamService::put_inline<R>, role},
    {"GetRolePolicy", &IamService::get_inline<R>, role},
    {"DeleteRolePolicy", &IamService::delete_inline<R>, role},
    {"ListRolePolicies", &IamService::list_inline<R>, role},
    {"AttachUserPolicy", &IamService::attach<U>, user},
    {"DetachUserPolicy", &IamService::detach<U>, user},
    {"ListAttachedUserPolicies", &IamService::list_attached<U>, user},
    {"AttachGroupPolicy", &IamService::attach<G>, group},
    {"DetachGroupPolicy", &IamService::detach<G>, group},
    {"ListAttachedGroupPolicies", &IamService::list_attached<G>, group},
    {"AttachRolePolicy", &IamService::attach<R>, role},
    {"DetachRolePolicy", &IamService::detach<R>, role},
    {"ListAttachedRolePolicies", &IamService::list_attached<R>, role},
    {"PutUserPermissionsBoundary", &IamService::put_boundary<U>, user},
    {"DeleteUserPermissionsBoundary", &IamService::delete_boundary<U>, user},
    {"PutRolePermissionsBoundary", &IamService::put_boundary<R>, role},
    {"DeleteRolePermissionsBoundary", &IamService::delete_boundary<R>, role},
    {"CreateOpenIDConnectProvider", &IamService::create_oidc_provider, new_oidc_provider},
    {"GetOpenIDConnectProvider", &IamService::get_oidc_provider, oidc_provider},
    {"ListOpenIDConnectProviders", &IamService::list_oidc_providers, no_resources},
    {"DeleteOpenIDConnectProvider", &IamService::delete_oidc_provider, oidc_provider},
    {"AddClientIDToOpenIDConnectProvider", &IamService::add_oidc_client_id, oidc_provider},
    {"RemoveClientIDFromOpenIDConnectProvider", &IamService::remove_oidc_client_id, oidc_provider},
    {"UpdateOpenIDConnectProviderThumbprint", &IamService::update_oidc_thumbprint, oidc_provider},
    {"TagOpenIDConnectProvider", &IamService::tag_oidc_provider, oidc_provider},
    {"UntagOpenIDConnectProvider", &IamService::untag_oidc_provider, oidc_provider},
    {"ListOpenIDConnectProviderTags", &IamService::list_oidc_provider_tags, oidc_provider},
};

IamService::IamService(Environment& env)
    : Service("iam"),
      env_(env),
      store_(env),
      authorizer_(std::make_unique<Authorizer>(env, store_)) {
  serve(*this, kOperations);
}

IamService::~IamService() = default;

Status IamService::start() {
  return store_.load();
}

Directory& IamService::directory() {
  return *authorizer_;
}

Store& IamService::store() {
  return store_;
}

Authorizer& IamService::authorizer() {
  return *authorizer_;
}

void IamService::mutate(Respond respond, std::function<Output(Draft&)> change) {
  run_blocking(env_.workers, std::move(respond),
               [this, change = std::move(change)] { return store_.write(change); });
}

std::string IamService::caller_arn(const CallContext& ctx) const {
  if (ctx.access_key_id.empty()) return "";
  auto key = authorizer_->find_key(ctx.access_key_id);
  return key ? key->principal_arn : "";
}

double IamService::now() const {
  return std::chrono::duration<double>(env_.clock.now().time_since_epoch()).count();
}

void IamService::stamp(Entity& e, const std::string& name, std::string_view id_prefix,
                       std::string_view kind, std::string path) const {
  e.name = name;
  e.id = new_id(id_prefix);
  e.path = std::move(path);
  e.arn = iam_arn(account(), std::string(kind), e.path, name);
  e.created = now();
}

}  // namespace nimbus::services::iam
