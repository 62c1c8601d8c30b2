// The IAM unit tests' fixture and documents.
#pragma once

#include <gtest/gtest.h>

#include "common/encoding.h"
#include "services/iam/iam_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::iam::testing {

using services::testing::ServiceTest;

inline const char* kAllowSqs =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]})";
inline const char* kLambdaTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";

class IamTest : public ServiceTest<IamService> {
 protected:
  // A user with one access key; returns the key id.
  std::string user_with_key(const std::string& name) {
    call("CreateUser", {{"UserName", name}});
    auto key = call("CreateAccessKey", {{"UserName", name}});
    return s(key["AccessKey"].as_object()["AccessKeyId"]);
  }
  AccessDecision decide(const std::string& akid, const std::string& action,
                        std::vector<std::string> resources = {}) {
    AccessRequest r;
    r.access_key_id = akid;
    r.action = action;
    r.resources = std::move(resources);
    return svc->directory().authorize(r);
  }
  static std::string decoded(const boost::json::value& v) { return percent_decode(s(v)); }
};

}  // namespace nimbus::services::iam::testing
