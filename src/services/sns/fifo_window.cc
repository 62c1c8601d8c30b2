#include "services/sns/fifo_window.h"

#include <algorithm>
#include <cstdio>

#include "common/json_fields.h"

namespace nimbus::services::sns {

namespace json = boost::json;

FifoWindow::Accepted FifoWindow::accept(const std::string& topic, const std::string& key,
                                        int64_t now_ms, const std::string& message_id) {
  auto& t = topics_[topic];
  Accepted out;
  for (auto it = t.expiry.begin(); it != t.expiry.end() && it->first <= now_ms;) {
    t.seen.erase(it->second);
    out.expired.push_back(std::move(it->second));
    it = t.expiry.erase(it);
  }
  if (auto it = t.seen.find(key); it != t.seen.end()) {
    out.message_id = it->second.message_id;
    out.sequence = it->second.sequence;
    out.duplicate = true;
    out.last = t.last;
    return out;
  }
  uint64_t base = static_cast<uint64_t>(std::max<int64_t>(now_ms, 0)) * 1'000'000;
  t.last = std::max(t.last + 1, base);
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(t.last));
  Entry e{message_id, digits, now_ms + kWindowMs};
  t.expiry.emplace(e.expires_ms, key);
  t.seen[key] = e;
  out.message_id = message_id;
  out.sequence = digits;
  out.last = t.last;
  return out;
}

void FifoWindow::restore(const std::string& topic, const std::string& key, Entry entry,
                         int64_t now_ms) {
  if (entry.expires_ms <= now_ms) return;
  auto& t = topics_[topic];
  auto [it, added] = t.seen.emplace(key, entry);
  if (added) t.expiry.emplace(entry.expires_ms, key);
}

void FifoWindow::restore_last(const std::string& topic, uint64_t last) {
  auto& t = topics_[topic];
  t.last = std::max(t.last, last);
}

std::string FifoWindow::record_key(std::string_view topic, std::string_view key) {
  std::string k;
  k.reserve(topic.size() + 1 + key.size());
  k.append(topic).append(1, '\n').append(key);
  return k;
}

std::string FifoWindow::encode(const Entry& e) {
  return json::serialize(
      json::object{{"id", e.message_id}, {"seq", e.sequence}, {"expires", e.expires_ms}});
}

std::optional<FifoWindow::Record> FifoWindow::decode(std::string_view record_key,
                                                     std::string_view value) {
  // A topic ARN holds no newline; the key after it may (group "\n" id).
  auto nl = record_key.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  auto o = parse_object(value);
  if (!o) return std::nullopt;
  auto expires = integer(*o, "expires");
  std::string seq = str(*o, "seq");
  if (!expires || seq.size() != 20) return std::nullopt;
  return Record{std::string(record_key.substr(0, nl)), std::string(record_key.substr(nl + 1)),
                Entry{str(*o, "id"), std::move(seq), *expires}};
}

}  // namespace nimbus::services::sns
