// IAM policy documents: parsed and validated as IAM does (MalformedPolicyDocument
// with AWS's messages), held in a form the evaluator (evaluate.h) reads
// without re-parsing. Pure values: safe to share between threads once built.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::iam {

enum class Effect { kAllow, kDeny };

// Which grammar a document follows: identity policies (users, groups,
// roles, boundaries, sessions) name no principal; resource policies (queue,
// function, topic, bucket policies) and trust policies must.
enum class PolicyKind { kIdentity, kResource, kTrust };

// "Principal": "*" or {"AWS": [...], "Service": [...], "Federated": [...]}.
struct Principal {
  bool any = false;                                     // "*" or {"AWS": "*"}
  std::map<std::string, std::vector<std::string>> ids;  // kind -> identifiers
};

// How one Action or Resource string matches, decided when the policy is
// parsed so that evaluating a request does not re-scan it.
enum class PatternKind : unsigned char {
  kAny,       // "*": everything
  kLiteral,   // no '*' or '?': equality
  kPrefix,    // one trailing '*' and no other wildcard: a prefix
  kGlob,      // wildcards elsewhere: wildcard_match
  kVariable,  // a ${...} policy variable (resources only): substituted per request
};

// `pattern`'s kind; `variables`: whether ${...} is substituted (resources).
PatternKind classify_pattern(std::string_view pattern, bool variables);

// One condition: operator (without IfExists / set prefix), key, values.
struct Condition {
  enum class Set { kSingle, kForAllValues, kForAnyValue };
  std::string op;  // "StringEquals", "ArnLike", "Null", ...
  bool if_exists = false;
  Set set = Set::kSingle;
  std::string key;  // as written; matched case-insensitively
  std::vector<std::string> values;
};

struct Statement {
  std::string sid;
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<std::string> actions;  // "sqs:SendMessage", "s3:Get*", "*"
  bool has_resource = false;         // Resource or NotResource present
  bool not_resource = false;
  std::vector<std::string> resources;
  std::optional<Principal> principal;
  bool not_principal = false;
  std::vector<Condition> conditions;
  // Filled by parse_policy, by index of `actions` and `resources`.
  std::vector<PatternKind> action_kinds;
  std::vector<PatternKind> resource_kinds;
};

struct Policy {
  std::string version;  // "2012-10-17", "2008-10-17" or empty
  std::string id;
  std::vector<Statement> statements;
  // A condition names a key of the resource itself, aws:ResourceTag/KEY (or
  // a service's ResourceTag/KEY) or dynamodb:LeadingKeys, as its key or in
  // a value's policy variable: deciding it needs what the resource's
  // service knows (its tags, its key schema), which is read only then.
  bool reads_resource_keys = false;
  // A condition, or a policy variable in a resource: deciding a request
  // reads its condition keys. Without, they need not be gathered.
  bool reads_request_keys = false;
  // The keys its conditions name, lower-cased, each once; and whether a
  // policy variable (in a resource or a condition value) may name any key.
  std::vector<std::string> condition_keys;
  bool reads_variables = false;
};

// Parses and validates `text`. Errors carry the code
// MalformedPolicyDocumentException (IAM's shape name) and IAM's message;
// services with their own code for a bad policy rename it.
Result<Policy> parse_policy(std::string_view text, PolicyKind kind);

// The condition operators the evaluator knows (without IfExists).
bool known_condition_operator(std::string_view op);

}  // namespace nimbus::iam
