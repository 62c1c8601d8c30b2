// API Gateway tags by ARN (tags.h): the first line is an ARN, the rest a
// JSON document whose "tags" and "keys" members are tagged onto and untagged
// from what the ARN names in an API's record. ARNs must parse or be refused,
// a refused change leaves the record as it was, and a resource never holds
// more than 50 tags.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/apigateway/tags.h"

using namespace nimbus::services::apigateway;
namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view arn = in.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  for (std::string_view collection : {"restapis", "apis"}) {
    auto t = tag_target(arn, collection);
    if (!t) continue;
    if (t->api.empty() || t->api.find('/') != std::string::npos) __builtin_trap();
    json::object doc{{"api", json::object{}}, {"stages", json::object{{"prod", json::object{}}}}};
    auto* holder = tag_holder(doc, *t);
    if (holder == nullptr) continue;  // another stage
    boost::system::error_code ec;
    json::value v = json::parse(rest, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    for (bool aws_ok : {false, true}) {
      json::object before = *holder;
      if (!add_tags(*holder, "tags", o.if_contains("tags"), aws_ok) && *holder != before) {
        __builtin_trap();
      }
      const auto* now = holder->if_contains("tags");
      if (now != nullptr && now->as_object().size() > 50) __builtin_trap();
      before = *holder;
      if (!remove_tags(*holder, "tags", o.if_contains("keys"), aws_ok) && *holder != before) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
