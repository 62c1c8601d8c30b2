// Route selection for both gateways, as AWS does it: path templates
// ("/pets/{id}", "/files/{proxy+}"), HTTP API route keys ("GET /pets",
// "ANY /pets/{id}", "$default"), and the table that picks the most specific
// route for a request. Pure functions on strings: no state, no I/O (fuzzed
// by fuzz/apigw_route_fuzz.cc).
//
// Most specific wins: a route without a greedy variable beats one with it;
// between two such routes the first segment where they differ decides (a
// literal beats a {variable}); between greedy routes the same, over the
// segments before the greedy one (the longer prefix wins); then a route
// for the request's method beats ANY. $default matches what nothing else
// does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus::services::apigateway {

struct Segment {
  enum Kind { kLiteral, kVariable, kGreedy } kind = kLiteral;
  std::string text;  // the literal, or the variable's name ("proxy" for {proxy+})
};

// "/" or "/a/{b}/{c+}": segments between slashes; a greedy variable only
// last. nullopt for what AWS rejects (no leading '/', an empty segment, a
// '{' that does not close a whole-segment variable, a greedy variable
// that is not last, a repeated variable name).
std::optional<std::vector<Segment>> parse_path_template(std::string_view path);

// The request path's segments (raw, not decoded; empty ones skipped).
std::vector<std::string_view> split_path(std::string_view path);

// Matches `path` against `tmpl`, filling `params` (percent-decoded values;
// a greedy variable gets the rest of the path joined by '/').
bool match_template(const std::vector<Segment>& tmpl, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>& params);

struct RouteKey {
  bool is_default = false;  // "$default"
  std::string method;       // "GET", ..., or "ANY"
  std::vector<Segment> path;
};
// "$default" or "METHOD /path": nullopt for anything else.
std::optional<RouteKey> parse_route_key(std::string_view key);

struct RouteMatch {
  std::string id;   // what the route was added with
  std::string key;  // its route key as given
  std::map<std::string, std::string> params;
};

class RouteTable {
 public:
  // Keys that do not parse are skipped (the API rejected them on create).
  void add(std::string_view key, std::string id);
  // The most specific route for `method` and `path`, else $default, else none.
  std::optional<RouteMatch> find(std::string_view method, std::string_view path) const;
  bool empty() const { return routes_.empty() && default_id_.empty(); }

 private:
  struct Route {
    RouteKey key;
    std::string text, id;
  };
  std::vector<Route> routes_;
  std::string default_id_, default_key_;
};

}  // namespace nimbus::services::apigateway
