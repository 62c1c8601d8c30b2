// The routes of a REST service (restJson1, restXml), compiled once from its
// operations' requestUri templates and required members: picking the
// operation for a request compares its path segments with prepared ones
// instead of splitting, decoding and reading the model again for every
// operation of the service on every request. Immutable once built; safe
// from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"

namespace nimbus::protocol {

class ServiceModel;
class OperationModel;

class RestRoutes {
 public:
  explicit RestRoutes(const ServiceModel& model);

  // The operation whose method and requestUri match: literal path segments
  // compared percent-decoded, `{label}` any non-empty segment, `{label+}`
  // the rest of the path (non-empty); a trailing slash tolerated; the
  // template's query literals (?uploads, ?list-type=2; the SDKs' x-id
  // hint aside) present in `query`. Of several, the most specific: more
  // literal segments, then more query literals, then the one whose required
  // header and query members are present (one missing them is all but
  // ruled out), a deprecated one last, the first in model order on a tie.
  // `path` is the raw path (virtual-hosted S3: with the bucket prefixed);
  // `query` the request's query string parsed. nullptr when none matches.
  const OperationModel* match(const http::Request& request, std::string_view path,
                              const std::vector<std::pair<std::string, std::string>>& query) const;

 private:
  struct Segment {
    bool label = false;
    std::string literal;  // compared with the request's segment, percent-decoded
  };
  struct QueryLiteral {
    std::string key;
    std::string value;
    bool has_value = false;
  };
  struct Route {
    const OperationModel* op = nullptr;
    std::string method;
    std::vector<Segment> segments;  // before a greedy label
    bool greedy = false;            // ends with {label+}
    std::vector<QueryLiteral> query;
    std::vector<std::string> required_headers;
    std::vector<std::string> required_query;
    long score = 0;  // literal segments, query literals, deprecated, above "no match"
  };
  std::vector<Route> routes_;
};

}  // namespace nimbus::protocol
