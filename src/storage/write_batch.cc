#include "storage/write_batch.h"

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

}  // namespace nimbus::storage
