// libFuzzer target for CloudFormation's stored stack records
// (src/services/cloudformation/codec.h): arbitrary bytes read back as a
// stack record, as start() reads them. A record that decodes is encoded and
// decoded again and must keep its identity, state and resources (timestamps
// are doubles, whose last digits Boost.JSON's parser may move on a huge
// value, so the text itself is not compared). Must never crash or throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/cloudformation/codec.h"

namespace codec = nimbus::services::cloudformation::codec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = codec::decode_stack(text);
  if (!s) return 0;
  std::string again = codec::encode(*s);
  auto back = codec::decode_stack(again);
  if (!back || back->id != s->id || back->name != s->name || back->status != s->status ||
      back->template_body != s->template_body || back->resources.size() != s->resources.size() ||
      back->next_event != s->next_event) {
    std::abort();
  }
  return 0;
}
