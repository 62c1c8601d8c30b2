#include "storage/partition.h"

#include <atomic>
#include <utility>

#include "common/mutex.h"

namespace nimbus::storage {

struct PartitionExecutor::State : std::enable_shared_from_this<State> {
  explicit State(Post p) : post(std::move(p)) {}

  Post post;
  mutable Mutex mu;
  // A key is present while an operation on it runs; its deque holds the
  // operations waiting behind it.
  std::map<std::string, std::deque<Op>, std::less<>> keys GUARDED_BY(mu);
  bool closed GUARDED_BY(mu) = false;

  // Marks `key` busy; false when it already was (`op` then waits behind
  // it) or the executor is closed (`op` is dropped).
  bool claim(std::string_view key, Op& op) EXCLUDES(mu);
  Turn make_turn(std::string key);
  void start(const std::string& key, Op op) EXCLUDES(mu);
  void finished(const std::string& key) EXCLUDES(mu);
};

struct PartitionExecutor::Turn::Token {
  std::shared_ptr<State> state;
  std::string key;
  std::atomic<bool> released{false};

  void release() {
    if (!released.exchange(true)) state->finished(key);
  }
  ~Token() { release(); }
};

const std::string& PartitionExecutor::Turn::key() const {
  return token_->key;
}

void PartitionExecutor::Turn::release() {
  if (token_) token_->release();
}

bool PartitionExecutor::State::claim(std::string_view key, Op& op) {
  MutexLock lock(mu);
  if (closed) return false;
  auto it = keys.find(key);
  if (it != keys.end()) {
    it->second.push_back(std::move(op));
    return false;
  }
  keys.emplace(std::string(key), std::deque<Op>());
  return true;
}

PartitionExecutor::Turn PartitionExecutor::State::make_turn(std::string key) {
  auto token = std::make_shared<Turn::Token>();
  token->state = shared_from_this();
  token->key = std::move(key);
  return Turn(std::move(token));
}

void PartitionExecutor::State::start(const std::string& key, Op op) {
  post([op = std::move(op), turn = make_turn(key)]() mutable {
    // Moved out so the Turn is not held by this task after `op` returns.
    Op run = std::move(op);
    run(std::move(turn));
  });
}

void PartitionExecutor::State::finished(const std::string& key) {
  Op next;
  {
    MutexLock lock(mu);
    auto it = keys.find(key);
    if (it == keys.end()) return;
    if (it->second.empty() || closed) {
      keys.erase(it);
      return;
    }
    next = std::move(it->second.front());
    it->second.pop_front();
  }
  start(key, std::move(next));
}

PartitionExecutor::PartitionExecutor(Post post)
    : state_(std::make_shared<State>(std::move(post))) {}

PartitionExecutor::~PartitionExecutor() {
  MutexLock lock(state_->mu);
  state_->closed = true;
  for (auto& [key, waiting] : state_->keys) waiting.clear();
}

void PartitionExecutor::submit(std::string_view key, Op op) {
  if (state_->claim(key, op)) state_->start(std::string(key), std::move(op));
}

void PartitionExecutor::run_or_submit(std::string_view key, Op op) {
  if (state_->claim(key, op)) op(state_->make_turn(std::string(key)));
}

size_t PartitionExecutor::busy_keys() const {
  MutexLock lock(state_->mu);
  return state_->keys.size();
}

}  // namespace nimbus::storage
