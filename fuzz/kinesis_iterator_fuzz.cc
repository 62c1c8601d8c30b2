// libFuzzer target for Kinesis shard iterators, which clients hand back as
// opaque tokens they can forge: decode any bytes with a fixed key. Must never
// crash or read out of bounds; whatever decodes must be what the key signed,
// so it must encode back to the same token.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/kinesis/iterator.h"
#include "services/kinesis/sequence.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::services::kinesis;
  static const IteratorCodec codec(std::string(IteratorCodec::kKeyBytes, '\x5a'));
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto p = codec.decode(text)) {
    if (codec.encode(*p) != text) std::abort();
  }
  (void)parse_sequence(text);
  return 0;
}
