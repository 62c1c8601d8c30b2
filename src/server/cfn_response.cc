#include "server/cfn_response.h"

#include <memory>

namespace nimbus::server {

namespace {

constexpr std::string_view kPrefix = "/_aws/cloudformation-response/";

std::string query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

http::Response s3_error(int status, std::string_view code, std::string_view message) {
  http::Response r;
  r.status = status;
  r.set_header("Content-Type", "application/xml");
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + std::string(code) +
           "</Code><Message>" + std::string(message) + "</Message></Error>";
  return r;
}

}  // namespace

bool is_cfn_response_path(std::string_view path) {
  return path.starts_with(kPrefix);
}

void handle_cfn_response(const http::Request& request, http::Reply reply,
                         const events::Targets& targets, const std::string& region,
                         const std::string& account_id) {
  if (request.method != "PUT") {
    return reply(s3_error(405, "MethodNotAllowed",
                          "The specified method is not allowed against this resource."));
  }
  std::string token(request.path().substr(kPrefix.size()));
  events::Delivery d;
  // An answer is at most 4096 bytes; one large enough for the edge to
  // stream is refused by CloudFormation as too long, so its bytes are not
  // read.
  d.body = request.stream ? std::string(4097, ' ') : request.body;
  d.attributes.push_back(
      {"X-Amz-Signature", "String", query_value(request.query(), "X-Amz-Signature"), false});
  std::string arn =
      "arn:aws:cloudformation:" + region + ":" + account_id + ":custom-resource-response/" + token;
  auto shared = std::make_shared<http::Reply>(std::move(reply));
  targets.deliver(arn, std::move(d), [shared](events::Outcome outcome) {
    if (outcome) return (*shared)(http::Response{});
    (*shared)(s3_error(403, "AccessDenied",
                       "Request has expired or the signature does not match the request URL"));
  });
}

}  // namespace nimbus::server
