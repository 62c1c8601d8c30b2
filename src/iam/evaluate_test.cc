#include "iam/evaluate.h"

#include <gtest/gtest.h>

#include "iam/condition.h"
#include "iam/match.h"
#include "iam/policy_cache.h"

namespace nimbus::iam {
namespace {

constexpr const char* kUser = "arn:aws:iam::123456789012:user/alice";

PolicyPtr policy(std::string_view text, PolicyKind kind = PolicyKind::kIdentity) {
  auto p = parse_policy(text, kind);
  EXPECT_TRUE(p) << p.error().message;
  return std::make_shared<Policy>(std::move(*p));
}

RequestContext request(std::string action, std::string resource) {
  RequestContext r;
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.principal_arn = kUser;
  r.principal_account = "123456789012";
  r.set("aws:username", "alice");
  r.set("aws:PrincipalArn", kUser);
  return r;
}

Decision decide(const RequestContext& r, std::vector<PolicyPtr> identity,
                const Policy* resource = nullptr) {
  PrincipalPolicies p;
  p.identity = std::move(identity);
  return evaluate(r, p, resource).decision;
}

TEST(Evaluate, NothingAllowsMeansImplicitDeny) {
  auto r = request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(decide(r, {}), Decision::kImplicitDeny);
  PrincipalPolicies p;
  EXPECT_EQ(denial_message(r, evaluate(r, p, nullptr)),
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "sqs:SendMessage on resource: arn:aws:sqs:us-east-1:123456789012:q because no "
            "identity-based policy allows the sqs:SendMessage action");
}

TEST(Evaluate, AllowWithWildcardsAndCaseInsensitiveActions) {
  auto allow = policy(R"({"Statement":[{"Effect":"Allow","Action":"SQS:send*",
      "Resource":"arn:aws:sqs:*:123456789012:q*"}]})");
  EXPECT_EQ(
      decide(request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:queue1"), {allow}),
      Decision::kAllow);
  EXPECT_EQ(decide(request("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:q"), {allow}),
            Decision::kImplicitDeny);
  EXPECT_EQ(decide(request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:other"), {allow}),
            Decision::kImplicitDeny);
}

TEST(Evaluate, ExplicitDenyWinsOverAnyAllow) {
  auto allow = policy(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");
  auto deny = policy(R"({"Statement":[{"Effect":"Deny","Action":"sqs:DeleteQueue",
      "Resource":"*"}]})");
  auto r = request("sqs:DeleteQueue", "arn:aws:sqs:us-east-1:123456789012:q");
  PrincipalPolicies p;
  p.identity = {allow, deny};
  Outcome o = evaluate(r, p, nullptr);
  EXPECT_EQ(o.decision, Decision::kExplicitDeny);
  EXPECT_EQ(denial_message(r, o),
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "sqs:DeleteQueue on resource: arn:aws:sqs:us-east-1:123456789012:q with an explicit "
            "deny in an identity-based policy");
  EXPECT_EQ(
      decide(request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q"), {allow, deny}),
      Decision::kAllow);
}

TEST(Evaluate, NotActionAndNotResource) {
  auto p = policy(R"({"Statement":[{"Effect":"Allow","NotAction":"iam:*",
      "NotResource":"arn:aws:s3:::secret/*"}]})");
  EXPECT_EQ(decide(request("s3:GetObject", "arn:aws:s3:::public/a"), {p}), Decision::kAllow);
  EXPECT_EQ(decide(request("s3:GetObject", "arn:aws:s3:::secret/a"), {p}), Decision::kImplicitDeny);
  EXPECT_EQ(decide(request("iam:CreateUser", "*"), {p}), Decision::kImplicitDeny);
}

TEST(Evaluate, PolicyVariablesInResources) {
  auto p = policy(R"({"Statement":[{"Effect":"Allow","Action":"s3:*",
      "Resource":"arn:aws:s3:::home/${aws:username}/*"}]})");
  EXPECT_EQ(decide(request("s3:PutObject", "arn:aws:s3:::home/alice/x"), {p}), Decision::kAllow);
  EXPECT_EQ(decide(request("s3:PutObject", "arn:aws:s3:::home/bob/x"), {p}),
            Decision::kImplicitDeny);
  RequestContext r;
  r.set("aws:username", "al*ce");
  EXPECT_EQ(substitute("a/${aws:username}/${*}/${missing, 'dflt'}", r), "a/al*ce/*/dflt");
  EXPECT_EQ(substitute("${aws:nothere}", r), std::nullopt);
}

TEST(Evaluate, ResourcePolicyAllowsTheNamedPrincipalAndDeniesExplicitly) {
  auto queue_policy = policy(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sqs:SendMessage",
      "Resource":"arn:aws:sqs:us-east-1:123456789012:q"}]})",
                             PolicyKind::kResource);
  auto r = request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(decide(r, {}, queue_policy.get()), Decision::kAllow);
  r.principal_arn = "arn:aws:iam::123456789012:user/bob";
  r.set("aws:PrincipalArn", r.principal_arn);
  EXPECT_EQ(decide(r, {}, queue_policy.get()), Decision::kImplicitDeny);

  // The account as principal delegates to identity policies: it allows no one by itself.
  auto account = policy(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},
      "Action":"sqs:*","Resource":"*"}]})",
                        PolicyKind::kResource);
  EXPECT_EQ(decide(r, {}, account.get()), Decision::kImplicitDeny);

  auto deny = policy(R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"sqs:*",
      "Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]})",
                     PolicyKind::kResource);
  auto all = policy(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");
  r.set("aws:SecureTransport", "false");
  PrincipalPolicies p;
  p.identity = {all};
  Outcome o = evaluate(r, p, deny.get());
  EXPECT_EQ(o.decision, Decision::kExplicitDeny);
  EXPECT_NE(denial_message(r, o).find("with an explicit deny in a resource-based policy"),
            std::string::npos);
}

// NotPrincipal with Deny denies everyone but the principals it lists (a
// bucket only alice may touch); with Allow it allows everyone else.
TEST(Evaluate, NotPrincipalDeniesOrAllowsEveryoneButTheListed) {
  auto only_alice = policy(R"({"Statement":[{"Effect":"Deny",
      "NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"s3:*",
      "Resource":"arn:aws:s3:::private/*"}]})",
                           PolicyKind::kResource);
  auto all = policy(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");
  auto r = request("s3:GetObject", "arn:aws:s3:::private/k");
  EXPECT_EQ(decide(r, {all}, only_alice.get()), Decision::kAllow);
  r.principal_arn = "arn:aws:iam::123456789012:user/bob";
  r.set("aws:PrincipalArn", r.principal_arn);
  EXPECT_EQ(decide(r, {all}, only_alice.get()), Decision::kExplicitDeny);

  auto all_but_bob = policy(R"({"Statement":[{"Effect":"Allow",
      "NotPrincipal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"sqs:SendMessage",
      "Resource":"*"}]})",
                            PolicyKind::kResource);
  auto q = request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(decide(q, {}, all_but_bob.get()), Decision::kAllow);
  q.principal_arn = "arn:aws:iam::123456789012:user/bob";
  q.set("aws:PrincipalArn", q.principal_arn);
  EXPECT_EQ(decide(q, {}, all_but_bob.get()), Decision::kImplicitDeny);
}

// Same account: the identity policy OR a resource policy naming the caller
// allows; another account's resource needs both, the resource policy
// naming the caller or its account.
TEST(Evaluate, SameAccountNeedsEitherPolicyCrossAccountNeedsBoth) {
  auto identity = policy(R"({"Statement":[{"Effect":"Allow","Action":"sqs:SendMessage",
      "Resource":"*"}]})");
  auto names_alice = policy(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"sqs:*",
      "Resource":"*"}]})",
                            PolicyKind::kResource);
  auto names_account = policy(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sqs:*","Resource":"*"}]})",
                              PolicyKind::kResource);
  auto mine = request("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(decide(mine, {identity}), Decision::kAllow);
  EXPECT_EQ(decide(mine, {}, names_alice.get()), Decision::kAllow);
  EXPECT_EQ(decide(mine, {}, names_account.get()), Decision::kImplicitDeny);
  EXPECT_EQ(decide(mine, {identity}, names_account.get()), Decision::kAllow);

  auto theirs = request("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q");
  EXPECT_EQ(decide(theirs, {identity}), Decision::kImplicitDeny);
  EXPECT_EQ(decide(theirs, {}, names_alice.get()), Decision::kImplicitDeny);
  EXPECT_EQ(decide(theirs, {identity}, names_alice.get()), Decision::kAllow);
  EXPECT_EQ(decide(theirs, {identity}, names_account.get()), Decision::kAllow);
  PrincipalPolicies p;
  p.identity = {identity};
  Outcome o = evaluate(theirs, p, nullptr);
  EXPECT_EQ(o.by, DeniedBy::kResource);
  EXPECT_NE(denial_message(theirs, o).find("because no resource-based policy allows"),
            std::string::npos);
  // S3 ARNs name no account: the caller's own.
  EXPECT_EQ(decide(request("sqs:SendMessage", "arn:aws:s3:::bucket/key"), {identity}),
            Decision::kAllow);
}

// An unsigned request names no principal: only "*" in a resource policy
// matches it.
TEST(Evaluate, AnonymousCallersAreAllowedOnlyByPrincipalStar) {
  RequestContext r;
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::site/index.html";
  auto public_read = policy(R"({"Statement":[{"Effect":"Allow","Principal":"*",
      "Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]})",
                            PolicyKind::kResource);
  auto account_only = policy(R"({"Statement":[{"Effect":"Allow",
      "Principal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*"}]})",
                             PolicyKind::kResource);
  EXPECT_EQ(decide(r, {}, public_read.get()), Decision::kAllow);
  EXPECT_EQ(decide(r, {}, account_only.get()), Decision::kImplicitDeny);
  EXPECT_EQ(decide(r, {}, nullptr), Decision::kImplicitDeny);
  r.action = "s3:PutObject";
  EXPECT_EQ(decide(r, {}, public_read.get()), Decision::kImplicitDeny);
}

// A request's context may lean on a shared base (the caller's keys, built
// once per principal): its own keys win, the base answers the rest.
TEST(Evaluate, ContextFallsBackToItsBase) {
  RequestContext caller = request("sqs:SendMessage", "*");
  RequestContext r;
  r.base = &caller;
  r.action = "sqs:SendMessage";
  r.resource = "arn:aws:sqs:us-east-1:123456789012:alice-q";
  r.principal_arn = caller.principal_arn;
  r.principal_account = caller.principal_account;
  auto own = policy(R"({"Statement":[{"Effect":"Allow","Action":"sqs:*",
      "Resource":"arn:aws:sqs:*:*:${aws:username}-*"}]})");
  EXPECT_EQ(decide(r, {own}), Decision::kAllow);
  r.set("aws:username", "bob");
  EXPECT_EQ(decide(r, {own}), Decision::kImplicitDeny);
  ASSERT_TRUE(caller.find("aws:username"));
  EXPECT_EQ(caller.find("aws:username")->front(), "alice");
  EXPECT_EQ(r.find("aws:nothing"), nullptr);
}

TEST(PolicyCache, ParsesEachDocumentOnce) {
  PolicyCache cache(2);
  const char* doc =
      R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]})";
  auto first = cache.get(doc);
  ASSERT_TRUE(first);
  EXPECT_EQ(cache.get(std::string(doc)), first);
  EXPECT_FALSE(cache.get(""));
  EXPECT_FALSE(cache.get("{not a policy"));
  cache.get(R"({"Statement":[]})");
  auto again = cache.get(doc);  // the cache was full and started afresh
  ASSERT_TRUE(again);
  EXPECT_EQ(again->statements.size(), 1u);
}

TEST(Evaluate, ServicePrincipalWithSourceArn) {
  auto fn = policy(R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},
      "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
      "Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic-*"}}}]})",
                   PolicyKind::kResource);
  RequestContext r;
  r.action = "lambda:InvokeFunction";
  r.resource = "arn:aws:lambda:us-east-1:123456789012:function:f";
  r.service_principal = "sns.amazonaws.com";
  r.set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-1");
  EXPECT_EQ(decide(r, {}, fn.get()), Decision::kAllow);
  r.set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:other");
  EXPECT_EQ(decide(r, {}, fn.get()), Decision::kImplicitDeny);
  r.service_principal = "events.amazonaws.com";
  r.set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-1");
  EXPECT_EQ(decide(r, {}, fn.get()), Decision::kImplicitDeny);
}

TEST(Evaluate, BoundaryAndSessionPoliciesLimitWhatIdentityAllows) {
  auto all = policy(R"({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})");
  auto sqs_only = policy(R"({"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]})");
  auto r = request("s3:GetObject", "arn:aws:s3:::b/k");
  PrincipalPolicies p;
  p.identity = {all};
  p.boundary = sqs_only;
  Outcome o = evaluate(r, p, nullptr);
  EXPECT_EQ(o.by, DeniedBy::kBoundary);
  EXPECT_NE(denial_message(r, o).find("because no permissions boundary allows the s3:GetObject"),
            std::string::npos);
  p.boundary = nullptr;
  p.session = {sqs_only};
  EXPECT_EQ(evaluate(r, p, nullptr).by, DeniedBy::kSession);
  EXPECT_EQ(evaluate(request("sqs:SendMessage", "*"), p, nullptr).decision, Decision::kAllow);
}

Condition cond(std::string op, std::string key, std::vector<std::string> values,
               Condition::Set set = Condition::Set::kSingle, bool if_exists = false) {
  Condition c;
  c.op = std::move(op);
  c.key = std::move(key);
  c.values = std::move(values);
  c.set = set;
  c.if_exists = if_exists;
  return c;
}

TEST(Conditions, OperatorsAndMissingKeys) {
  RequestContext r;
  r.set("aws:SourceIp", "10.1.2.3");
  r.set("aws:CurrentTime", "2026-12-04T00:30:00Z");
  r.set("s3:max-keys", "10");
  r.add("aws:TagKeys", "team");
  r.add("aws:TagKeys", "cost");
  EXPECT_TRUE(condition_matches(cond("IpAddress", "aws:sourceip", {"10.0.0.0/8"}), r));
  EXPECT_FALSE(condition_matches(cond("IpAddress", "aws:SourceIp", {"192.168.0.0/16"}), r));
  EXPECT_TRUE(condition_matches(cond("NotIpAddress", "aws:SourceIp", {"192.168.0.0/16"}), r));
  EXPECT_TRUE(condition_matches(cond("DateLessThan", "aws:CurrentTime", {"2027-01-01"}), r));
  EXPECT_FALSE(condition_matches(cond("DateGreaterThan", "aws:CurrentTime", {"2027-01-01"}), r));
  EXPECT_TRUE(condition_matches(cond("NumericLessThanEquals", "s3:max-keys", {"10"}), r));
  EXPECT_FALSE(condition_matches(cond("NumericLessThan", "s3:max-keys", {"10"}), r));
  // Missing keys: false, unless negated, ...IfExists or Null.
  EXPECT_FALSE(condition_matches(cond("StringEquals", "aws:username", {"x"}), r));
  EXPECT_TRUE(condition_matches(cond("StringNotEquals", "aws:username", {"x"}), r));
  EXPECT_TRUE(condition_matches(
      cond("StringEquals", "aws:username", {"x"}, Condition::Set::kSingle, true), r));
  EXPECT_TRUE(condition_matches(cond("Null", "aws:username", {"true"}), r));
  EXPECT_FALSE(condition_matches(cond("Null", "aws:SourceIp", {"true"}), r));
  // Multi-valued keys.
  auto all = Condition::Set::kForAllValues, any = Condition::Set::kForAnyValue;
  EXPECT_TRUE(
      condition_matches(cond("StringEquals", "aws:TagKeys", {"team", "cost", "x"}, all), r));
  EXPECT_FALSE(condition_matches(cond("StringEquals", "aws:TagKeys", {"team"}, all), r));
  EXPECT_TRUE(condition_matches(cond("StringEquals", "aws:TagKeys", {"cost"}, any), r));
  EXPECT_FALSE(condition_matches(cond("StringEquals", "aws:TagKeys", {"none"}, any), r));
  EXPECT_TRUE(condition_matches(cond("StringEquals", "aws:Missing", {"a"}, all), r));
  EXPECT_FALSE(condition_matches(cond("StringLike", "aws:Missing", {"a"}, any), r));
}

// CIDR blocks compared by whole bytes and a masked last byte.
TEST(Conditions, IpAddressBlocksOfEveryLength) {
  auto in = [](std::string ip, std::string block) {
    RequestContext r;
    r.set("aws:SourceIp", std::move(ip));
    return condition_matches(cond("IpAddress", "aws:SourceIp", {std::move(block)}), r);
  };
  EXPECT_TRUE(in("203.0.113.7", "0.0.0.0/0"));
  EXPECT_TRUE(in("10.1.2.3", "10.1.2.3"));
  EXPECT_FALSE(in("10.1.2.4", "10.1.2.3/32"));
  EXPECT_TRUE(in("10.1.2.4", "10.1.2.5/31"));
  EXPECT_FALSE(in("10.1.2.6", "10.1.2.5/31"));
  EXPECT_TRUE(in("11.255.0.1", "10.0.0.0/7"));
  EXPECT_FALSE(in("12.0.0.1", "10.0.0.0/7"));
  EXPECT_TRUE(in("10.127.9.9", "10.0.0.0/9"));
  EXPECT_FALSE(in("10.128.0.0", "10.0.0.0/9"));
  EXPECT_TRUE(in("2001:db8::1", "2001:db8::/64"));
  EXPECT_FALSE(in("2001:db9::1", "2001:db8::/32"));
  EXPECT_FALSE(in("2001:db8:0:0:8000::1", "2001:db8::/65"));
  EXPECT_TRUE(in("2001:db8:0:0:7fff::1", "2001:db8::/65"));
  EXPECT_FALSE(in("10.1.2.3", "2001:db8::/32"));
}

TEST(Match, WildcardsAndArns) {
  EXPECT_TRUE(wildcard_match("a*b?d", "axxxbcd"));
  EXPECT_FALSE(wildcard_match("a*b?d", "axxxbd"));
  EXPECT_TRUE(wildcard_match("S3:Get*", "s3:getobject", true));
  EXPECT_FALSE(wildcard_match("S3:Get*", "s3:getobject", false));
  EXPECT_TRUE(arn_match("arn:aws:sqs:*:*:q", "arn:aws:sqs:us-east-1:1:q"));
  EXPECT_FALSE(arn_match("arn:aws:sqs:*:*:q", "arn:aws:sns:us-east-1:1:q"));
  EXPECT_TRUE(arn_match("arn:aws:lambda:*:*:function:f*", "arn:aws:lambda:r:1:function:f:live"));
  std::string many(5000, '*');
  EXPECT_FALSE(wildcard_match(many + "b", std::string(5000, 'a')));
}

// A plain dynamic-programming glob: what the fast paths must agree with.
bool reference_glob(std::string_view p, std::string_view t, bool ignore_case) {
  auto fold = [&](char c) { return ignore_case && c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
  std::vector<std::vector<bool>> m(p.size() + 1, std::vector<bool>(t.size() + 1));
  m[0][0] = true;
  for (size_t i = 1; i <= p.size(); ++i) {
    for (size_t j = 0; j <= t.size(); ++j) {
      if (p[i - 1] == '*') {
        m[i][j] = m[i - 1][j] || (j > 0 && m[i][j - 1]);
      } else {
        m[i][j] = j > 0 && m[i - 1][j - 1] && (p[i - 1] == '?' || fold(p[i - 1]) == fold(t[j - 1]));
      }
    }
  }
  return m[p.size()][t.size()];
}

// ArnLike as written before the fast paths: component by component.
bool reference_arn(std::string_view pattern, std::string_view arn) {
  if (pattern == "*") return true;
  for (int part = 0; part < 5; ++part) {
    size_t pc = pattern.find(':'), ac = arn.find(':');
    if (pc == std::string_view::npos || ac == std::string_view::npos) {
      return reference_glob(pattern, arn, false);
    }
    if (!reference_glob(pattern.substr(0, pc), arn.substr(0, ac), false)) return false;
    pattern.remove_prefix(pc + 1);
    arn.remove_prefix(ac + 1);
  }
  return reference_glob(pattern, arn, false);
}

// Every string of up to `n` characters over `alphabet`.
std::vector<std::string> strings(std::string_view alphabet, size_t n) {
  std::vector<std::string> out{""};
  for (size_t from = 0, len = 0; len < n; ++len) {
    size_t to = out.size();
    for (size_t i = from; i < to; ++i) {
      for (char c : alphabet) out.push_back(out[i] + c);
    }
    from = to;
  }
  return out;
}

TEST(Match, PrecompiledPatternsDecideAsTheGlobDoes) {
  auto patterns = strings("aA:*?", 4);
  auto texts = strings("aA:b", 3);
  for (const auto& p : patterns) {
    PatternKind kind = classify_pattern(p, true);
    for (const auto& t : texts) {
      for (bool ic : {false, true}) {
        bool want = reference_glob(p, t, ic);
        ASSERT_EQ(wildcard_match(p, t, ic), want) << p << " " << t << " " << ic;
        ASSERT_EQ(pattern_match(kind, p, t, ic), want) << p << " " << t << " " << ic;
      }
      bool want = reference_arn(p, t);
      ASSERT_EQ(arn_match(p, t), want) << p << " " << t;
      ASSERT_EQ(arn_pattern_match(kind, p, t), want) << p << " " << t;
    }
  }
  // ARN-shaped: more than five colons, a trailing '*' in the resource part.
  for (std::string_view p : {"arn:aws:s3:::b/*", "arn:aws:s3:::b/k", "arn:aws:sqs:r:1:q*",
                             "arn:aws:sqs:r:1*", "arn:aws:lambda:r:1:function:f:*"}) {
    for (std::string_view t :
         {"arn:aws:s3:::b/k", "arn:aws:s3:::b/", "arn:aws:s3:::b", "arn:aws:sqs:r:1:q",
          "arn:aws:sqs:r:1:q:x", "arn:aws:sqs:r:12:q", "arn:aws:lambda:r:1:function:f:live",
          "arn:aws:lambda:r:1:function:f"}) {
      EXPECT_EQ(arn_pattern_match(classify_pattern(p, true), p, t), reference_arn(p, t))
          << p << " " << t;
    }
  }
  EXPECT_EQ(classify_pattern("*", true), PatternKind::kAny);
  EXPECT_EQ(classify_pattern("arn:aws:s3:::b/${aws:username}/*", true), PatternKind::kVariable);
  EXPECT_EQ(classify_pattern("s3:${x}", false), PatternKind::kLiteral);
  EXPECT_EQ(classify_pattern("s3:Get*", false), PatternKind::kPrefix);
  EXPECT_EQ(classify_pattern("s3:*Object", false), PatternKind::kGlob);
}

TEST(PolicyParse, KnowsWhetherItReadsTheRequestsKeys) {
  auto reads = [](std::string_view text) { return policy(text)->reads_request_keys; };
  EXPECT_FALSE(reads(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})"));
  EXPECT_TRUE(reads(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Condition":{"Bool":{"aws:SecureTransport":"true"}}}})"));
  EXPECT_TRUE(reads(R"({"Statement":{"Effect":"Allow","Action":"s3:*",
      "Resource":"arn:aws:s3:::b/${aws:username}/*"}})"));
  auto p = policy(R"({"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Condition":{"Bool":{"aws:SecureTransport":"true"},"IpAddress":{"AWS:SourceIp":"10.0.0.0/8"}}},
    {"Effect":"Deny","Action":"s3:*","Resource":"*",
      "Condition":{"Bool":{"aws:securetransport":"false"}}}]})");
  EXPECT_EQ(p->condition_keys, (std::vector<std::string>{"aws:securetransport", "aws:sourceip"}));
  EXPECT_FALSE(p->reads_variables);
  EXPECT_TRUE(policy(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*",
      "Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}})")
                  ->reads_variables);
}

}  // namespace
}  // namespace nimbus::iam
