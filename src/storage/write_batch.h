// WriteBatch: an ordered list of puts and deletes, across any namespaces,
// applied atomically by one Storage::commit (all or nothing, in order).
//
// A batch is plain data built by one thread; it does not touch the store until
// it is committed, and it carries no reads (no read-modify-write inside the
// store). That is what lets a replicated log replace the one-machine backend
// later: a batch is a command that can be shipped and replayed as is.
//
// Namespaces are short names fixed in code ("sqs", "lambda.functions"); they
// must be non-empty and must not contain '\0'. Keys and values are any bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::storage {

class WriteBatch {
 public:
  enum class Kind { kPut, kDelete };
  struct Op {
    Kind kind;
    std::string key;  // encoded: namespace '\0' user key (see keys.h)
    std::string value;
  };

  void put(std::string_view ns, std::string_view key, std::string_view value);
  void del(std::string_view ns, std::string_view key);

  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  // Payload bytes (keys + values), for metrics and group sizing.
  size_t bytes() const { return bytes_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

}  // namespace nimbus::storage
