// UpdateRestApi: patch operations on a REST API's own members (its
// resources and methods have their own operations).
#include <algorithm>

#include "common/json_fields.h"
#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/checks.h"
#include "services/apigateway/errors.h"

namespace nimbus::services::apigateway {

namespace {

// JSON pointer escapes in a patch path segment: ~1 is '/', ~0 is '~'.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '~' && i + 1 < s.size() && (s[i + 1] == '0' || s[i + 1] == '1')) {
      out += s[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

// replace of /name, /description, /apiKeySource (HEADER, AUTHORIZER),
// /minimumCompressionSize (empty: none), /policy, /disableExecuteApiEndpoint,
// /endpointConfiguration/types/0; add or remove of /binaryMediaTypes/TYPE.
Status patch_api(json::object& api, const json::object& op) {
  std::string verb = str(op, "op"), path = str(op, "path"), value = str(op, "value");
  auto invalid = [&] {
    return Status(
        errors::bad_request("Invalid patch path '" + path + "' specified for op '" + verb + "'"));
  };
  if (path.starts_with("/binaryMediaTypes/") && path.size() > 18) {
    std::string type = unescape(std::string_view(path).substr(18));
    auto& types = api["binaryMediaTypes"];
    if (!types.is_array()) types = json::array();
    auto& list = types.as_array();
    auto it = std::find(list.begin(), list.end(), json::value(type));
    if (verb == "add") {
      if (it == list.end()) list.emplace_back(type);
    } else if (verb == "remove") {
      if (it != list.end()) list.erase(it);
    } else if (verb == "replace") {
      if (it == list.end()) return invalid();
      *it = json::string(unescape(value));
    } else {
      return invalid();
    }
    return Status::ok();
  }
  if (verb != "replace") return invalid();
  if (path == "/name" || path == "/description" || path == "/policy") {
    if (path == "/name" && value.empty())
      return errors::bad_request("Invalid REST API name specified");
    api[path.substr(1)] = value;
  } else if (path == "/apiKeySource") {
    if (value != "HEADER" && value != "AUTHORIZER") {
      return errors::bad_request("Invalid API Key source specified: " + value +
                                 ". Must be one of [HEADER, AUTHORIZER]");
    }
    api["apiKeySource"] = value;
  } else if (path == "/minimumCompressionSize") {
    if (value.empty()) {
      api.erase("minimumCompressionSize");
      return Status::ok();
    }
    json::object tmp{{"v", value}};
    auto n = integer(tmp, "v");
    if (!n || *n < 0 || *n > 10485760) {
      return errors::bad_request(
          "Invalid minimumCompressionSize: must be between 0 and 10485760 bytes");
    }
    api["minimumCompressionSize"] = *n;
  } else if (path == "/disableExecuteApiEndpoint") {
    if (value != "true" && value != "false")
      return errors::bad_request("Invalid disableExecuteApiEndpoint: " + value);
    api["disableExecuteApiEndpoint"] = value == "true";
  } else if (path == "/endpointConfiguration/types/0") {
    if (value != "EDGE" && value != "REGIONAL" && value != "PRIVATE") {
      return errors::bad_request("Invalid endpoint configuration type: " + value);
    }
    api["endpointConfiguration"] = json::object{{"types", json::array{json::string(value)}}};
  } else {
    return invalid();
  }
  return Status::ok();
}

}  // namespace

void RestApiService::update_rest_api(const CallContext&, json::object in, Respond respond) {
  change(
      in,
      [this, in](json::object& doc, json::object& out) {
        auto& api = doc["api"].as_object();
        if (const auto* ops = in.if_contains("patchOperations"); ops && ops->is_array()) {
          for (const auto& op : ops->as_array()) {
            if (!op.is_object()) continue;
            if (auto st = patch_api(api, op.as_object()); !st) return st;
          }
        }
        if (auto st = save_policy(api); !st) return st;
        out = shown_rest_api(api);
        return Status::ok();
      },
      std::move(respond));
}

}  // namespace nimbus::services::apigateway
