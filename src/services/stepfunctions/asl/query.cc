#include "services/stepfunctions/asl/query.h"

#include <cmath>
#include <random>
#include <vector>

#include <openssl/evp.h>

#include "common/jsonata/jsonata.h"
#include "services/stepfunctions/asl/errors.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

struct QueryNode {
  json::value literal;                            // when no expression below
  std::optional<jsonata::Expression> expression;  // "{% ... %}"
  // An object with expressions below: its keys and values (two vectors, as a
  // pair of an incomplete type is refused by clang with libstdc++).
  std::vector<std::string> keys;
  std::vector<QueryNode> values;
  std::vector<QueryNode> items;  // an array with expressions below
  bool object = false;
  bool array = false;
};

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<QueryNode> build(const json::value& raw, int depth) {
  QueryNode n;
  if (depth > 64) return Error{"Invalid", "too deeply nested"};
  if (raw.is_string() && Query::is_expression(raw.as_string())) {
    std::string_view text = raw.as_string();
    auto parsed = jsonata::Expression::parse(trim(text.substr(2, text.size() - 4)));
    if (auto* e = std::get_if<jsonata::Error>(&parsed)) {
      return Error{"Invalid", std::string(text) + ": " + e->code + ": " + e->message};
    }
    n.expression = std::get<jsonata::Expression>(std::move(parsed));
    return n;
  }
  bool dynamic = false;
  if (raw.is_object()) {
    n.object = true;
    for (const auto& [k, v] : raw.as_object()) {
      auto c = build(v, depth + 1);
      if (!c) return c.take_error();
      dynamic = dynamic || c->expression || c->object || c->array;
      n.keys.emplace_back(k);
      n.values.push_back(std::move(*c));
    }
  } else if (raw.is_array()) {
    n.array = true;
    for (const auto& v : raw.as_array()) {
      auto c = build(v, depth + 1);
      if (!c) return c.take_error();
      dynamic = dynamic || c->expression || c->object || c->array;
      n.items.push_back(std::move(*c));
    }
  }
  if (!dynamic) {
    n = QueryNode{};
    n.literal = raw;
  }
  return n;
}

jsonata::Outcome fail(std::string message) {
  return jsonata::Error{"States.QueryEvaluationError", std::move(message), 0};
}

// Step Functions' own JSONata functions.
const std::map<std::string, jsonata::Native, std::less<>>& functions() {
  static const std::map<std::string, jsonata::Native, std::less<>> table = {
      {"partition",
       {"<an:a>",
        [](const std::vector<jsonata::Maybe>& a) -> jsonata::Outcome {
          if (!a[0] || !a[1]) return jsonata::Maybe();
          double size = a[1]->to_number<double>();
          if (!(size >= 1) || std::floor(size) != size)
            return fail("$partition: the size must be a positive integer");
          json::array out;
          const auto& arr = a[0]->as_array();
          auto n = static_cast<size_t>(std::min(size, 1e9));
          for (size_t i = 0; i < arr.size(); i += n) {
            json::array chunk;
            for (size_t j = i; j < arr.size() && j < i + n; ++j) chunk.push_back(arr[j]);
            out.push_back(std::move(chunk));
          }
          return jsonata::Maybe(json::value(std::move(out)));
        }}},
      {"range",
       {"<nnn:a>",
        [](const std::vector<jsonata::Maybe>& a) -> jsonata::Outcome {
          if (!a[0] || !a[1] || !a[2]) return jsonata::Maybe();
          double from = a[0]->to_number<double>(), to = a[1]->to_number<double>(),
                 step = a[2]->to_number<double>();
          if (step == 0 || !std::isfinite(from) || !std::isfinite(to) || !std::isfinite(step)) {
            return fail("$range: the step must be a non-zero number");
          }
          if (std::fabs((to - from) / step) > 1000)
            return fail("$range: the range may hold at most 1000 items");
          json::array out;
          for (double x = from; step > 0 ? x <= to : x >= to; x += step) out.push_back(x);
          return jsonata::Maybe(json::value(std::move(out)));
        }}},
      {"hash",
       {"<ss:s>",
        [](const std::vector<jsonata::Maybe>& a) -> jsonata::Outcome {
          if (!a[0] || !a[1]) return jsonata::Maybe();
          static const std::map<std::string, const EVP_MD* (*)(), std::less<>> kAlgorithms = {
              {"MD5", EVP_md5},
              {"SHA-1", EVP_sha1},
              {"SHA-256", EVP_sha256},
              {"SHA-384", EVP_sha384},
              {"SHA-512", EVP_sha512}};
          std::string_view data = a[0]->as_string();
          auto it = kAlgorithms.find(std::string_view(a[1]->as_string()));
          if (it == kAlgorithms.end()) {
            return fail(
                "$hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
          }
          unsigned char md[EVP_MAX_MD_SIZE];
          unsigned int len = 0;
          EVP_Digest(data.data(), data.size(), md, &len, it->second(), nullptr);
          static const char* kHex = "0123456789abcdef";
          std::string out;
          for (unsigned int i = 0; i < len; ++i) {
            out.push_back(kHex[md[i] >> 4]);
            out.push_back(kHex[md[i] & 15]);
          }
          return jsonata::Maybe(json::value(out));
        }}},
      {"uuid",
       {"<:s>",
        [](const std::vector<jsonata::Maybe>&) -> jsonata::Outcome {
          thread_local std::mt19937_64 gen{std::random_device{}()};
          uint64_t hi = gen(), lo = gen();
          hi = (hi & ~0xF000ULL) | 0x4000ULL;
          lo = (lo & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
          char buf[40];
          std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                        static_cast<unsigned long long>(hi >> 32),
                        static_cast<unsigned long long>((hi >> 16) & 0xFFFF),
                        static_cast<unsigned long long>(hi & 0xFFFF),
                        static_cast<unsigned long long>(lo >> 48),
                        static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
          return jsonata::Maybe(json::value(buf));
        }}},
      {"parse",
       {"<s:x>",
        [](const std::vector<jsonata::Maybe>& a) -> jsonata::Outcome {
          if (!a[0]) return jsonata::Maybe();
          json::error_code ec;
          json::parse_options opts;
          opts.max_depth = 64;
          json::value v = json::parse(a[0]->as_string(), ec, {}, opts);
          if (ec) return fail("$parse: the argument is not JSON: " + ec.message());
          return jsonata::Maybe(std::move(v));
        }}},
  };
  return table;
}

}  // namespace

bool Query::is_expression(std::string_view text) {
  return text.size() >= 4 && text.starts_with("{%") && text.ends_with("%}");
}

Result<Query> Query::compile(const json::value& raw) {
  auto n = build(raw, 0);
  if (!n) return n.take_error();
  Query q;
  q.root_ = std::make_shared<const QueryNode>(std::move(*n));
  return q;
}

namespace {
Result<json::value> fill(const QueryNode& n, const jsonata::Options& options,
                         const json::value& input, std::string_view field) {
  if (n.expression) {
    auto out = n.expression->evaluate(&input, options);
    if (auto* e = std::get_if<jsonata::Error>(&out)) {
      return state_error(
          "States.QueryEvaluationError",
          "An error occurred while evaluating the JSONata expression '" + n.expression->text() +
              "' specified for the field '" + std::string(field) + "': " +
              (e->code == "States.QueryEvaluationError" ? "" : e->code + ": ") + e->message);
    }
    auto& m = std::get<jsonata::Maybe>(out);
    if (!m) {
      return state_error("States.QueryEvaluationError",
                         "The JSONata expression '" + n.expression->text() +
                             "' specified for the field '" + std::string(field) +
                             "' returned nothing (undefined)");
    }
    return std::move(*m);
  }
  if (n.object) {
    json::object o;
    for (size_t i = 0; i < n.keys.size(); ++i) {
      auto v = fill(n.values[i], options, input, std::string(field) + "/" + n.keys[i]);
      if (!v) return v.take_error();
      o[n.keys[i]] = std::move(*v);
    }
    return json::value(std::move(o));
  }
  if (n.array) {
    json::array a;
    for (size_t i = 0; i < n.items.size(); ++i) {
      auto v = fill(n.items[i], options, input, std::string(field) + "[" + std::to_string(i) + "]");
      if (!v) return v.take_error();
      a.push_back(std::move(*v));
    }
    return json::value(std::move(a));
  }
  return n.literal;
}
}  // namespace

Result<json::value> Query::evaluate(const json::value& states, const json::object* vars,
                                    int64_t now_ms, std::string_view field) const {
  jsonata::Options options;
  options.now_ms = now_ms;
  options.functions = functions();
  options.variables["states"] = states;
  if (vars != nullptr) {
    for (const auto& [k, v] : *vars) options.variables[std::string(k)] = v;
  }
  const json::value* input = nullptr;
  if (const auto* o = states.if_object()) input = o->if_contains("input");
  static const json::value kNull;
  return fill(*root_, options, input != nullptr ? *input : kNull, field);
}

}  // namespace nimbus::sfn::asl
