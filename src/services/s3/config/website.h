// Static website hosting: the WebsiteConfiguration document checked as S3
// checks it, and how a website endpoint answers a GET: RedirectAllRequestsTo,
// routing rules (by key prefix before the lookup, by error code after it),
// the index document (also for "folders": a key without a trailing '/' whose
// key/ + index exists is redirected there with 302), the error document with
// the error's status.
//
// Pure functions; thread-safe. The object lookups are the caller's
// (`exists`), which may block, so callers run resolve() off event loops.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nimbus::s3config {

namespace json = boost::json;

Status validate_website(const json::object& config);

struct WebsiteAnswer {
  enum class Kind {
    kObject,    // serve `key` with `status` (200, or the error document's error status)
    kRedirect,  // `status` (301, 302 or a rule's code) to `location`
    kError,     // no object to serve: S3's own HTML error page with `status`
  };
  Kind kind = Kind::kError;
  int status = 404;
  std::string key;
  std::string location;
};

// How the website of `config` answers a GET of `path` (the raw request
// path, percent-encoded), with `exists(key)` telling whether an object is
// there; `host` is the request's Host header (for redirects that keep it).
WebsiteAnswer resolve_website(const json::object& config, std::string_view path,
                              std::string_view host,
                              const std::function<bool(const std::string&)>& exists);

// S3's HTML body for an error page of `status` (404 NoSuchKey, 403
// AccessDenied, 405 MethodNotAllowed): Code, Message, the `extra` items S3
// adds (Key, BucketName, Method, ...) and RequestId, HTML-escaped.
using PageItems = std::vector<std::pair<std::string, std::string>>;
std::string website_error_page(int status, std::string_view code, std::string_view message,
                               std::string_view request_id, const PageItems& extra = {});

}  // namespace nimbus::s3config
