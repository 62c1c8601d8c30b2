#include "storage/records.h"

#include <cassert>

#include "common/thread_role.h"
#include "storage/keys.h"
#include "storage/storage.h"

namespace nimbus::storage {

Records::Records(Storage* storage, std::string ns)
    : storage_(storage), ns_(std::move(ns)), prefix_(keys::ns_prefix(ns_)) {
  assert(storage_ != nullptr);
}

Result<std::optional<std::string>> Records::get(std::string_view key) const {
  std::string k;
  k.reserve(prefix_.size() + key.size());
  k.append(prefix_).append(key);
  return storage_->get_raw(k);
}

Result<std::vector<Entry>> Records::scan(std::string_view prefix, size_t limit,
                                         std::string_view start_after) const {
  return storage_->scan_raw(prefix_, prefix, limit, start_after);
}

Result<size_t> Records::visit(std::string_view prefix, size_t limit, std::string_view start_after,
                              const Visitor& visit) const {
  return storage_->visit_raw(prefix_, prefix, limit, start_after, visit);
}

Result<std::vector<Entry>> Records::scan_reverse(std::string_view prefix, size_t limit,
                                                 std::string_view start_before) const {
  return storage_->scan_reverse_raw(prefix_, prefix, limit, start_before);
}

Result<std::optional<Entry>> Records::last(std::string_view prefix) const {
  return storage_->last_raw(prefix_, prefix);
}

Status Records::each(std::string_view prefix, const std::function<void(Entry&)>& visit,
                     size_t page) const {
  std::string after;
  for (;;) {
    auto entries = scan(prefix, page, after);
    if (!entries) return entries.status();
    for (auto& e : *entries) visit(e);
    if (entries->size() < page) return Status::ok();
    after = entries->back().key;
  }
}

Status Records::put(std::string_view key, std::string_view value) {
  assert_may_block("Records::put");
  WriteBatch b;
  b.put(ns_, key, value);
  return storage_->commit_sync(std::move(b));
}

Status Records::del(std::string_view key) {
  assert_may_block("Records::del");
  WriteBatch b;
  b.del(ns_, key);
  return storage_->commit_sync(std::move(b));
}

}  // namespace nimbus::storage
