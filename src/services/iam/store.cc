#include "services/iam/store.h"

#include "common/json_fields.h"
#include "storage/storage.h"
#include "storage/write_batch.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

constexpr const char* kNamespace = "iam";

std::string record_key(char prefix, const std::string& key) {
  return std::string(1, prefix) + "/" + key;
}

template <typename T>
std::optional<std::string> encoded(const Table<T>& table, const std::string& key) {
  auto it = table.find(key);
  if (it == table.end()) return std::nullopt;
  return json::serialize(encode(*it->second));
}

std::optional<std::string> encoded(const State& s, char prefix, const std::string& key) {
  switch (prefix) {
    case 'u':
      return encoded(s.users, key);
    case 'g':
      return encoded(s.groups, key);
    case 'r':
      return encoded(s.roles, key);
    case 'p':
      return encoded(s.policies, key);
    case 'k':
      return encoded(s.keys, key);
    case 'i':
      return encoded(s.profiles, key);
    case 's':
      return encoded(s.sessions, key);
    case 'o':
      return encoded(s.oidc_providers, key);
  }
  return std::nullopt;
}

template <typename T>
Status read_table(storage::Records& records, char prefix, Table<T>& table) {
  return records.each(std::string(1, prefix) + "/", [&](storage::Entry& e) {
    auto o = parse_object(e.value);
    T value;
    if (!o || !decode(*o, value)) return;  // a record this version cannot read
    table[e.key.substr(2)] = std::make_shared<T>(std::move(value));
  });
}

}  // namespace

Status Store::load() {
  auto records = env_.storage->records(kNamespace);
  auto state = std::make_shared<State>();
  NIMBUS_TRY(read_table(records, 'u', state->users));
  NIMBUS_TRY(read_table(records, 'g', state->groups));
  NIMBUS_TRY(read_table(records, 'r', state->roles));
  NIMBUS_TRY(read_table(records, 'p', state->policies));
  NIMBUS_TRY(read_table(records, 'k', state->keys));
  NIMBUS_TRY(read_table(records, 'i', state->profiles));
  NIMBUS_TRY(read_table(records, 's', state->sessions));
  NIMBUS_TRY(read_table(records, 'o', state->oidc_providers));
  double now = std::chrono::duration<double>(env_.clock.now().time_since_epoch()).count();
  std::erase_if(state->sessions, [&](const auto& s) { return s.second->expiration <= now; });
  MutexLock lock(mu_);
  state_ = std::move(state);
  return Status::ok();
}

std::shared_ptr<const State> Store::snapshot() const {
  MutexLock lock(mu_);
  return state_;
}

Output Store::write(const std::function<Output(Draft&)>& change) {
  MutexLock serial(write_mu_);
  Draft draft(*snapshot());
  Output out = change(draft);
  if (!out || draft.touched().empty()) return out;
  storage::WriteBatch batch(kNamespace);
  for (const auto& [prefix, key] : draft.touched()) {
    if (auto value = encoded(draft.state, prefix, key)) {
      batch.put(kNamespace, record_key(prefix, key), *value);
    } else {
      batch.del(kNamespace, record_key(prefix, key));
    }
  }
  if (auto st = env_.storage->commit_sync(std::move(batch)); !st) return st.take_error();
  ++draft.state.generation;
  auto published = std::make_shared<const State>(std::move(draft.state));
  MutexLock lock(mu_);
  state_ = std::move(published);
  return out;
}

}  // namespace nimbus::services::iam
