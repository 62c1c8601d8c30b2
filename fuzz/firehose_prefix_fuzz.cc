// libFuzzer target for Firehose's Prefix / ErrorOutputPrefix expressions
// (text a client sends to CreateDeliveryStream): parse any bytes as either
// kind; whatever parses must evaluate, at any time, without crashing, and a
// prefix without expressions must evaluate to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "services/firehose/prefix.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nimbus::services::firehose::Prefix;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool error_output : {false, true}) {
    auto p = Prefix::parse(text, error_output);
    if (!p) continue;
    for (int64_t at : {int64_t{0}, int64_t{1772874304123}, int64_t{-1}, int64_t{253402300799000}}) {
      std::string out = p->evaluate(
          at, [] { return std::string("abcdefghijk"); }, "x");
      if (!p->has_expressions() && out != text) std::abort();
    }
  }
  return 0;
}
