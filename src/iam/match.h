// Matching policy strings: IAM wildcards ('*' any run, '?' one character),
// ARNs compared component by component, and policy variables (${aws:username})
// replaced from the request before a match.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "iam/context.h"
#include "iam/policy.h"

namespace nimbus::iam {

// Glob match of `text` against `pattern` ('*' and '?'), optionally ignoring case.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case = false);

// wildcard_match for a pattern of a known kind (classify_pattern; not
// kVariable): literals and trailing-'*' prefixes without the glob loop.
bool pattern_match(PatternKind kind, std::string_view pattern, std::string_view text,
                   bool ignore_case);

// arn_match for a pattern of a known kind (not kVariable).
bool arn_pattern_match(PatternKind kind, std::string_view pattern, std::string_view arn);

// `pattern` with each ${key} replaced by the request's (single) value, and
// ${*} ${?} ${$} by the literal character. nullopt when a variable names a
// key the request does not have and gives no default (${key, 'default'}):
// then the statement does not match, as on AWS.
std::optional<std::string> substitute(std::string_view pattern, const RequestContext& request);

// The account field of an ARN ("arn:aws:sqs:REGION:ACCOUNT:q"); empty when
// it has none (S3 buckets) or is not an ARN ("*").
std::string_view arn_account(std::string_view arn);

// ArnLike / Resource matching: six colon-separated components, each a glob;
// the resource part may hold colons of its own.
bool arn_match(std::string_view pattern, std::string_view arn);

}  // namespace nimbus::iam
