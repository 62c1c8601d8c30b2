#include "storage/write_batch.h"

#include <algorithm>

#include "storage/keys.h"

namespace nimbus::storage {

void WriteBatch::put(std::string_view ns, std::string_view key, std::string_view value) {
  ops_.push_back(Op{Kind::kPut, keys::encode(ns, key), std::string(value)});
  bytes_ += key.size() + value.size();
}

void WriteBatch::del(std::string_view ns, std::string_view key) {
  ops_.push_back(Op{Kind::kDelete, keys::encode(ns, key), {}});
  bytes_ += key.size();
}

void WriteBatch::del_range(std::string_view ns, std::string_view begin, std::string_view end) {
  if (end <= begin) return;
  ops_.push_back(Op{Kind::kDeleteRange, keys::encode(ns, begin), keys::encode(ns, end)});
  bytes_ += begin.size() + end.size();
}

void WriteBatch::add_partition(std::string_view partition) {
  if (std::find(partitions_.begin(), partitions_.end(), partition) == partitions_.end()) {
    partitions_.emplace_back(partition);
  }
}

}  // namespace nimbus::storage
