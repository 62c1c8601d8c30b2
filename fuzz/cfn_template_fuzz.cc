// libFuzzer target for CloudFormation templates
// (src/services/cloudformation/template/). Input: a template body, JSON or
// YAML. A body that parses has its parameters resolved from their defaults
// (plus one value given for each, the input's first line), its conditions
// evaluated, its dependency graph built, and every resource's properties and
// every output resolved against a stack whose resources answer fixed
// values. Must never crash, hang, throw, or recurse without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/cloudformation/template/graph.h"
#include "services/cloudformation/template/intrinsics.h"
#include "services/cloudformation/template/parameters.h"
#include "services/cloudformation/template/template.h"

namespace {

namespace cfn = nimbus::cfn;
namespace json = boost::json;

void resolve_all(const cfn::Template& t, const cfn::ParameterValues& values) {
  cfn::Scope scope;
  scope.stack_name = "fuzz";
  scope.parameters = &values;
  scope.mappings = &t.mappings();
  scope.ref = [](std::string_view id) -> nimbus::Result<json::value> {
    return json::value(json::string("physical-" + std::string(id)));
  };
  scope.get_att = [](std::string_view id, std::string_view att) -> nimbus::Result<json::value> {
    if (att == "List") return json::value(json::array{"a", "b"});
    return json::value(json::string(std::string(id) + "." + std::string(att)));
  };
  scope.import_value = [](std::string_view name) -> nimbus::Result<json::value> {
    return json::value(json::string(name));
  };
  auto conditions = cfn::evaluate_conditions(t.conditions(), scope);
  if (!conditions) return;
  scope.conditions = &*conditions;
  for (const auto& [id, r] : t.resources()) {
    if (!r.is_object() || !cfn::included(r.as_object(), *conditions)) continue;
    if (const auto* p = r.as_object().if_contains("Properties")) (void)cfn::resolve(*p, scope);
  }
  for (const auto& [name, out] : t.outputs()) {
    if (out.is_object() && cfn::included(out.as_object(), *conditions)) {
      (void)cfn::resolve(out, scope);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto t = cfn::parse_template(text);
  if (!t) return 0;
  (void)cfn::dependency_graph(*t);
  if (auto values = cfn::resolve_parameters(*t, {})) resolve_all(*t, *values);
  std::map<std::string, std::string> given;
  std::string_view first_line = text.substr(0, text.find('\n'));
  for (const auto& p : t->parameters) given[p.name] = std::string(first_line);
  if (auto values = cfn::resolve_parameters(*t, given)) resolve_all(*t, *values);
  return 0;
}
