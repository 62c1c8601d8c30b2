// Unit tests' fixture for REST APIs: RestApiService (and HttpApiService,
// which the console's routes share) on a fake Lambda `Fn`, the test's own
// lambda::Functions. `fn` and `rest` are the test's to use once open.
// NoFunctions: a Lambda without functions, for tests that invoke none.
// execute_api: a request to an API on its own host, as a client sends it.
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

// `method` `target` (path and query) to API `api` on
// {api}.execute-api.localhost from 10.1.2.3, with `headers` after Host.
inline UserRequest execute_api(const std::string& api, std::string method,
                               const std::string& target, http::Headers headers = {}) {
  UserRequest r;
  r.id = api;
  r.path = target.substr(0, target.find('?'));
  r.request.method = std::move(method);
  r.request.target = target;
  r.request.headers = {{"host", api + ".execute-api.localhost"}};
  for (auto& h : headers) r.request.headers.push_back(std::move(h));
  r.request.remote = "10.1.2.3:4";
  return r;
}

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
