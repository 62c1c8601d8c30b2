#include "services/dynamodb/stream_records.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "common/request_id.h"
#include "services/dynamodb/item_keys.h"
#include "services/dynamodb/items.h"
#include "services/dynamodb/model/value.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

constexpr size_t kSequenceDigits = 21;

uint32_t fnv(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::string stream_partition(const std::string& table, const std::string& label) {
  return table + "/" + label;
}

std::string stream_shard_id(const std::string& table, const std::string& label) {
  // AWS's shape: shardId-<20 digits>-<8 hex>.
  uint64_t digits = 0;
  for (char c : label) {
    if (c >= '0' && c <= '9') digits = digits * 10 + static_cast<uint64_t>(c - '0');
  }
  char out[64];
  snprintf(out, sizeof out, "shardId-%020llu-%08x", static_cast<unsigned long long>(digits),
           fnv(table + "/" + label));
  return out;
}

std::string stream_shard_id(const std::string& table, const std::string& label, uint64_t index,
                            int64_t start_ms) {
  char out[64];
  snprintf(out, sizeof out, "shardId-%020llu-%08x", static_cast<unsigned long long>(start_ms),
           fnv(table + "/" + label + "/" + std::to_string(index)));
  return out;
}

std::optional<std::string> stream_record(const TableDef& t,
                                         const std::optional<json::object>& before,
                                         const std::optional<json::object>& after, bool by_ttl) {
  if (!t.stream_enabled || t.stream_label.empty()) return std::nullopt;
  if (!before && !after) return std::nullopt;
  if (before && after && *before == *after) return std::nullopt;  // AWS writes none
  const json::object& any = after ? *after : *before;
  json::object ddb{{"Keys", key_attributes(t.key, any)}, {"StreamViewType", t.stream_view_type}};
  size_t size = nimbus::dynamodb::item_size(ddb["Keys"].as_object());
  const std::string& view = t.stream_view_type;
  if (after && (view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES")) {
    ddb["NewImage"] = *after;
    size += nimbus::dynamodb::item_size(*after);
  }
  if (before && (view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES")) {
    ddb["OldImage"] = *before;
    size += nimbus::dynamodb::item_size(*before);
  }
  ddb["SizeBytes"] = size;
  std::string id = new_request_id();
  std::erase(id, '-');
  json::object record{{"eventID", id},
                      {"eventName", !before  ? "INSERT"
                                    : !after ? "REMOVE"
                                             : "MODIFY"},
                      {"dynamodb", std::move(ddb)}};
  if (by_ttl) {
    record["userIdentity"] =
        json::object{{"type", "Service"}, {"principalId", "dynamodb.amazonaws.com"}};
  }
  return Items::encode(record);
}

Result<json::object> stream_record_out(const storage::LogRecord& r, const std::string& region) {
  auto stored = Items::decode(r.data);
  if (!stored) return stored.take_error();
  json::object out{{"eventID", (*stored)["eventID"]},
                   {"eventName", (*stored)["eventName"]},
                   {"eventVersion", "1.1"},
                   {"eventSource", "aws:dynamodb"},
                   {"awsRegion", region}};
  json::object ddb;
  ddb["ApproximateCreationDateTime"] = static_cast<double>(r.arrival_ms / 1000);
  auto& in = (*stored)["dynamodb"].as_object();
  for (const char* k : {"Keys", "NewImage", "OldImage"}) {
    if (const auto* v = in.if_contains(k)) ddb[k] = *v;
  }
  ddb["SequenceNumber"] = sequence_number(r.seq);
  ddb["SizeBytes"] = in["SizeBytes"];
  ddb["StreamViewType"] = in["StreamViewType"];
  out["dynamodb"] = std::move(ddb);
  if (const auto* who = stored->if_contains("userIdentity")) out["userIdentity"] = *who;
  return out;
}

std::string sequence_number(uint64_t seq) {
  std::string digits = std::to_string(seq);
  return std::string(kSequenceDigits - std::min(kSequenceDigits, digits.size()), '0') + digits;
}

std::optional<uint64_t> parse_sequence_number(std::string_view s) {
  if (s.empty() || s.size() > kSequenceDigits) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace nimbus::services::dynamodb
