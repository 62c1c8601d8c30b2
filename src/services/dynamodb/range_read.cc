#include "services/dynamodb/range_read.h"

#include <algorithm>

#include "services/dynamodb/indexes.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/model/value.h"
#include "storage/key_codec.h"

namespace nimbus::services::dynamodb {

namespace {

constexpr size_t kChunk = 128;        // entries read from storage at a time
constexpr size_t kFirstBlock = 8192;  // the page's first block of item memory

// A key encoded with key_codec's str() ends with its terminator 0x00 0x01;
// with 0x00 0x00 instead it sorts just below every key that starts with the
// same string, so it serves as an exclusive start for an inclusive bound.
std::string just_below(std::string key) {
  if (!key.empty()) key.back() = '\0';
  return key;
}

}  // namespace

Result<Page> read_range(const Items& items, const KeyRange& range, size_t limit, bool index,
                        bool texts) {
  std::string cursor = range.exclusive_start;
  if (cursor.empty()) {
    if (range.forward && !range.low.empty()) {
      cursor = range.low_inclusive ? just_below(range.low) : range.low;
    } else if (!range.forward && !range.high.empty()) {
      cursor = range.high_inclusive ? range.high + std::string(1, '\0') : range.high;
    }
  }
  Page page;
  // A page's items are built and dropped together: one bump allocator for
  // all of their values instead of a malloc and a free for each member,
  // string and map (a fifth of a Query's CPU). Shared, so a value copied
  // out of the page (its last item) keeps the memory alive.
  auto sp = boost::json::make_shared_resource<boost::json::monotonic_resource>(kFirstBlock);
  for (;;) {
    size_t want = std::min(kChunk, limit - page.items.size());
    auto chunk = items.scan(range.prefix, want, cursor, range.forward, index);
    if (!chunk) return chunk.take_error();
    for (auto& e : *chunk) {
      if (range.forward && !range.high.empty() &&
          (e.key > range.high || (!range.high_inclusive && e.key == range.high))) {
        return page;
      }
      if (!range.forward && !range.low.empty() &&
          (e.key < range.low || (!range.low_inclusive && e.key == range.low))) {
        return page;
      }
      auto item = Items::decode(e.value, sp);
      if (!item) return item.take_error();
      page.bytes += nimbus::dynamodb::item_size(*item);
      page.items.push_back(std::move(*item));
      if (texts && Items::is_wire_json(e.value)) {
        page.texts.push_back(std::move(e.value));
      } else if (texts) {
        texts = false;
        page.texts.clear();
      }
      if (page.items.size() == limit || page.bytes >= kMaxPageBytes) {
        page.last = page.items.back();
        return page;
      }
    }
    if (chunk->size() < want) return page;
    cursor = chunk->back().key;
  }
}

KeyRange key_condition_range(const TableDef& t, const nimbus::dynamodb::KeyCondition& kc,
                             bool forward) {
  KeyRange range;
  range.prefix = collection_prefix(t, kc.partition_value);
  range.forward = forward;
  if (!kc.sort) return range;
  using Op = nimbus::dynamodb::SortKeyCondition::Op;
  const auto& s = *kc.sort;
  std::string bound = sort_key_in(range.prefix, s.value);
  if (s.op == Op::kEq) {
    range.low = range.high = bound;
  } else if (s.op == Op::kLt || s.op == Op::kLe) {
    range.high = bound;
    range.high_inclusive = s.op == Op::kLe;
  } else if (s.op == Op::kGt || s.op == Op::kGe) {
    range.low = bound;
    range.low_inclusive = s.op == Op::kGe;
  } else if (s.op == Op::kBetween) {
    range.low = bound;
    range.high = sort_key_in(range.prefix, s.upper);
  } else {
    range.prefix = sort_key_in(range.prefix, s.value, true);
  }
  return range;
}

KeyRange index_condition_range(const TableDef& t, const IndexDef& i,
                               const nimbus::dynamodb::KeyCondition& kc, bool forward) {
  KeyRange range;
  range.prefix = index_collection_prefix(t, i, kc.partition_value);
  range.forward = forward;
  if (!kc.sort) return range;
  using Op = nimbus::dynamodb::SortKeyCondition::Op;
  const auto& s = *kc.sort;
  // Entries with the value `bound` encodes are longer than it and sort
  // below its successor: bounds are exclusive at the bound (below them) or
  // at its successor (above them).
  std::string bound = sort_key_in(range.prefix, s.value);
  range.low_inclusive = range.high_inclusive = false;
  if (s.op == Op::kEq) {
    range.prefix = bound;
  } else if (s.op == Op::kLt) {
    range.high = bound;
  } else if (s.op == Op::kLe) {
    range.high = storage::prefix_successor(bound);
  } else if (s.op == Op::kGt) {
    range.low = storage::prefix_successor(bound);
  } else if (s.op == Op::kGe) {
    range.low = bound;
  } else if (s.op == Op::kBetween) {
    range.low = bound;
    range.high = storage::prefix_successor(sort_key_in(range.prefix, s.upper));
  } else {
    range.prefix = sort_key_in(range.prefix, s.value, true);
  }
  return range;
}

std::optional<std::string> exclusive_start(const TableDef& t, const IndexDef* index,
                                           const boost::json::object& key) {
  if (index == nullptr) {
    if (!check_key(t.key, key, KeyFrom::kKey)) return std::nullopt;
    return item_key(t, key);
  }
  boost::json::object table_key = key_attributes(t.key, key);
  auto entry = index_entry_key(t, *index, key);
  if (!check_key(t.key, table_key, KeyFrom::kKey) || !entry ||
      key.size() != index_item_key(t, *index, key).size()) {
    return std::nullopt;
  }
  return entry;
}

boost::json::object last_evaluated(const TableDef& t, const IndexDef* index,
                                   const boost::json::object& last) {
  return index ? index_item_key(t, *index, last) : key_attributes(t.key, last);
}

Status fetch_table_items(const Items& items, const TableDef& t, Page& page) {
  page.texts.clear();
  for (auto& item : page.items) {
    auto full = items.get(item_key(t, item));
    if (!full) return full.take_error();
    if (*full) item = std::move(**full);
  }
  return Status::ok();
}

}  // namespace nimbus::services::dynamodb
