// An IAM Directory (services/iam/api.h) for unit tests: it knows no access
// keys, roles or identity providers and allows every request. A test
// derives from it and overrides what it checks.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "services/iam/api.h"

namespace nimbus::services::testing {

struct NullDirectory : iam::Directory {
  std::shared_ptr<const iam::KeyRecord> find_key(std::string_view) const override {
    return nullptr;
  }
  void assume_role(const iam::AssumeRoleRequest&, iam::Minted) override {}
  void get_session_token(const iam::SessionTokenRequest&, iam::Minted) override {}
  bool trusted_by(std::string_view, std::string_view) const override { return false; }
  std::optional<iam::OidcProviderInfo> find_oidc_provider(std::string_view) const override {
    return std::nullopt;
  }
  bool enforcing() const override { return enforce; }
  iam::AccessDecision authorize(const iam::AccessRequest&) const override { return {}; }
  iam::AccessDecision authorize_as_role(const iam::RoleAccessRequest&) const override { return {}; }

  bool enforce = false;  // what enforcing() answers (`--iam enforce`)
};

}  // namespace nimbus::services::testing
