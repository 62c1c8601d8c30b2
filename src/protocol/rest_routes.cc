#include "protocol/rest_routes.h"

#include "protocol/input_values.h"
#include "protocol/model.h"

namespace nimbus::protocol {

namespace {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

bool decodes_to(std::string_view piece, std::string_view literal) {
  if (piece.find('%') == std::string_view::npos) return piece == literal;
  return percent_decode(piece, false) == literal;
}

}  // namespace

RestRoutes::RestRoutes(const ServiceModel& model) {
  for (const auto& op : model.operations()) {
    Route r;
    r.op = &op;
    r.method = op.http_method;
    std::string_view uri = op.request_uri;
    auto qpos = uri.find('?');
    std::string_view tmpl = uri.substr(0, qpos);
    if (tmpl.starts_with('/')) tmpl.remove_prefix(1);
    auto segs = tmpl.empty() ? std::vector<std::string_view>{} : input::split_views(tmpl, '/');
    if (!segs.empty() && segs.back().empty()) segs.pop_back();
    bool routable = true;
    for (size_t i = 0; i < segs.size(); ++i) {
      std::string_view seg = segs[i];
      bool label = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
      if (label && seg[seg.size() - 2] == '+') {
        routable = i + 1 == segs.size();  // a greedy label anywhere else matches nothing
        r.greedy = true;
        break;
      }
      r.segments.push_back({label, label ? std::string() : std::string(seg)});
      if (!seg.empty() && seg.front() != '{') r.score += 1000;
    }
    if (!routable) continue;
    if (qpos != std::string_view::npos) {
      for (auto part : input::split_views(uri.substr(qpos + 1), '&')) {
        if (part.empty()) continue;
        auto eq = part.find('=');
        QueryLiteral q;
        q.key = std::string(part.substr(0, eq));
        if (q.key == "x-id") continue;  // the SDKs' hint naming the operation; optional
        q.has_value = eq != std::string_view::npos;
        if (q.has_value) q.value = std::string(part.substr(eq + 1));
        r.query.push_back(std::move(q));
        r.score += 100;
      }
    }
    if (const auto* in = model.input_shape(op)) {
      const auto* members = input::object_at(*in, "members");
      const auto* required = in->if_contains("required");
      if (members != nullptr && required != nullptr && required->is_array()) {
        for (const auto& name : required->get_array()) {
          if (!name.is_string()) continue;
          const auto* ref = input::object_at(*members, name.get_string());
          if (ref == nullptr) continue;
          auto location = input::str_of(*ref, "location");
          std::string wire(input::str_of(*ref, "locationName"));
          if (wire.empty()) wire = std::string(name.get_string());
          if (location == "header") r.required_headers.push_back(std::move(wire));
          if (location == "querystring") r.required_query.push_back(std::move(wire));
        }
      }
    }
    if (input::bool_of(*op.raw, "deprecated")) r.score -= 1;
    r.score += 20000;  // every matching route above "no match"
    routes_.push_back(std::move(r));
  }
}

const OperationModel* RestRoutes::match(const http::Request& request, std::string_view path,
                                        const QueryParams& query) const {
  if (path.starts_with('/')) path.remove_prefix(1);
  const auto pieces = input::split_views(path, '/');
  const OperationModel* best = nullptr;
  long best_score = -1;
  for (const auto& r : routes_) {
    if (r.method != request.method) continue;
    size_t n = r.segments.size();
    if (pieces.size() < n) continue;
    if (r.greedy) {
      // The rest of the path, from segment n on, must not be empty.
      if (pieces.size() == n || (pieces.size() == n + 1 && pieces[n].empty())) continue;
    } else if (pieces.size() > n + 1 || (pieces.size() == n + 1 && !pieces[n].empty())) {
      continue;  // more path than the template (one trailing slash is tolerated)
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      const Segment& seg = r.segments[i];
      ok = seg.label ? !pieces[i].empty() : decodes_to(pieces[i], seg.literal);
    }
    for (size_t i = 0; i < r.query.size() && ok; ++i) {
      const auto* v = input::first_query(query, r.query[i].key);
      ok = v != nullptr && (!r.query[i].has_value || *v == r.query[i].value);
    }
    if (!ok) continue;
    long score = r.score;
    for (const auto& h : r.required_headers)
      score += input::has_header_of(request, h) ? 10 : -10000;
    for (const auto& q : r.required_query) score += input::first_query(query, q) ? 10 : -10000;
    if (score > best_score) {
      best_score = score;
      best = r.op;
    }
  }
  return best;
}

}  // namespace nimbus::protocol
