// Parsed resource-based policies by their document text, so a stored policy
// (a queue's, a bucket's) is parsed once however often requests consult it.
//
// Threads: get() may be called from any thread; it never blocks beyond a
// short mutex. Owns the parsed policies it hands out (shared).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "iam/policy.h"

namespace nimbus::iam {

class PolicyCache {
 public:
  explicit PolicyCache(size_t capacity = 4096) : capacity_(capacity) {}

  // `document` parsed under the resource grammar; null when it is empty or
  // does not parse (a stored policy that no longer parses allows nothing).
  // When full, the cache starts afresh.
  std::shared_ptr<const Policy> get(std::string_view document) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  size_t capacity_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const Policy>, Hash, std::equal_to<>>
      parsed_;
};

}  // namespace nimbus::iam
