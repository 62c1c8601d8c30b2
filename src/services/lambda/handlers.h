// Helpers the handler files share; a friend of LambdaService so they can
// read its table. Functions ending in _locked need the service's mu_ held.
#pragma once

#include <memory>
#include <utility>

#include "services/lambda/lambda_service.h"

namespace nimbus::services::lambda {

class Handlers {
 public:
  // Remembers how clients address nimbus (AWS_ENDPOINT_URL for functions).
  static void note_endpoint(LambdaService& s, const CallContext& ctx);
  // The function and version an input's FunctionName (+ Qualifier) names;
  // aliases resolve to their primary version.
  static Result<std::pair<std::shared_ptr<Function>, Version*>> version_locked(
      LambdaService& s, const json::object& in);
  // PreconditionFailedException when the input's RevisionId is stale.
  static Status check_revision(const json::object& in, const json::object& config);
  // Publishes $LATEST as the next version (or returns the newest version
  // when nothing changed since it); answers its configuration.
  static json::object publish_locked(LambdaService& s, Function& f, const std::string& description);
  static std::string arn(const LambdaService& s, const std::string& name) { return s.arn(name); }
  static std::shared_ptr<Function> find_locked(const LambdaService& s, const std::string& name) {
    return s.find_locked(name);
  }
};

}  // namespace nimbus::services::lambda
