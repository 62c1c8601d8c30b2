// FIFO topics: sequence numbers and the 5-minute deduplication window, in
// memory (a restart forgets the window: see README.md, Differs from AWS).
// Thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/mutex.h"

namespace nimbus::services::sns {

class FifoWindow {
 public:
  static constexpr int64_t kWindowMs = 5 * 60 * 1000;

  struct Accepted {
    std::string message_id;
    std::string sequence;
    bool duplicate = false;
  };

  // Accepts a message of `topic` with `dedup` at `now_ms`: a new sequence
  // number (20 digits, growing across restarts as it starts from the clock),
  // or, within the window of an earlier message with the same id, that
  // message's id and sequence with `duplicate` set.
  Accepted accept(const std::string& topic, const std::string& dedup, int64_t now_ms,
                  const std::string& message_id) {
    MutexLock lock(mu_);
    auto& t = topics_[topic];
    for (auto it = t.expiry.begin(); it != t.expiry.end() && it->first <= now_ms;) {
      t.seen.erase(it->second);
      it = t.expiry.erase(it);
    }
    if (auto it = t.seen.find(dedup); it != t.seen.end()) {
      return {it->second.first, it->second.second, true};
    }
    uint64_t base = static_cast<uint64_t>(now_ms) * 1'000'000;
    t.last = std::max(t.last + 1, base);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(t.last));
    t.seen[dedup] = {message_id, buf};
    t.expiry.emplace(now_ms + kWindowMs, dedup);
    return {message_id, buf, false};
  }

 private:
  struct PerTopic {
    uint64_t last = 0;
    std::map<std::string, std::pair<std::string, std::string>> seen;  // dedup -> id, sequence
    std::multimap<int64_t, std::string> expiry;                       // ms -> dedup
  };
  Mutex mu_;
  std::map<std::string, PerTopic> topics_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::sns
