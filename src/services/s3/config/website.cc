#include "services/s3/config/website.h"

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/text.h"
#include "services/s3/config/errors.h"

namespace nimbus::s3config {

namespace {

const json::array* rules_of(const json::object& config) {
  const auto* v = config.if_contains("RoutingRules");
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

Status check_redirect(const json::object& redirect) {
  if (has(redirect, "ReplaceKeyWith") && has(redirect, "ReplaceKeyPrefixWith")) {
    return invalid_request("You can only define ReplaceKeyPrefix or ReplaceKey but not both.");
  }
  std::string protocol = str(redirect, "Protocol");
  if (!protocol.empty() && protocol != "http" && protocol != "https") {
    return invalid_request(
        "Invalid protocol, protocol can be http or https. If not defined the protocol will be "
        "selected automatically.");
  }
  if (has(redirect, "HttpRedirectCode")) {
    auto code = integer(redirect, "HttpRedirectCode");
    if (!code || *code < 301 || *code > 399) {
      return invalid_request("The provided HTTP redirect code (" +
                             str(redirect, "HttpRedirectCode") +
                             ") is not valid. Valid codes are 3XX except 300.");
    }
  }
  return Status::ok();
}

Status check_rule(const json::value& r) {
  if (!r.is_object()) return malformed_xml();
  const auto* redirect = object_at(r.get_object(), "Redirect");
  if (redirect == nullptr) return malformed_xml();
  NIMBUS_TRY(check_redirect(*redirect));
  if (const auto* condition = object_at(r.get_object(), "Condition")) {
    if (has(*condition, "HttpErrorCodeReturnedEquals")) {
      auto code = integer(*condition, "HttpErrorCodeReturnedEquals");
      if (!code || *code < 400 || *code > 599) {
        return invalid_request("The provided HTTP error code (" +
                               str(*condition, "HttpErrorCodeReturnedEquals") +
                               ") is not valid. Valid codes are 4XX or 5XX.");
      }
    }
  }
  return Status::ok();
}

// Where a routing rule's Redirect sends `key`; `prefix` is the condition's.
WebsiteAnswer redirect_to(const json::object& redirect, const std::string& key,
                          std::string_view prefix, std::string_view host) {
  std::string target = key;
  if (has(redirect, "ReplaceKeyWith")) {
    target = str(redirect, "ReplaceKeyWith");
  } else if (has(redirect, "ReplaceKeyPrefixWith")) {
    target = str(redirect, "ReplaceKeyPrefixWith") + key.substr(prefix.size());
  }
  std::string protocol = str(redirect, "Protocol");
  std::string to_host = str(redirect, "HostName");
  WebsiteAnswer a;
  a.kind = WebsiteAnswer::Kind::kRedirect;
  a.status = static_cast<int>(integer(redirect, "HttpRedirectCode").value_or(301));
  a.location = (protocol.empty() ? "http" : protocol) + "://" +
               (to_host.empty() ? std::string(host) : to_host) + "/" + target;
  return a;
}

// The first routing rule for `key` and (when `error` is not 0) that error.
std::optional<WebsiteAnswer> routing(const json::object& config, const std::string& key, int error,
                                     std::string_view host) {
  const auto* rules = rules_of(config);
  if (rules == nullptr) return std::nullopt;
  for (const auto& r : *rules) {
    if (!r.is_object()) continue;
    const auto* redirect = object_at(r.get_object(), "Redirect");
    const auto* condition = object_at(r.get_object(), "Condition");
    std::string prefix = condition != nullptr ? str(*condition, "KeyPrefixEquals") : "";
    auto code =
        condition != nullptr ? integer(*condition, "HttpErrorCodeReturnedEquals") : std::nullopt;
    if (redirect == nullptr || !key.starts_with(prefix)) continue;
    if ((error == 0 && !code) || (error != 0 && code && *code == error)) {
      return redirect_to(*redirect, key, prefix, host);
    }
  }
  return std::nullopt;
}

// Keys and names come from the request: never markup on the page.
std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  xml_escape(out, s, true);
  return out;
}

}  // namespace

Status validate_website(const json::object& config) {
  const auto* all = object_at(config, "RedirectAllRequestsTo");
  if (all != nullptr) {
    if (has(config, "IndexDocument") || has(config, "ErrorDocument") ||
        has(config, "RoutingRules")) {
      return invalid_argument(
          "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
          "RedirectAllRequestsTo", "not null");
    }
    if (str(*all, "HostName").empty()) return malformed_xml();
    return check_redirect(*all);
  }
  const auto* index = object_at(config, "IndexDocument");
  if (index == nullptr) {
    return invalid_argument(
        "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
        "IndexDocument", "null");
  }
  std::string suffix = str(*index, "Suffix");
  if (suffix.empty() || suffix.find('/') != std::string::npos) {
    return invalid_argument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix);
  }
  if (const auto* error = object_at(config, "ErrorDocument"); error && str(*error, "Key").empty()) {
    return malformed_xml();
  }
  if (const auto* rules = rules_of(config)) {
    for (const auto& r : *rules) NIMBUS_TRY(check_rule(r));
  }
  return Status::ok();
}

WebsiteAnswer resolve_website(const json::object& config, std::string_view path,
                              std::string_view host,
                              const std::function<bool(const std::string&)>& exists) {
  if (const auto* all = object_at(config, "RedirectAllRequestsTo")) {
    std::string protocol = str(*all, "Protocol");
    WebsiteAnswer a;
    a.kind = WebsiteAnswer::Kind::kRedirect;
    a.status = 301;
    a.location = (protocol.empty() ? "http" : protocol) + "://" + str(*all, "HostName") +
                 std::string(path.empty() ? "/" : path);
    return a;
  }
  std::string key = percent_decode(path.substr(path.starts_with('/') ? 1 : 0));
  if (auto redirect = routing(config, key, 0, host)) return *redirect;
  std::string suffix;
  if (const auto* index = object_at(config, "IndexDocument")) suffix = str(*index, "Suffix");
  std::string lookup = key.empty() || key.ends_with('/') ? key + suffix : key;
  if (exists(lookup)) return {WebsiteAnswer::Kind::kObject, 200, lookup, ""};
  if (!key.empty() && !key.ends_with('/') && !suffix.empty() && exists(key + "/" + suffix)) {
    return {WebsiteAnswer::Kind::kRedirect, 302, "", "/" + key + "/"};
  }
  if (auto redirect = routing(config, key, 404, host)) return *redirect;
  if (const auto* error = object_at(config, "ErrorDocument")) {
    std::string page = str(*error, "Key");
    if (!page.empty() && exists(page)) return {WebsiteAnswer::Kind::kObject, 404, page, ""};
  }
  return {WebsiteAnswer::Kind::kError, 404, lookup, ""};
}

std::string website_error_page(int status, std::string_view code, std::string_view message,
                               std::string_view request_id, const PageItems& extra) {
  std::string title = std::to_string(status) + (status == 404   ? " Not Found"
                                                : status == 403 ? " Forbidden"
                                                : status == 405 ? " Method Not Allowed"
                                                                : " Error");
  std::string out = "<html>\n<head><title>" + title + "</title></head>\n<body>\n<h1>" + title +
                    "</h1>\n<ul>\n<li>Code: " + html_escape(code) +
                    "</li>\n<li>Message: " + html_escape(message) + "</li>\n";
  for (const auto& [name, value] : extra) {
    out += "<li>" + html_escape(name) + ": " + html_escape(value) + "</li>\n";
  }
  out += "<li>RequestId: " + html_escape(request_id) + "</li>\n</ul>\n<hr/>\n</body>\n</html>\n";
  return out;
}

}  // namespace nimbus::s3config
