// Shard iterators of DynamoDB Streams: opaque tokens naming a position in
// one shard (the sequence number of the last record read), good for 15
// minutes (AWS's limit). A token is base64 of
//   "1" | stream ARN | shard id | position | issue time (ms)
// separated by '\n'. A token that does not decode is refused
// (ValidationException); a decoded one reads only the stream it names
// through the same checks as a GetShardIterator of that stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nimbus::services::dynamodbstreams {

struct Iterator {
  std::string stream_arn;
  std::string shard_id;
  std::string position;  // the last sequence number read
  int64_t issued_ms = 0;
};

inline constexpr int64_t kIteratorLifetimeMs = 15 * 60 * 1000;

std::string encode_iterator(const Iterator& it);
// nullopt for anything encode_iterator() did not make.
std::optional<Iterator> decode_iterator(std::string_view token);

}  // namespace nimbus::services::dynamodbstreams
