// libFuzzer target: DynamoDB Streams shard iterators (services/
// dynamodbstreams/iterator.h) are tokens a client hands back and can forge.
// Any input must decode to nothing or to a position that encodes back to a
// token decoding to the same position; never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/dynamodbstreams/iterator.h"

using namespace nimbus::services::dynamodbstreams;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto it = decode_iterator(text);
  if (!it) return 0;
  auto again = decode_iterator(encode_iterator(*it));
  if (!again || again->stream_arn != it->stream_arn || again->shard_id != it->shard_id ||
      again->position != it->position || again->issued_ms != it->issued_ms) {
    std::abort();
  }
  return 0;
}
