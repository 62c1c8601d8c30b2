// The one list of services nimbus serves. Adding a service is a folder under
// src/services/ plus one line in registry.cc (services/README.md).
//
// Life cycle, all on the main thread: the constructor builds every service
// (nothing stored is read yet) and then binds each one's targets and sources
// (Service::bind), so no service depends on the order they are built in;
// start() starts them in list order; the destructor destroys them in reverse
// order, so a service is destroyed before those it was built after.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/iam/api.h"
#include "services/operation_calls.h"
#include "services/service.h"

namespace nimbus::services {

class Registry {
 public:
  explicit Registry(Environment& env);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Starts every service in list order and stops at the first that fails:
  // the server must not serve part of its state ("could not start sqs: ...").
  [[nodiscard]] Status start();

  // nullptr when nimbus does not serve that model.
  Service* find(std::string_view model_name) const;
  const std::vector<std::unique_ptr<Service>>& all() const { return services_; }
  // Model names, for ModelRegistry.
  std::vector<std::string> model_names() const;
  // IAM's keys, sessions and authorization (the router's credentials and
  // enforcement, STS, Lambda's execution roles).
  iam::Directory& iam() const { return *iam_; }
  // The condition keys an operation's input sets (server/condition_keys.h),
  // which calls decided as a role are decided on too (Step Functions'
  // tasks). Set once, before serving.
  using ConditionKeysOf = std::function<std::vector<std::pair<std::string, std::string>>(
      std::string_view model, std::string_view operation, const boost::json::object& input)>;
  void use_condition_keys(ConditionKeysOf keys) { condition_keys_ = std::move(keys); }

 private:
  // The service an ARN's service field names ("states": Step Functions);
  // nullptr for none nimbus serves.
  const Service* of_arn(std::string_view arn) const;
  template <typename S>
  S& add(std::unique_ptr<S> service) {
    S& s = *service;
    services_.push_back(std::move(service));
    return s;
  }

  std::vector<std::unique_ptr<Service>> services_;
  iam::Directory* iam_ = nullptr;
  // Operations called in-process (CloudFormation's resources, Step
  // Functions' tasks); declared after services_, destroyed before it.
  std::unique_ptr<OperationCalls> calls_;
  ConditionKeysOf condition_keys_;
};

}  // namespace nimbus::services
