// Reading and editing users, groups, roles and policies by name or ARN,
// shared by the handler files.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "iam/policy.h"
#include "services/iam/shapes.h"
#include "services/iam/store.h"

namespace nimbus::services::iam {

namespace engine = ::nimbus::iam;  // the policy engine (src/iam/)

// The user, group or role named `name` (any case), or nullptr.
const Entity* find_entity(const State& state, Kind kind, std::string_view name);
// A copy of it in the draft to change (it must exist).
Entity& edit_entity(Draft& draft, Kind kind, std::string_view name);
// NoSuchEntity ("The user with name x cannot be found.") when missing.
Result<const Entity*> require_entity(const State& state, Kind kind, std::string_view name);

// A customer managed policy of the state or an AWS managed one, or nullptr.
const ManagedPolicy* find_policy(const State& state, std::string_view arn);
// The AWS managed policies nimbus knows (arn:aws:iam::aws:policy/...).
const Table<ManagedPolicy>& aws_managed_policies();
// Users, groups and roles the policy is attached to.
int attachment_count(const State& state, std::string_view arn);

// Parses `document` under `kind`'s grammar and IAM's size quota
// (LimitExceeded "Cannot exceed quota for PolicySize: 6144").
Status check_document(std::string_view document, engine::PolicyKind kind,
                      std::string_view quota_name, size_t quota);

// Path members: "/" by default; IAM's rule is a slash at both ends.
Result<std::string> path_of(const boost::json::object& in, const char* member = "Path");

}  // namespace nimbus::services::iam
