// libFuzzer target for JSONata (src/common/jsonata/): the input is parsed as
// an expression and, when it parses, evaluated against a fixed document with
// a variable bound and a small step budget. Must never crash, hang, or
// recurse without bound (depth and steps are limited by Options).
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/jsonata/jsonata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace jsonata = nimbus::jsonata;
  namespace json = boost::json;
  static const json::value input = json::parse(
      R"({"a":{"b":[1,2,3],"c":"x"},"items":[{"p":5,"q":[1,[2]]},{"p":15}],"s":"a,b","n":4.5,"o":{"k":null,"t":true}})");
  static const jsonata::Options options = [] {
    jsonata::Options o;
    o.now_ms = 1700000000000;
    o.random = [] { return 0.5; };
    o.max_steps = 200000;
    o.variables["states"] =
        json::parse(R"({"input":{"x":[1,2]},"context":{"Execution":{"Id":"e"}}})");
    return o;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = jsonata::Expression::parse(text);
  if (auto* e = std::get_if<jsonata::Expression>(&parsed)) {
    auto out = e->evaluate(&input, options);
    if (auto* m = std::get_if<jsonata::Maybe>(&out); m != nullptr && *m)
      (void)jsonata::stringify(**m);
  }
  return 0;
}
