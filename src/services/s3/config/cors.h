// CORS as S3 applies a bucket's CORSConfiguration: the first rule whose
// AllowedOrigins match the request's Origin, whose AllowedMethods hold the
// method (the preflight's Access-Control-Request-Method) and whose
// AllowedHeaders cover every requested header answers; its headers go on
// the response. Origins and headers match with at most one '*'; headers
// case-insensitively.
//
// Pure functions over a validated configuration; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nimbus::s3config {

namespace json = boost::json;

struct CorsRequest {
  std::string origin;
  std::string method;                // the actual method, or the preflight's requested one
  std::vector<std::string> headers;  // Access-Control-Request-Headers, split (preflight only)
  bool preflight = false;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// The index of the first rule of `cors` (a CORSConfiguration) that allows
// `request`; nullopt when none does.
std::optional<size_t> match_cors(const json::object& cors, const CorsRequest& request);

// The response headers of rule `index` of `cors` for `request`
// (Access-Control-Allow-Origin/-Methods/-Headers/-Max-Age/-Expose-Headers,
// -Allow-Credentials, Vary).
Headers cors_headers(const json::object& cors, size_t index, const CorsRequest& request);

// Splits an Access-Control-Request-Headers value ("a, B ,c") into names,
// lower-cased, empty ones dropped.
std::vector<std::string> split_header_list(std::string_view value);

// `text` against an S3 CORS pattern with at most one '*' (any run of
// characters), compared as is (origins) or case-insensitively (headers).
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case);

}  // namespace nimbus::s3config
