// IAM's entities as the service holds them, and their stored encoding (one
// JSON record per entity in the namespace "iam"; see README.md).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nimbus::services::iam {

using Tags = std::vector<std::pair<std::string, std::string>>;

// What users, groups and roles share: a name, a path, inline policies and
// attached managed policies.
struct Entity {
  std::string name;
  std::string id;  // AIDA... / AGPA... / AROA...
  std::string path = "/";
  std::string arn;
  double created = 0;
  std::map<std::string, std::string> inline_policies;  // name -> document
  std::set<std::string> attached;                      // managed policy ARNs
  std::string boundary;                                // managed policy ARN
  Tags tags;
};

struct User : Entity {
  std::set<std::string> groups;  // group names
};

struct Group : Entity {};

struct Role : Entity {
  std::string trust_policy;
  std::string description;
  int64_t max_session_duration = 3600;
  bool service_linked = false;
};

struct PolicyVersion {
  std::string document;
  double created = 0;
};

struct ManagedPolicy {
  std::string name;
  std::string id;  // ANPA...
  std::string path = "/";
  std::string arn;
  std::string description;
  double created = 0;
  double updated = 0;
  int default_version = 1;
  int next_version = 2;
  std::map<int, PolicyVersion> versions;  // v1, v2, ...
  Tags tags;
  bool aws_managed = false;
};

struct AccessKey {
  std::string id;  // AKIA...
  std::string secret;
  std::string user;  // user name
  bool active = true;
  double created = 0;
};

struct InstanceProfile {
  std::string name;
  std::string id;  // AIPA...
  std::string path = "/";
  std::string arn;
  double created = 0;
  std::vector<std::string> roles;  // role names (at most one, as on AWS)
  Tags tags;
};

// An OpenID Connect identity provider (CreateOpenIDConnectProvider): an
// issuer whose tokens AssumeRoleWithWebIdentity accepts for its client ids.
struct OidcProvider {
  std::string url;  // the issuer as registered, with its scheme: https://host/path
  std::string arn;  // arn:aws:iam::ACCOUNT:oidc-provider/host/path
  std::vector<std::string> client_ids;
  std::vector<std::string> thumbprints;  // stored, not used (keys come from the JWKS)
  double created = 0;
  Tags tags;
};

// Temporary credentials of one role session (AssumeRole) or of a user's
// GetSessionToken.
struct Session {
  std::string access_key_id;  // ASIA...
  std::string secret;
  std::string token;
  double expiration = 0;
  std::string principal_arn;  // assumed-role ARN, or the user's ARN
  std::string principal_id;   // AROA...:name, or the user's id
  std::string role;           // role name; empty for GetSessionToken
  std::string user;           // user name for GetSessionToken
  std::string session_name;
  std::string session_policy;            // JSON document; empty for none
  std::vector<std::string> policy_arns;  // managed policies as session policies
  std::map<std::string, std::string> tags;
  std::string source_identity;
};

// Stored encodings.
boost::json::object encode(const User& u);
boost::json::object encode(const Group& g);
boost::json::object encode(const Role& r);
boost::json::object encode(const ManagedPolicy& p);
boost::json::object encode(const AccessKey& k);
boost::json::object encode(const InstanceProfile& p);
boost::json::object encode(const Session& s);
boost::json::object encode(const OidcProvider& p);
bool decode(const boost::json::object& o, User& u);
bool decode(const boost::json::object& o, Group& g);
bool decode(const boost::json::object& o, Role& r);
bool decode(const boost::json::object& o, ManagedPolicy& p);
bool decode(const boost::json::object& o, AccessKey& k);
bool decode(const boost::json::object& o, InstanceProfile& p);
bool decode(const boost::json::object& o, Session& s);
bool decode(const boost::json::object& o, OidcProvider& p);

}  // namespace nimbus::services::iam
