// botocore's protocol input cases read in reverse: each case's `serialized`
// HTTP request is parsed with a model built from the suite, and the value must
// equal the case's `params`. Prints "query.json: N passed, M failed, K skipped".
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "protocol/input.h"
#include "protocol/input_values.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {
namespace json = boost::json;

std::string shared_dir() {
  const char* d = std::getenv("NIMBUS_SHARED_DIR");
  return d ? d : "";
}

std::optional<json::value> load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// Cases known to fail, with the reason (also in src/protocol/README.md).
const std::map<std::string, std::string>& known_failures() {
  static const std::string kBoundQueryInMap =
      "client-side case: the params repeat every named query parameter in the httpQueryParams map; "
      "a server gives the map only unbound parameters (as RestJsonQueryParamsStringListMap "
      "expects)";
  static const std::map<std::string, std::string> k = {
      {"RestJsonAllQueryStringTypes", kBoundQueryInMap},
      {"RestJsonQueryStringEscaping", kBoundQueryInMap},
      {"RestJsonSupportsNaNFloatQueryValues", kBoundQueryInMap},
      {"RestJsonSupportsInfinityFloatQueryValues", kBoundQueryInMap},
      {"RestJsonSupportsNegativeInfinityFloatQueryValues", kBoundQueryInMap},
      {"RestJsonZeroAndFalseQueryValues", kBoundQueryInMap},
  };
  return k;
}

bool numbers_equal(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-6 * std::max(1.0, std::fabs(a));
}

std::optional<double> special_float(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  if (v.get_string() == "NaN") return std::nan("");
  if (v.get_string() == "Infinity") return INFINITY;
  if (v.get_string() == "-Infinity") return -INFINITY;
  return std::nullopt;
}

// Compares `actual` to the case's `expected` params under `shape`; a
// difference is described in `why`.
bool same(const ServiceModel& m, const json::object* shape, const json::value& expected,
          const json::value& actual, const std::string& path, std::string& why) {
  auto type = shape ? input::type_of(*shape) : std::string_view();
  if (shape != nullptr && input::bool_of(*shape, "document")) type = "document";
  auto differ = [&] {
    why = path + ": expected " + json::serialize(expected) + ", got " + json::serialize(actual);
    return false;
  };
  if (type == "structure" || type == "map") {
    if (!expected.is_object() || !actual.is_object()) return differ();
    const auto& e = expected.get_object();
    const auto& a = actual.get_object();
    for (const auto& [k, v] : e) {
      const json::object* sub = nullptr;
      if (type == "structure") {
        if (const auto* ms = input::object_at(*shape, "members")) {
          if (const auto* ref = input::object_at(*ms, k)) sub = input::target(m, *ref);
        }
      } else if (const auto* vr = input::object_at(*shape, "value")) {
        sub = input::target(m, *vr);
      }
      const auto* got = a.if_contains(k);
      if (got == nullptr) {
        // Absent and empty are the same input to a handler.
        if (v.is_null() || (v.is_array() && v.get_array().empty()) ||
            (v.is_object() && v.get_object().empty())) {
          continue;
        }
        why = path + "." + std::string(k) + ": missing";
        return false;
      }
      if (!same(m, sub, v, *got, path + "." + std::string(k), why)) return false;
    }
    for (const auto& [k, v] : a) {
      bool empty =
          (v.is_object() && v.get_object().empty()) || (v.is_array() && v.get_array().empty());
      if (!e.contains(k) && !empty) {
        why = path + "." + std::string(k) + ": unexpected " + json::serialize(v);
        return false;
      }
    }
    return true;
  }
  if (type == "list") {
    if (!expected.is_array() || !actual.is_array()) return differ();
    if (expected.get_array().size() != actual.get_array().size()) return differ();
    const auto* mr = input::object_at(*shape, "member");
    const auto* sub = mr ? input::target(m, *mr) : nullptr;
    for (std::size_t i = 0; i < expected.get_array().size(); ++i) {
      if (!same(m, sub, expected.get_array()[i], actual.get_array()[i],
                path + "[" + std::to_string(i) + "]", why)) {
        return false;
      }
    }
    return true;
  }
  if (expected.is_number() && actual.is_number()) {
    return numbers_equal(expected.to_number<double>(), actual.to_number<double>()) || differ();
  }
  if (auto f = special_float(expected); f && actual.is_number()) {
    return numbers_equal(*f, actual.to_number<double>()) || differ();
  }
  return expected == actual || differ();
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

Counts run_file(const std::string& file, const std::string& protocol_key,
                const json::object& ignore, std::vector<std::string>& unexpected) {
  Counts c;
  auto doc = load(shared_dir() + "/conformance/botocore-protocols/input/" + file);
  if (!doc) {
    ADD_FAILURE() << "cannot read " << file;
    return c;
  }
  std::set<std::string> ignored_suites, ignored_cases;
  if (const auto* g = ignore.if_contains("general")) {
    for (const auto& s : g->at("input").at("suites").as_array()) {
      ignored_suites.emplace(s.as_string());
    }
  }
  if (const auto* p = ignore.at("protocols").as_object().if_contains(protocol_key)) {
    if (const auto* in = p->as_object().if_contains("input")) {
      for (const auto& s : in->at("cases").as_array()) ignored_cases.emplace(s.as_string());
    }
  }
  for (const auto& suite_v : doc->as_array()) {
    const auto& suite = suite_v.as_object();
    for (const auto& case_v : suite.at("cases").as_array()) {
      const auto& tc = case_v.as_object();
      std::string id(tc.contains("id") ? tc.at("id").as_string() : "");
      std::string description(suite.at("description").as_string());
      if (ignored_suites.count(description) || ignored_cases.count(id) ||
          description.find("Idempotency") != std::string::npos) {
        ++c.skipped;
        continue;
      }
      json::object model;
      model["metadata"] = suite.at("metadata");
      model["shapes"] = suite.at("shapes");
      const auto& given = tc.at("given").as_object();
      json::object ops;
      ops[given.at("name").as_string()] = given;
      model["operations"] = std::move(ops);
      ServiceModel service(std::move(model), "test");
      const auto* op = service.operation(given.at("name").as_string());

      const auto& ser = tc.at("serialized").as_object();
      http::Request req;
      req.method = std::string(ser.at("method").as_string());
      req.target = std::string(ser.at("uri").as_string());
      if (const auto* b = ser.if_contains("body")) req.body = std::string(b->as_string());
      // RPC v2 CBOR cases carry their binary bodies in base64.
      if (service.protocol() == Protocol::kRpcV2Cbor) {
        req.body = input::base64_decode(req.body).value_or("not base64");
      }
      if (const auto* h = ser.if_contains("headers")) {
        for (const auto& [k, v] : h->as_object()) {
          req.headers.emplace_back(http::to_lower(k), std::string(v.as_string()));
        }
      }
      Result<json::object> got = json::object();
      switch (service.protocol()) {
        case Protocol::kQuery:
        case Protocol::kEc2:
          got = input::parse_query(service, *op, input::parse_form(req.body));
          break;
        case Protocol::kJson10:
        case Protocol::kJson11:
          got = input::parse_json(service, *op, req.body);
          break;
        case Protocol::kRpcV2Cbor:
          got = input::parse_cbor(service, *op, req.body, cbor::Epoch::kSeconds);
          break;
        default: {
          const auto* matched = input::match_rest(service, req);
          if (matched != op) {
            got = Error::make("NoRoute", "route did not match " + op->request_uri);
          } else {
            got = input::parse_rest(service, *op, req);
          }
        }
      }
      std::string why;
      const auto* shape = service.input_shape(*op);
      bool ok = got.is_ok();
      if (!ok) {
        why = "parse failed: " + got.error().code + ": " + got.error().message;
      } else {
        json::value expected = tc.at("params");
        ok = shape ? same(service, shape, expected, json::value(*got), "", why)
                   : (got->empty() || (why = "non-empty input", false));
      }
      if (ok) {
        ++c.passed;
      } else {
        ++c.failed;
        if (!known_failures().count(id)) unexpected.push_back(file + " " + id + ": " + why);
        std::cout << "  FAIL " << file << " " << id << ": " << why << "\n";
      }
    }
  }
  return c;
}

TEST(ProtocolInputConformance, BotocoreCases) {
  auto ignore =
      load(shared_dir() + "/conformance/botocore-protocols/protocol-tests-ignore-list.json");
  if (shared_dir().empty() || !ignore) GTEST_SKIP() << "NIMBUS_SHARED_DIR conformance data absent";
  std::vector<std::string> unexpected;
  for (auto [file, key] : std::vector<std::pair<std::string, std::string>>{
           {"query.json", "query"},
           {"json.json", "json"},
           {"json_1_0.json", "json_1_0"},
           {"rest-json.json", "rest-json"},
           {"rest-xml.json", "rest-xml"},
           {"smithy-rpc-v2-cbor.json", "smithy-rpc-v2-cbor"},
           {"smithy-rpc-v2-cbor-query-compatible.json", "smithy-rpc-v2-cbor"},
           {"smithy-rpc-v2-cbor-non-query-compatible.json", "smithy-rpc-v2-cbor"}}) {
    auto c = run_file(file, key, ignore->as_object(), unexpected);
    std::cout << file << ": " << c.passed << " passed, " << c.failed << " failed, " << c.skipped
              << " skipped\n";
  }
  for (const auto& u : unexpected) ADD_FAILURE() << u;
}

}  // namespace
}  // namespace nimbus::protocol
