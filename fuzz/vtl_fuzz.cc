// libFuzzer target for the Velocity templates of mapping templates
// (src/common/vtl/): the input is parsed as a template and, when it parses,
// rendered with $util, a JSON variable and small bounds. Must never crash,
// hang, or recurse without bound (nesting, steps, loops and output are
// limited).
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/vtl/vtl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace vtl = nimbus::vtl;
  namespace json = boost::json;
  static const vtl::Context context = [] {
    vtl::Context c;
    c.variables["context"] =
        json::parse(R"({"requestId":"r","stage":"dev","identity":{"sourceIp":"1.2.3.4"}})");
    c.variables["body"] = json::parse(R"({"a":[1,2.5,"x",{"b":null}],"s":"a,b","t":true})");
    c.objects["util"] = &vtl::util_object();
    c.max_steps = 20000;
    c.max_loop = 500;
    c.max_output = 1 << 16;
    return c;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = vtl::Template::parse(text);
  if (auto* t = std::get_if<vtl::Template>(&parsed)) (void)t->render(context);
  (void)vtl::json_path(context.variables.at("body"), text);
  return 0;
}
