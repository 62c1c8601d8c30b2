// Lambda authorizers: what the gateway sends the authorizer function, what
// it makes of its answer, and the cache of answers by identity for the
// authorizer's TTL. REST APIs (v1): TOKEN (one header, optionally checked
// by identityValidationExpression) and REQUEST (identitySource lists
// headers, query strings, stage variables and $context values); the answer
// is an IAM policy (execute-api:Invoke on method ARNs, wildcards * and ?)
// with principalId, context and usageIdentifierKey. HTTP APIs (v2): REQUEST
// authorizers of payload format 2.0 with simple responses ({"isAuthorized":
// bool, "context": {...}}) or IAM policies, or 1.0 (policies).
//
// The answer is cached by the identity's values and evaluated again for
// every request's method ARN (as AWS does: a policy cached for one method
// may deny another). Pure apart from AuthorizerCache's mutex; the answer
// parsers are fuzzed (fuzz/apigw_authorizer_fuzz.cc).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

// What an authorizer function answered, as cached.
struct AuthorizerAnswer {
  bool simple = false;          // v2 simple response: `authorized` decides
  bool authorized = false;      // simple responses only
  std::string principal_id;     // policies only
  boost::json::value policy;    // the policyDocument (policies only)
  boost::json::object context;  // its values as the integration sees them
  std::string usage_key;        // usageIdentifierKey (REST APIs)
};

// The values of an authorizer's identity sources for this request, or
// nullopt when one is missing or empty (the gateway answers 401 then).
// `sources` are v1's "method.request.header.X, method.request.querystring.Y,
// stageVariables.Z, context.W" or v2's "$request.header.X",
// "$request.querystring.Y", "$stageVariables.Z", "$context.W".
std::optional<std::vector<std::string>> identity_values(const std::vector<std::string>& sources,
                                                        const ProxyRequest& r);
// v1's comma-separated identitySource as a list.
std::vector<std::string> split_sources(std::string_view identity_source);

// arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH (PATH without
// its leading slash).
std::string method_arn(const std::string& region, const std::string& account,
                       const std::string& api, const std::string& stage, const std::string& method,
                       const std::string& path);
// Whether the IAM-style `pattern` (* any run, ? one character) matches.
bool arn_matches(std::string_view pattern, std::string_view arn);
// Whether `policy` allows execute-api:Invoke on `arn`: an explicit Deny
// wins, then an Allow; neither is a deny.
bool policy_allows(const boost::json::value& policy, const std::string& arn);

// The events: v1 TOKEN, v1 REQUEST (the proxy event's fields), v2 REQUEST
// (payload format 2.0 or 1.0).
std::string token_event(const std::string& token, const std::string& arn);
std::string request_event_v1(const ProxyRequest& r, const std::string& arn);
std::string request_event_v2(const ProxyRequest& r, const std::string& route_arn,
                             const std::vector<std::string>& identity);

// A function's answer: a policy answer (principalId, policyDocument with
// Statement, optional context of scalars and usageIdentifierKey), or with
// `simple` a simple response; nullopt when malformed.
std::optional<AuthorizerAnswer> parse_policy_answer(std::string_view payload);
std::optional<AuthorizerAnswer> parse_simple_answer(std::string_view payload);

// Answers by (authorizer id, identity values) until their TTL passes, on the
// monotonic time the caller passes; at most `capacity` entries (the oldest
// expiring goes first).
class AuthorizerCache {
 public:
  explicit AuthorizerCache(size_t capacity = 10000) : capacity_(capacity) {}
  std::optional<AuthorizerAnswer> find(const std::string& key, std::chrono::nanoseconds now) const;
  void put(const std::string& key, AuthorizerAnswer answer, std::chrono::nanoseconds expires);
  // Forgets an authorizer's entries (it changed or went away).
  void forget(const std::string& authorizer_id);
  static std::string key(const std::string& authorizer_id, const std::vector<std::string>& values);

 private:
  struct Entry {
    AuthorizerAnswer answer;
    std::chrono::nanoseconds expires;
  };
  const size_t capacity_;
  mutable Mutex mu_;
  std::map<std::string, Entry> entries_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::apigateway
