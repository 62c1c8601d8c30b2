// Plain HTTP messages shared by the edge, SigV4 and the protocol engine, so
// that none of those depends on Beast and each can be fuzzed on its own.
// Header names are stored lower-cased, in arrival order; repeats are kept.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/body.h"

namespace nimbus::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request-target as sent: "/path?query" (still percent-encoded)
  Headers headers;     // names lower-case
  std::string body;    // whole body (de-chunked by the edge), unless streamed
  // Set instead of `body` when the edge streams it (ServerOptions::
  // stream_bodies_over): the destination reads it in pieces (body.h).
  std::shared_ptr<BodySource> stream;
  std::string remote;  // peer address, for logs

  // First value of header `name` (give it lower-case); empty when absent.
  std::string_view header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // The raw path (before '?') and raw query (after '?', may be empty).
  std::string_view path() const;
  std::string_view query() const;
};

struct Response {
  int status = 200;
  Headers headers;  // names as they should be written
  std::string body;
  // When set, sent instead of `body` (a file, a range of one): its size()
  // must be known and becomes the Content-Length.
  std::shared_ptr<BodySource> stream;

  void set_header(std::string name, std::string value);
  std::string_view header(std::string_view name) const;  // case-insensitive
};

// Lower-cases ASCII letters.
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

}  // namespace nimbus::http
