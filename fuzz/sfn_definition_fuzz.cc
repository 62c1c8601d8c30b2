// libFuzzer target for Step Functions definitions
// (src/services/stepfunctions/asl/). Input: a definition, optionally a NUL
// byte and an execution input. A definition that parses has every state of
// every (nested) machine entered once with that input and a fixed one (a
// distributed Map's items being that input), and its Task/Parallel/Map
// results completed and errors recovered, with a few workflow variables
// set; the text is also read as one
// state (TestState). Must never
// crash, hang, or recurse without bound.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/stepfunctions/asl/step.h"

namespace {

namespace asl = nimbus::sfn::asl;
namespace json = boost::json;

void step_all(const asl::Machine& m, const json::value& input, int depth) {
  if (depth > 30) return;
  const json::value context = json::parse(R"({"Execution":{"Name":"fuzz"}})");
  // Variables for `$name` paths and JSONata `$name` references.
  const json::object vars = json::parse(R"({"v":{"a":[1,2]},"s":"t","n":3})").as_object();
  for (const auto& [name, s] : m.states) {
    asl::Entered e = asl::enter(s, input, context, 1'700'000'000'000, &vars);
    if (const auto* fork = std::get_if<asl::Fork>(&e)) {
      for (const auto& run : fork->runs) step_all(*run.machine, run.input, depth + 1);
    }
    // A distributed Map asks for its items first: the input stands for them.
    if (const auto* call = std::get_if<asl::TaskCall>(&e); call && call->io == "ItemReader") {
      json::value items = input.is_array() ? input : json::value(json::array{input});
      asl::Entered read = asl::map_items(s, input, std::move(items), context, &vars);
      if (const auto* fork = std::get_if<asl::Fork>(&read)) {
        for (const auto& run : fork->runs) step_all(*run.machine, run.input, depth + 1);
      }
      (void)asl::writer_parameters(s, input, context, &vars);
    }
    (void)asl::complete(s, input, input, context, &vars);
    std::vector<int64_t> attempts;
    (void)asl::recover(s, input, asl::Failure{"States.TaskFailed", "fuzz"}, attempts, 0.5, &context,
                       &vars);
    (void)asl::recover(s, input, asl::Failure{"States.Runtime", "fuzz"}, attempts, 0.5, &context,
                       &vars);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nul = text.find('\0');
  // TestState's reading of one state's definition.
  (void)asl::parse_state(text.substr(0, nul));
  asl::Parsed p = asl::parse_definition(text.substr(0, nul));
  if (!p.machine) {
    (void)asl::invalid_definition_message(p.diagnostics);
    return 0;
  }
  step_all(*p.machine, json::parse(R"({"a":1,"items":[1,"x",{"b":null}],"s":"t"})"), 0);
  if (nul != std::string_view::npos) {
    json::error_code ec;
    json::value input = json::parse(text.substr(nul + 1), ec);
    if (!ec) step_all(*p.machine, input, 0);
  }
  return 0;
}
