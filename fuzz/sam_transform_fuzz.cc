// libFuzzer target for the SAM transform
// (src/services/cloudformation/sam/). Input: a template body, JSON or YAML,
// parsed as the stack service parses it; an object is transformed, and a
// transform that succeeds is transformed again (an expanded template has no
// AWS::Serverless resources left, so it must pass unchanged in shape). Must
// never crash, hang, throw, or recurse without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "services/cloudformation/sam/transform.h"
#include "services/cloudformation/template/document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = nimbus::cfn::parse_document(text);
  if (!doc || !doc->is_object()) return 0;
  auto out = nimbus::cfn::sam::transform(doc->as_object());
  if (out) (void)nimbus::cfn::sam::transform(*out);
  return 0;
}
