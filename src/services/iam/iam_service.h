// AWS Identity and Access Management (awsQuery; see README.md for what is
// served). The service also implements Directory (api.h): the credentials
// it holds and the authorization of requests against its policies.
#pragma once

#include <memory>

#include "services/iam/api.h"
#include "services/iam/shapes.h"
#include "services/iam/store.h"
#include "services/service.h"

namespace nimbus::services::iam {

class Authorizer;

class IamService final : public Service {
 public:
  explicit IamService(Environment& env);
  ~IamService() override;

  Status start() override;
  // What the router, STS and Lambda use in-process.
  Directory& directory();
  // STS mints and reads sessions through the same store.
  Store& store();
  Authorizer& authorizer();

  using Op = Operation<IamService>;

 private:
  static const Op kOperations[];

  // Runs `change` as one durable write on the worker pool and answers with
  // what it returns.
  void mutate(Respond respond, std::function<Output(Draft&)> change);
  double now() const;
  // Names a new user, group or role: its name, a fresh id with `id_prefix`
  // (AIDA, AGPA, AROA), path, ARN of `kind` and creation time.
  void stamp(Entity& e, const std::string& name, std::string_view id_prefix, std::string_view kind,
             std::string path) const;
  // The ARN of the principal whose key signed the call; empty for the root pair.
  std::string caller_arn(const CallContext& ctx) const;
  const std::string& account() const { return env_.settings.account_id; }

  // user_handlers.cc: users, groups, access keys.
  void create_user(const CallContext&, boost::json::object in, Respond r);
  Output get_user(const CallContext&, const boost::json::object& in) const;
  Output list_users(const CallContext&, const boost::json::object& in) const;
  void update_user(const CallContext&, boost::json::object in, Respond r);
  void delete_user(const CallContext&, boost::json::object in, Respond r);
  void create_group(const CallContext&, boost::json::object in, Respond r);
  Output get_group(const CallContext&, const boost::json::object& in) const;
  Output list_groups(const CallContext&, const boost::json::object& in) const;
  void delete_group(const CallContext&, boost::json::object in, Respond r);
  void add_user_to_group(const CallContext&, boost::json::object in, Respond r);
  void remove_user_from_group(const CallContext&, boost::json::object in, Respond r);
  Output list_groups_for_user(const CallContext&, const boost::json::object& in) const;
  void create_access_key(const CallContext&, boost::json::object in, Respond r);
  Output list_access_keys(const CallContext&, const boost::json::object& in) const;
  void update_access_key(const CallContext&, boost::json::object in, Respond r);
  void delete_access_key(const CallContext&, boost::json::object in, Respond r);
  Output get_access_key_last_used(const CallContext&, const boost::json::object& in) const;

  // role_handlers.cc: roles, instance profiles, tags.
  void create_role(const CallContext&, boost::json::object in, Respond r);
  Output get_role(const CallContext&, const boost::json::object& in) const;
  Output list_roles(const CallContext&, const boost::json::object& in) const;
  void update_role(const CallContext&, boost::json::object in, Respond r);
  void update_assume_role_policy(const CallContext&, boost::json::object in, Respond r);
  void delete_role(const CallContext&, boost::json::object in, Respond r);
  void create_service_linked_role(const CallContext&, boost::json::object in, Respond r);
  void create_instance_profile(const CallContext&, boost::json::object in, Respond r);
  Output get_instance_profile(const CallContext&, const boost::json::object& in) const;
  Output list_instance_profiles(const CallContext&, const boost::json::object& in) const;
  Output list_instance_profiles_for_role(const CallContext&, const boost::json::object& in) const;
  void delete_instance_profile(const CallContext&, boost::json::object in, Respond r);
  void add_role_to_instance_profile(const CallContext&, boost::json::object in, Respond r);
  void remove_role_from_instance_profile(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  void tag(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  void untag(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  Output list_tags(const CallContext&, const boost::json::object& in) const;

  // policy_handlers.cc: managed policies and their versions.
  void create_policy(const CallContext&, boost::json::object in, Respond r);
  Output get_policy(const CallContext&, const boost::json::object& in) const;
  Output list_policies(const CallContext&, const boost::json::object& in) const;
  void delete_policy(const CallContext&, boost::json::object in, Respond r);
  void create_policy_version(const CallContext&, boost::json::object in, Respond r);
  Output get_policy_version(const CallContext&, const boost::json::object& in) const;
  Output list_policy_versions(const CallContext&, const boost::json::object& in) const;
  void delete_policy_version(const CallContext&, boost::json::object in, Respond r);
  void set_default_policy_version(const CallContext&, boost::json::object in, Respond r);
  Output list_entities_for_policy(const CallContext&, const boost::json::object& in) const;

  // attach_handlers.cc: inline policies, attachments, boundaries of users,
  // groups and roles alike.
  template <Kind K>
  void put_inline(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  Output get_inline(const CallContext&, const boost::json::object& in) const;
  template <Kind K>
  void delete_inline(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  Output list_inline(const CallContext&, const boost::json::object& in) const;
  template <Kind K>
  void attach(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  void detach(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  Output list_attached(const CallContext&, const boost::json::object& in) const;
  template <Kind K>
  void put_boundary(const CallContext&, boost::json::object in, Respond r);
  template <Kind K>
  void delete_boundary(const CallContext&, boost::json::object in, Respond r);

  // oidc_handlers.cc: OpenID Connect providers.
  void create_oidc_provider(const CallContext&, boost::json::object in, Respond r);
  Output get_oidc_provider(const CallContext&, const boost::json::object& in) const;
  Output list_oidc_providers(const CallContext&, const boost::json::object& in) const;
  void delete_oidc_provider(const CallContext&, boost::json::object in, Respond r);
  void add_oidc_client_id(const CallContext&, boost::json::object in, Respond r);
  void remove_oidc_client_id(const CallContext&, boost::json::object in, Respond r);
  void update_oidc_thumbprint(const CallContext&, boost::json::object in, Respond r);
  void tag_oidc_provider(const CallContext&, boost::json::object in, Respond r);
  void untag_oidc_provider(const CallContext&, boost::json::object in, Respond r);
  Output list_oidc_provider_tags(const CallContext&, const boost::json::object& in) const;

  Environment& env_;
  Store store_;
  std::unique_ptr<Authorizer> authorizer_;
};

}  // namespace nimbus::services::iam
