// What one request asks, as policies see it: the action, the resource, the
// principal, and the condition keys with their values.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nimbus::iam {

struct RequestContext {
  std::string action;         // "sqs:SendMessage"
  std::string resource;       // one ARN, or "*" when the action names none
  std::string principal_arn;  // arn:aws:iam::123456789012:user/alice
  std::string principal_account;
  // Service principals (sns.amazonaws.com) calling on a user's behalf.
  std::string service_principal;
  // An identity provider's ARN ("Federated" principals): the OIDC provider
  // whose token AssumeRoleWithWebIdentity presents.
  std::string federated_principal;
  // Condition keys, lower-cased ("aws:username", "aws:sourceip",
  // "aws:currenttime", "s3:prefix", "aws:tagkeys"); multi-valued keys keep
  // every value.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::string>, KeyHash, std::equal_to<>> keys;
  // Keys shared by many requests (a caller's, built once per principal and
  // policy version): consulted for a key this context does not set itself.
  // Not owned; must outlive this context.
  const RequestContext* base = nullptr;

  void set(std::string_view key, std::string value);
  void add(std::string_view key, std::string value);
  // nullptr when the request (and its base) has no such key.
  const std::vector<std::string>* find(std::string_view key) const;
};

}  // namespace nimbus::iam
