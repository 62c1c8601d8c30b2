// libFuzzer target for IAM policy documents (src/iam/): the parser under
// each grammar (identity, resource, trust), then the evaluator and the
// condition operators. Input: a policy JSON, optionally a NUL byte and
// lines "key=value" giving the request (action=, resource=, principal=,
// service=, any other key a condition key). Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "iam/evaluate.h"

using namespace nimbus::iam;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view doc = input.substr(0, nul);
  RequestContext r;
  r.action = "sqs:SendMessage";
  r.resource = "arn:aws:sqs:us-east-1:123456789012:q";
  r.principal_arn = "arn:aws:iam::123456789012:user/alice";
  r.principal_account = "123456789012";
  r.set("aws:username", "alice");
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    while (!rest.empty()) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      size_t eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "action")
        r.action = v;
      else if (k == "resource")
        r.resource = v;
      else if (k == "principal")
        r.principal_arn = v;
      else if (k == "service")
        r.service_principal = v;
      else
        r.add(k, std::string(v));
    }
  }
  for (PolicyKind kind : {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust}) {
    auto policy = parse_policy(doc, kind);
    if (!policy) continue;
    auto shared = std::make_shared<Policy>(std::move(*policy));
    PrincipalPolicies p;
    if (kind == PolicyKind::kIdentity) {
      p.identity.push_back(shared);
      p.boundary = shared;
      p.session.push_back(shared);
      Outcome o = evaluate(r, p, nullptr);
      (void)denial_message(r, o);
    } else {
      (void)evaluate(r, p, shared.get());
    }
  }
  return 0;
}
