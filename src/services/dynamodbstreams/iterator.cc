#include "services/dynamodbstreams/iterator.h"

#include <charconv>
#include <vector>

#include "common/encoding.h"

namespace nimbus::services::dynamodbstreams {

namespace {
constexpr size_t kMaxToken = 4096;
}  // namespace

std::string encode_iterator(const Iterator& it) {
  return base64_encode("1\n" + it.stream_arn + "\n" + it.shard_id + "\n" + it.position + "\n" +
                       std::to_string(it.issued_ms));
}

std::optional<Iterator> decode_iterator(std::string_view token) {
  if (token.empty() || token.size() > kMaxToken) return std::nullopt;
  auto text = base64_decode(token);
  if (!text) return std::nullopt;
  std::vector<std::string> fields;
  size_t from = 0;
  for (;;) {
    auto nl = text->find('\n', from);
    fields.push_back(text->substr(from, nl == std::string::npos ? std::string::npos : nl - from));
    if (nl == std::string::npos) break;
    from = nl + 1;
  }
  if (fields.size() != 5 || fields[0] != "1" || fields[1].empty() || fields[2].empty() ||
      fields[3].empty()) {
    return std::nullopt;
  }
  Iterator it{fields[1], fields[2], fields[3], 0};
  const std::string& ms = fields[4];
  auto [p, ec] = std::from_chars(ms.data(), ms.data() + ms.size(), it.issued_ms);
  if (ms.empty() || ec != std::errc() || p != ms.data() + ms.size()) return std::nullopt;
  return it;
}

}  // namespace nimbus::services::dynamodbstreams
