// OperationCalls over a list of built services (the registry's, or a test
// fixture's): finds the handler by model and operation name and checks the
// input against the embedded model first, as the protocol engine checks a
// request. The models are loaded on first use. call_wire() takes a request
// in the service's wire form through the protocol engine instead.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "services/iam/api.h"
#include "services/operation_calls.h"

namespace nimbus::protocol {
class ModelRegistry;
}

namespace nimbus::services {

class InProcessCalls final : public OperationCalls {
 public:
  // `services` must outlive this object; it is read on every call.
  explicit InProcessCalls(const std::vector<std::unique_ptr<Service>>& services);
  ~InProcessCalls() override;

  void call(std::string_view model, std::string_view operation, CallContext ctx,
            boost::json::object input, Respond respond) override;
  void call_wire(std::string_view service, std::string_view action, http::Request request,
                 CallContext ctx, const CallerRole& as,
                 std::function<void(Result<http::Response>)> respond) override;
  Status authorize_as(const std::string& role_arn, const std::string& service_principal,
                      std::string_view model, std::string_view operation, const CallContext& ctx,
                      const boost::json::object& input) const override;
  // IAM decides authorize_as (set once, before calls; it must outlive this).
  void use_iam(const iam::Directory* directory) { iam_ = directory; }
  // Gives an authorize_as decision the condition keys of its call (the
  // registry's: those the operation's input sets and those its resources'
  // services read from it), so that it is decided as a client's same call.
  // Called during authorize_as, with arguments that live until it returns.
  // Set once, before calls.
  using RequestKeys =
      std::function<void(const Service& service, std::string_view operation, const CallContext& ctx,
                         const boost::json::object& input, iam::RoleAccessRequest& request)>;
  void use_request_keys(RequestKeys keys) { request_keys_ = std::move(keys); }

 private:
  // IAM's decision on `operation` of `model` with `input` as the role
  // (allowed when IAM does not enforce).
  iam::AccessDecision decide_as(const CallerRole& as, std::string_view model,
                                std::string_view operation, const CallContext& ctx,
                                const boost::json::object& input) const;
  const protocol::ModelRegistry& models();
  Service* find(std::string_view model) const;

  const std::vector<std::unique_ptr<Service>>& services_;
  const iam::Directory* iam_ = nullptr;
  RequestKeys request_keys_;
  std::once_flag models_once_;
  std::unique_ptr<protocol::ModelRegistry> models_;
};

}  // namespace nimbus::services
