// IAM enforcement for the AWS API path, in one place: the action a call
// asks for (service prefix and IAM action name), the decision against the
// caller's policies (services/iam/api.h), AccessDenied as each protocol
// writes it, and the audit log of decisions and IAM/STS changes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "iam/policy_cache.h"
#include "protocol/engine.h"
#include "server/options.h"
#include "services/iam/api.h"
#include "services/service.h"

namespace spdlog {
class logger;
}

namespace nimbus::server {

// Operations every principal may call without a permission (GetCallerIdentity).
bool always_allowed(std::string_view service, std::string_view operation);

// Who signed a request, as IAM names it; empty for the configured root pair.
struct Principal {
  std::string arn;
  std::string id;
  bool anonymous = false;  // an unsigned S3 request (--iam enforce)
};

class Access {
 public:
  // `audit_path`: where CloudTrail-shaped JSON lines go (one per denied or
  // would-be-denied request and per IAM/STS change); empty: none. Their
  // eventTime is `clock`'s.
  Access(IamMode mode, const services::iam::Directory& directory, const std::string& audit_path,
         const Clock& clock);
  ~Access();

  IamMode mode() const { return mode_; }

  // nullopt: go on; an Error: answer it (enforce mode only). Logs denials
  // (and, in audit mode, would-be denials) and every successful call that
  // changes IAM or STS state is logged by record_change.
  // `service` names the resources' policies (Service::resource_policy).
  std::optional<Error> check(const protocol::Call& call, const services::CallContext& ctx,
                             const Principal& principal, services::Resources resources,
                             const services::Service& service, std::string_view source_ip) const;
  // An IAM or STS call that was answered (any mode): who did what. `answer`
  // (a successful call's output) names the session an STS call minted, and
  // for AssumeRoleWithWebIdentity the token's subject as the caller.
  void record_call(const services::CallContext& ctx, const Principal& principal,
                   std::string_view source_ip, const Error* error,
                   const boost::json::object* answer = nullptr) const;

 private:
  void write(const std::string& line) const;
  std::string now_iso() const;

  IamMode mode_;
  const services::iam::Directory& directory_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> audit_;
  nimbus::iam::PolicyCache policies_;  // resource policies by document
};

}  // namespace nimbus::server
