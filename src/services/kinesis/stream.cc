#include "services/kinesis/stream.h"

#include <charconv>
#include <cstdio>

#include "common/json_fields.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

size_t Stream::open_shards() const {
  size_t n = 0;
  for (const auto& s : shards) n += s.open();
  return n;
}

const Shard* Stream::route(HashKey key) const {
  for (const auto& s : shards) {
    if (s.open() && s.start_hash <= key && key <= s.end_hash) return &s;
  }
  return nullptr;
}

bool Stream::expired(const Shard& sh, int64_t now_ms) const {
  return sh.expired ||
         (sh.closed_ms && *sh.closed_ms < now_ms - int64_t{retention_hours} * 3'600'000);
}

std::string Stream::partition(uint32_t shard) const {
  return std::to_string(id) + "/" + std::to_string(shard);
}

std::string shard_id(uint32_t index) {
  std::string out = "shardId-000000000000";
  for (size_t i = out.size(); index != 0; index /= 10)
    out[--i] = static_cast<char>('0' + index % 10);
  return out;
}

std::optional<uint32_t> parse_shard_id(const std::string& id) {
  std::string_view digits = id;
  if (digits.rfind("shardId-", 0) == 0) digits.remove_prefix(8);
  if (digits.empty() || digits.size() > 12) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || v > UINT32_MAX) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

const Consumer* Stream::consumer(const std::string& consumer_name) const {
  for (const auto& c : consumers) {
    if (c.name == consumer_name) return &c;
  }
  return nullptr;
}

json::object to_document(const Stream& s) {
  json::array shards;
  for (const auto& sh : s.shards) {
    json::object o{{"lo", to_decimal(sh.start_hash)},
                   {"hi", to_decimal(sh.end_hash)},
                   {"created", sh.created_ms}};
    if (sh.parent) o["parent"] = *sh.parent;
    if (sh.adjacent_parent) o["adjacent"] = *sh.adjacent_parent;
    if (sh.closed_ms) {
      o["closed"] = *sh.closed_ms;
      o["ending"] = sh.ending_seq;
    }
    if (sh.expired) o["expired"] = true;
    shards.push_back(std::move(o));
  }
  json::object tags;
  for (const auto& [k, v] : s.tags) tags[k] = v;
  json::array consumers;
  for (const auto& c : s.consumers) {
    consumers.push_back(json::object{{"name", c.name}, {"created", c.created_ms}});
  }
  return json::object{
      {"consumers", std::move(consumers)}, {"id", s.id},      {"name", s.name},
      {"created", s.created_ms},           {"mode", s.mode},  {"retention", s.retention_hours},
      {"encryption", s.encryption},        {"key", s.key_id}, {"tags", std::move(tags)},
      {"shards", std::move(shards)}};
}

std::optional<Stream> from_document(const json::object& doc) {
  Stream s;
  auto id = integer(doc, "id");
  s.name = str(doc, "name");
  if (!id || s.name.empty()) return std::nullopt;
  s.id = static_cast<uint64_t>(*id);
  s.created_ms = integer(doc, "created").value_or(0);
  s.mode = str(doc, "mode");
  s.retention_hours = static_cast<int>(integer(doc, "retention").value_or(24));
  s.encryption = str(doc, "encryption");
  s.key_id = str(doc, "key");
  s.tags = string_map(doc, "tags");
  if (const auto* cs = doc.if_contains("consumers"); cs != nullptr && cs->is_array()) {
    for (const auto& v : cs->as_array()) {
      if (!v.is_object()) return std::nullopt;
      s.consumers.push_back(
          {str(v.as_object(), "name"), integer(v.as_object(), "created").value_or(0)});
    }
  }
  const auto* shards = doc.if_contains("shards");
  if (shards == nullptr || !shards->is_array()) return std::nullopt;
  for (const auto& v : shards->as_array()) {
    if (!v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    Shard sh;
    sh.index = static_cast<uint32_t>(s.shards.size());
    auto lo = parse_hash_key(str(o, "lo"));
    auto hi = parse_hash_key(str(o, "hi"));
    if (!lo || !hi) return std::nullopt;
    sh.start_hash = *lo;
    sh.end_hash = *hi;
    sh.created_ms = integer(o, "created").value_or(0);
    if (auto p = integer(o, "parent")) sh.parent = static_cast<uint32_t>(*p);
    if (auto a = integer(o, "adjacent")) sh.adjacent_parent = static_cast<uint32_t>(*a);
    if (auto c = integer(o, "closed")) {
      sh.closed_ms = *c;
      sh.ending_seq = static_cast<uint64_t>(integer(o, "ending").value_or(0));
    }
    if (const auto* e = o.if_contains("expired"); e != nullptr && e->is_bool()) {
      sh.expired = e->as_bool();
    }
    s.shards.push_back(sh);
  }
  s.budgets.resize(s.shards.size());
  return s;
}

}  // namespace nimbus::services::kinesis
