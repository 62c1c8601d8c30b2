// Unit tests' fixture for REST APIs: RestApiService (and HttpApiService,
// which the console's routes share) on a fake Lambda `Fn`, the test's own
// lambda::Functions. `fn` and `rest` are the test's to use once open.
#pragma once

#include <memory>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::apigateway {

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
