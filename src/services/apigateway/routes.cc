#include "services/apigateway/routes.h"

#include <set>

#include "common/encoding.h"

namespace nimbus::services::apigateway {

namespace {

constexpr std::string_view kRouteMethods[] = {"GET",  "POST",    "PUT",   "DELETE",
                                              "HEAD", "OPTIONS", "PATCH", "ANY"};

// Specificity of a template: one number per segment (literal 2, variable
// 1, greedy 0), compared left to right.
std::vector<int> rank(const std::vector<Segment>& t) {
  std::vector<int> r;
  for (const auto& s : t)
    r.push_back(s.kind == Segment::kLiteral ? 2 : s.kind == Segment::kVariable);
  return r;
}

bool greedy(const std::vector<Segment>& t) {
  return !t.empty() && t.back().kind == Segment::kGreedy;
}

// Whether route a is more specific than b (both matched the request).
bool more_specific(const RouteKey& a, const RouteKey& b) {
  if (greedy(a.path) != greedy(b.path)) return !greedy(a.path);
  auto ra = rank(a.path), rb = rank(b.path);
  if (ra != rb) return ra > rb;
  return a.method != "ANY" && b.method == "ANY";
}

}  // namespace

std::optional<std::vector<Segment>> parse_path_template(std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<Segment> out;
  if (path == "/") return out;
  std::set<std::string, std::less<>> names;
  std::string_view rest = path.substr(1);
  while (true) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty()) return std::nullopt;
    if (!out.empty() && out.back().kind == Segment::kGreedy) return std::nullopt;
    Segment s;
    if (seg.front() == '{') {
      if (seg.size() < 3 || seg.back() != '}') return std::nullopt;
      std::string_view name = seg.substr(1, seg.size() - 2);
      if (name.back() == '+') {
        s.kind = Segment::kGreedy;
        name.remove_suffix(1);
      } else {
        s.kind = Segment::kVariable;
      }
      if (name.empty() || name.find_first_of("{}+/") != std::string_view::npos) return std::nullopt;
      if (!names.insert(std::string(name)).second) return std::nullopt;
      s.text = std::string(name);
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos) return std::nullopt;
      s.text = std::string(seg);
    }
    out.push_back(std::move(s));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t slash = path.find('/', i);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > i) out.push_back(path.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

bool match_template(const std::vector<Segment>& tmpl, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>& params) {
  params.clear();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    const Segment& s = tmpl[i];
    if (s.kind == Segment::kGreedy) {
      if (i >= path.size()) return false;  // {proxy+} needs at least one segment
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) {
        if (j > i) rest += '/';
        rest += percent_decode(path[j]);
      }
      params[s.text] = std::move(rest);
      return true;
    }
    if (i >= path.size()) return false;
    if (s.kind == Segment::kLiteral) {
      if (s.text != path[i]) return false;
    } else {
      params[s.text] = percent_decode(path[i]);
    }
  }
  return tmpl.size() == path.size();
}

std::optional<RouteKey> parse_route_key(std::string_view key) {
  RouteKey k;
  if (key == "$default") {
    k.is_default = true;
    return k;
  }
  size_t space = key.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view method = key.substr(0, space);
  bool known = false;
  for (auto m : kRouteMethods) known = known || m == method;
  if (!known) return std::nullopt;
  auto path = parse_path_template(key.substr(space + 1));
  if (!path) return std::nullopt;
  k.method = std::string(method);
  k.path = std::move(*path);
  return k;
}

void RouteTable::add(std::string_view key, std::string id) {
  auto k = parse_route_key(key);
  if (!k) return;
  if (k->is_default) {
    default_id_ = std::move(id);
    default_key_ = std::string(key);
    return;
  }
  routes_.push_back({std::move(*k), std::string(key), std::move(id)});
}

std::optional<RouteMatch> RouteTable::find(std::string_view method, std::string_view path) const {
  auto segments = split_path(path);
  const Route* best = nullptr;
  std::map<std::string, std::string> params, best_params;
  for (const auto& r : routes_) {
    if (r.key.method != "ANY" && r.key.method != method) continue;
    if (!match_template(r.key.path, segments, params)) continue;
    if (best == nullptr || more_specific(r.key, best->key)) {
      best = &r;
      best_params = params;
    }
  }
  if (best != nullptr) return RouteMatch{best->id, best->text, std::move(best_params)};
  if (!default_id_.empty()) return RouteMatch{default_id_, default_key_, {}};
  return std::nullopt;
}

}  // namespace nimbus::services::apigateway
