// IAM's state: immutable snapshots that readers share (every request's key
// lookup and authorization reads one without waiting), replaced as a whole
// by writers. A write runs on a draft copy, persists the records it touched
// in one storage batch, and only then publishes the draft: a failed commit
// changes nothing, and nothing is answered before it is durable.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/mutex.h"
#include "common/result.h"
#include "services/iam/model.h"
#include "services/service.h"

namespace nimbus::services::iam {

template <typename T>
using Table = std::map<std::string, std::shared_ptr<const T>>;

struct State {
  // Users, groups, roles and instance profiles by lower-cased name (IAM
  // names are unique without regard to case); policies by ARN; keys and
  // sessions by access key id.
  Table<User> users;
  Table<Group> groups;
  Table<Role> roles;
  Table<ManagedPolicy> policies;
  Table<AccessKey> keys;
  Table<InstanceProfile> profiles;
  Table<Session> sessions;
  Table<OidcProvider> oidc_providers;  // by ARN
  uint64_t generation = 0;             // bumped by every write: the policy caches' version
};

// A write in progress: a copy of the state and the records it touched.
class Draft {
 public:
  explicit Draft(const State& s) : state(s) {}
  State state;

  template <typename T>
  T& edit(Table<T>& table, const std::string& key) {
    auto copy = std::make_shared<T>(*table.at(key));
    T& ref = *copy;
    table[key] = std::move(copy);
    touch(table, key);
    return ref;
  }
  template <typename T>
  T& put(Table<T>& table, const std::string& key, T value) {
    auto ptr = std::make_shared<T>(std::move(value));
    T& ref = *ptr;
    table[key] = std::move(ptr);
    touch(table, key);
    return ref;
  }
  template <typename T>
  void erase(Table<T>& table, const std::string& key) {
    table.erase(key);
    touch(table, key);
  }
  const std::set<std::pair<char, std::string>>& touched() const { return touched_; }

 private:
  template <typename T>
  void touch(Table<T>& table, const std::string& key) {
    touched_.emplace(prefix_of(table), key);
  }
  char prefix_of(const Table<User>&) const { return 'u'; }
  char prefix_of(const Table<Group>&) const { return 'g'; }
  char prefix_of(const Table<Role>&) const { return 'r'; }
  char prefix_of(const Table<ManagedPolicy>&) const { return 'p'; }
  char prefix_of(const Table<AccessKey>&) const { return 'k'; }
  char prefix_of(const Table<InstanceProfile>&) const { return 'i'; }
  char prefix_of(const Table<Session>&) const { return 's'; }
  char prefix_of(const Table<OidcProvider>&) const { return 'o'; }

  std::set<std::pair<char, std::string>> touched_;
};

class Store {
 public:
  explicit Store(Environment& env) : env_(env) {}

  // Reads the stored records back (start()); sessions past their
  // expiration are dropped.
  Status load();
  std::shared_ptr<const State> snapshot() const;

  // Runs `change` on a draft of the current state, then persists what it
  // touched and publishes it when `change` succeeds. Blocking (a commit):
  // call it on the worker pool. Writes are serialized.
  Output write(const std::function<Output(Draft&)>& change);

 private:
  Environment& env_;
  Mutex write_mu_;  // one write at a time, held across its commit
  mutable Mutex mu_;
  std::shared_ptr<const State> state_ GUARDED_BY(mu_) = std::make_shared<State>();
};

}  // namespace nimbus::services::iam
