#include "services/iam/entities.h"

#include "common/json_fields.h"
#include "services/iam/errors.h"

namespace nimbus::services::iam {

namespace {

template <typename T>
const Entity* in(const Table<T>& table, std::string_view name) {
  auto it = table.find(lower(name));
  return it == table.end() ? nullptr : it->second.get();
}

}  // namespace

const Entity* find_entity(const State& state, Kind kind, std::string_view name) {
  switch (kind) {
    case Kind::kUser:
      return in(state.users, name);
    case Kind::kGroup:
      return in(state.groups, name);
    case Kind::kRole:
      return in(state.roles, name);
  }
  return nullptr;
}

Entity& edit_entity(Draft& draft, Kind kind, std::string_view name) {
  std::string key = lower(name);
  switch (kind) {
    case Kind::kUser:
      return draft.edit(draft.state.users, key);
    case Kind::kGroup:
      return draft.edit(draft.state.groups, key);
    case Kind::kRole:
      break;
  }
  return draft.edit(draft.state.roles, key);
}

Result<const Entity*> require_entity(const State& state, Kind kind, std::string_view name) {
  const Entity* e = find_entity(state, kind, name);
  if (!e) return errors::not_found(noun(kind), name);
  return e;
}

const ManagedPolicy* find_policy(const State& state, std::string_view arn) {
  std::string key(arn);
  if (auto it = state.policies.find(key); it != state.policies.end()) return it->second.get();
  const auto& aws = aws_managed_policies();
  if (auto it = aws.find(key); it != aws.end()) return it->second.get();
  return nullptr;
}

int attachment_count(const State& state, std::string_view arn) {
  int n = 0;
  std::string key(arn);
  for (const auto& [_, u] : state.users) n += u->attached.count(key);
  for (const auto& [_, g] : state.groups) n += g->attached.count(key);
  for (const auto& [_, r] : state.roles) n += r->attached.count(key);
  return n;
}

Status check_document(std::string_view document, engine::PolicyKind kind,
                      std::string_view quota_name, size_t quota) {
  size_t significant = 0;
  for (char c : document) significant += !std::isspace(static_cast<unsigned char>(c));
  if (significant > quota) return errors::quota(quota_name, static_cast<int>(quota));
  auto parsed = parse_policy(document, kind);
  if (!parsed) return parsed.take_error();
  return Status::ok();
}

Result<std::string> path_of(const boost::json::object& in, const char* member) {
  if (!has(in, member)) return std::string("/");
  std::string path = str(in, member);
  if (path.empty() || path.front() != '/' || path.back() != '/') {
    return Error::validation(
        "The specified value for path is invalid. It must begin and end with "
        "/ and contain only alphanumeric characters and/or / characters.");
  }
  return path;
}

}  // namespace nimbus::services::iam
