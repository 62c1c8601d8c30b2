// libFuzzer target for the States Language's expressions
// (src/services/stepfunctions/asl/): the input is parsed as an intrinsic
// function call and as a JSONPath; what parses is evaluated against a fixed
// input, context and variables, and paths are also assigned into it. Must
// never crash, hang, or recurse without bound.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/stepfunctions/asl/intrinsic.h"
#include "services/stepfunctions/asl/json_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace asl = nimbus::sfn::asl;
  namespace json = boost::json;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const json::value input = json::parse(
      R"({"a":{"b":[1,2,3],"c":"x"},"items":[{"p":5},{"p":15}],"s":"a,b","n":4,"o":{"k":1}})");
  const json::value context = json::parse(R"({"Execution":{"Id":"e"},"Map":{"Item":{"Index":0}}})");
  const json::object vars = json::parse(R"({"v":{"a":[1,2]},"s":"t","n":3})").as_object();
  if (auto f = asl::Intrinsic::parse(text)) {
    (void)f->evaluate(input, context);
    (void)f->evaluate(input, context, &vars);
  }
  if (auto p = asl::Path::parse(text)) {
    (void)p->find(input);
    (void)p->find_in(input, context, &vars);
    json::value copy = input;
    (void)p->assign(copy, json::value(1));
  }
  return 0;
}
