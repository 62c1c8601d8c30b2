// REST APIs' non-proxy integrations (AWS, HTTP, MOCK): the integration
// request a method request becomes (a request template chosen by
// Content-Type, or the body passed through as passthroughBehavior allows)
// and the method response an integration's answer becomes (the integration
// response its selectionPattern picks, its responseParameters and response
// template). Templates are Velocity (common/vtl) with $input, $util,
// $context and $stageVariables; they are parsed once per deployment
// (rest_plan.h), not per request.
//
// Pure functions on values; thread-safe (templates are immutable).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/vtl/vtl.h"
#include "services/apigateway/proxy.h"

namespace nimbus::services::apigateway {

// REST APIs take request bodies up to 10 MB (413 beyond); templates
// render at most as much.
constexpr size_t kRestPayloadLimit = 10 * 1024 * 1024;

// A template parsed (or why it does not parse: the request then fails
// with a 500, as AWS's would at the first call).
using CompiledTemplate = std::variant<vtl::Template, vtl::Error>;

// The templates and selection patterns of one deployment, by the address
// of their text in the plan's copy of its resources.
class Mappings {
 public:
  // Parses every requestTemplates / responseTemplates value and compiles
  // every selectionPattern in `resources` (a deployment's resources by id),
  // which must outlive this and not change.
  void compile(const boost::json::object& resources);
  // Parses the responseTemplates of a deployment's gateway responses (by
  // type), which must outlive this and not change.
  void compile_gateway_responses(const boost::json::object& responses);
  // The parsed form of `text` (a value compile() saw), else null.
  const CompiledTemplate* find(const boost::json::value& text) const;
  // The compiled selectionPattern `text`; null when compile() did not see
  // it or it is not a regular expression std::regex reads.
  const std::regex* pattern(const boost::json::value& text) const;

 private:
  void parse_templates(const boost::json::object& holder, std::string_view key);

  std::map<const boost::json::value*, std::shared_ptr<const CompiledTemplate>> templates_;
  std::map<const boost::json::value*, std::shared_ptr<const std::regex>> patterns_;
};

// The body of the integration request: the request template for the
// request's Content-Type rendered, or the body itself when passthrough
// allows it; else the answer to give: 415 {"message":"Unsupported Media
// Type"} (passthroughBehavior NEVER, or WHEN_NO_TEMPLATES with templates),
// 500 when the template fails.
std::variant<std::string, http::Response> map_request(const Mappings& mappings,
                                                      const boost::json::object& integration,
                                                      const ProxyRequest& p);

// The integration response for an answer: the first whose selectionPattern
// matches `selector` entirely (a Lambda function error's errorMessage, an
// HTTP status), else the default one (no selectionPattern); null when none.
// Selectors past 4096 bytes are matched on their first 4096 (std::regex
// recurses per character).
const boost::json::object* select_response(const Mappings& mappings,
                                           const boost::json::object& integration,
                                           const std::optional<std::string>& selector);

// The method response: the chosen integration response's statusCode, its
// responseParameters ('literal', integration.response.header.N,
// integration.response.body[.path]), its response template for the
// request's Accept type (else application/json, else the first) rendered
// over `body` with `$context.responseOverride` applied, or `body` as it
// came. nullopt when `chosen` is null or a template fails (500).
std::optional<http::Response> map_response(
    const Mappings& mappings, const boost::json::object* chosen, std::string body,
    const std::vector<std::pair<std::string, std::string>>& headers, const ProxyRequest& p);

// The 500 {"message":"Internal server error"} of a map_response() that
// gave nothing, with AWS's execution log line for it (`chosen`: the
// integration response it had, null when none matched).
http::Response mapping_failure(const std::string& request_id, const boost::json::object* chosen);

// $context as mapping templates see it for the request `p`.
boost::json::object mapping_context(const ProxyRequest& p);

// A gateway response's template `text` (a value compile_gateway_responses()
// saw) rendered for `p` with `error` as $context.error and the request's
// body as $input's; nullopt (logged) when it does not parse or fails.
std::optional<std::string> render_gateway_template(const Mappings& mappings,
                                                   const boost::json::value& text,
                                                   const ProxyRequest& p,
                                                   const boost::json::object& error);

// The errorMessage of a Lambda function error's document ("" when none).
std::string lambda_error_message(std::string_view payload);

}  // namespace nimbus::services::apigateway
