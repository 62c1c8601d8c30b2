// Unit tests' fixture for REST APIs: RestApiService (and HttpApiService,
// which the console's routes share) on a fake Lambda `Fn`, the test's own
// lambda::Functions. `fn` and `rest` are the test's to use once open.
// NoFunctions: a Lambda without functions, for tests that invoke none.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {

struct NoFunctions final : lambda::Functions {
  void invoke_sync(lambda::SyncInvoke,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    done(Error::make("ResourceNotFoundException", "no functions here", 404));
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
};

template <typename Fn>
class RestApiFixture : public testing::ServiceTest<RestApiService> {
 protected:
  RestApiFixture()
      : ServiceTest({[this](Environment& env) {
                       auto s = std::make_unique<RestApiService>(env, &fn);
                       rest = s.get();
                       return s;
                     },
                     [this](Environment& env) {
                       return std::make_unique<HttpApiService>(env, &fn, rest);
                     }}) {}

  Fn fn;
  RestApiService* rest = nullptr;
};

}  // namespace nimbus::services::apigateway
