// ns per policy decision for 1, 10 and 100 statements: the statements name
// other actions and resources, so a decision reads every one of them before
// the last allows (the costly case).
#include <chrono>
#include <cstdio>
#include <string>

#include "iam/evaluate.h"

using namespace nimbus::iam;

int main() {
  for (int n : {1, 10, 100}) {
    std::string doc = R"({"Version":"2012-10-17","Statement":[)";
    for (int i = 0; i < n - 1; ++i) {
      doc += R"({"Effect":"Allow","Action":["sqs:Get*","sqs:Delete)" + std::to_string(i) +
             R"("],"Resource":"arn:aws:sqs:*:123456789012:queue-)" + std::to_string(i) +
             R"(","Condition":{"StringEquals":{"aws:username":"u)" + std::to_string(i) + R"("}}},)";
    }
    doc +=
        R"({"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:*:123456789012:${aws:username}-*"}]})";
    auto policy = parse_policy(doc, PolicyKind::kIdentity);
    if (!policy) {
      std::fprintf(stderr, "bad policy: %s\n", policy.error().message.c_str());
      return 1;
    }
    PrincipalPolicies p;
    p.identity.push_back(std::make_shared<Policy>(std::move(*policy)));
    RequestContext r;
    r.action = "sqs:SendMessage";
    r.resource = "arn:aws:sqs:us-east-1:123456789012:alice-orders";
    r.principal_arn = "arn:aws:iam::123456789012:user/alice";
    r.set("aws:username", "alice");
    const int iterations = n == 100 ? 20000 : 200000;
    int allowed = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) {
      allowed += evaluate(r, p, nullptr).decision == Decision::kAllow;
    }
    double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
        iterations;
    std::printf("statements=%d ns_per_decision=%.0f allowed=%d/%d\n", n, ns, allowed, iterations);
  }
  return 0;
}
