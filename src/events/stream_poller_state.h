// The per-shard state StreamPoller keeps while it reads and invokes (internal
// to stream_poller*.cc; nothing else includes it).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "events/stream_poller.h"
#include "events/stream_window.h"

namespace nimbus::events::poller {

inline constexpr const char* kNs = "lambda.esm.shards";
inline constexpr const char* kEnded = "END";
inline constexpr int64_t kRetryInitialMs = 500;
inline constexpr int64_t kRetryMaxMs = 30'000;
inline constexpr int64_t kProblemRetryMs = 1'000;  // no source bound, stream gone, read error
inline constexpr auto kIdleWait = std::chrono::seconds(60);

inline void count(Counter* c, uint64_t n = 1) {
  if (c != nullptr) c->add(n);
}

}  // namespace nimbus::events::poller

namespace nimbus::events {

// A batch read from the shard and not yet done: the records still to invoke
// (filters applied) with their Records[] elements, and the checkpoint once
// it is done.
struct StreamPoller::Batch {
  std::vector<StreamRecord> records;
  std::vector<std::string> json;  // records[i] as a Records[] element
  std::string end;
  bool windowed = false;  // carries the lane's tumbling window
  bool final = false;     // isFinalInvokeForWindow
};

// One of the (ParallelizationFactor) batches of a round run at once.
struct StreamPoller::Runner {
  std::deque<Batch> todo;  // front: the batch being invoked (more after a split)
  int attempts = 0;        // failed invocations of todo.front()
  int64_t backoff_ms = 0;  // the last retry delay of todo.front()
  std::string request_id;  // the last invocation of todo.front() that ran
};

// One shard. Each runner's steps run one at a time (each starts the next from
// its callback), and a round's runners touch only their own Runner; the lane's
// other members change only between rounds or with one runner. wait_id is
// read by stop(), hence its lock.
struct StreamPoller::Lane {
  std::string shard;
  std::string position;         // the stored checkpoint
  WindowState window;           // TumblingWindowInSeconds (one runner)
  std::vector<Runner> runners;  // the round in flight; empty between rounds
  std::string round_end;        // the checkpoint once every runner is done
  std::atomic<size_t> running{0};
  std::optional<Clock::time_point> batching_end;  // MaximumBatchingWindowInSeconds
  std::mutex mu;
  uint64_t wait_id = 0;  // guarded by mu
};

}  // namespace nimbus::events
