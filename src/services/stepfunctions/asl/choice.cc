#include "services/stepfunctions/asl/choice.h"
#include "services/stepfunctions/asl/errors.h"

#include <array>
#include <string_view>

#include "services/stepfunctions/asl/timestamp.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

enum class Kind { kString, kNumeric, kBoolean, kTimestamp, kMatches, kTest };

struct OpInfo {
  std::string_view name;
  Kind kind;
};

constexpr std::array kComparisons = {
    OpInfo{"StringEquals", Kind::kString},
    OpInfo{"StringLessThan", Kind::kString},
    OpInfo{"StringGreaterThan", Kind::kString},
    OpInfo{"StringLessThanEquals", Kind::kString},
    OpInfo{"StringGreaterThanEquals", Kind::kString},
    OpInfo{"StringMatches", Kind::kMatches},
    OpInfo{"NumericEquals", Kind::kNumeric},
    OpInfo{"NumericLessThan", Kind::kNumeric},
    OpInfo{"NumericGreaterThan", Kind::kNumeric},
    OpInfo{"NumericLessThanEquals", Kind::kNumeric},
    OpInfo{"NumericGreaterThanEquals", Kind::kNumeric},
    OpInfo{"BooleanEquals", Kind::kBoolean},
    OpInfo{"TimestampEquals", Kind::kTimestamp},
    OpInfo{"TimestampLessThan", Kind::kTimestamp},
    OpInfo{"TimestampGreaterThan", Kind::kTimestamp},
    OpInfo{"TimestampLessThanEquals", Kind::kTimestamp},
    OpInfo{"TimestampGreaterThanEquals", Kind::kTimestamp},
    OpInfo{"IsNull", Kind::kTest},
    OpInfo{"IsPresent", Kind::kTest},
    OpInfo{"IsNumeric", Kind::kTest},
    OpInfo{"IsString", Kind::kTest},
    OpInfo{"IsBoolean", Kind::kTest},
    OpInfo{"IsTimestamp", Kind::kTest},
};

// The operator `key` names (with its Path form), or nullptr.
const OpInfo* find_op(std::string_view key, bool& path_form) {
  path_form = false;
  for (const auto& op : kComparisons) {
    if (key == op.name) return &op;
    if (op.kind != Kind::kMatches && op.kind != Kind::kTest && key.size() == op.name.size() + 4 &&
        key.starts_with(op.name) && key.ends_with("Path")) {
      path_form = true;
      return &op;
    }
  }
  return nullptr;
}

bool operand_fits(Kind k, const json::value& v) {
  switch (k) {
    case Kind::kString:
    case Kind::kMatches:
      return v.is_string();
    case Kind::kNumeric:
      return v.is_number();
    case Kind::kBoolean:
    case Kind::kTest:
      return v.is_bool();
    case Kind::kTimestamp:
      return v.is_string() && parse_timestamp_ms(v.as_string()).has_value();
  }
  return false;
}

bool matches(std::string_view s, std::string_view pattern) {
  // Backtracking over '*', with "\*" and "\\" as literals.
  size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < pattern.size() && pattern[pi] == '*') {
      star_p = pi++;
      star_s = si;
      continue;
    }
    if (pi < pattern.size()) {
      char want = pattern[pi];
      size_t width = 1;
      if (want == '\\' && pi + 1 < pattern.size()) {
        want = pattern[pi + 1];
        width = 2;
      }
      if (want == s[si]) {
        pi += width;
        ++si;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < pattern.size() && pattern[pi] == '*') ++pi;
  return pi == pattern.size();
}

template <typename T>
bool order(std::string_view op, const T& a, const T& b) {
  if (op.ends_with("GreaterThanEquals")) return a >= b;
  if (op.ends_with("LessThanEquals")) return a <= b;
  if (op.ends_with("GreaterThan")) return a > b;
  if (op.ends_with("LessThan")) return a < b;
  return a == b;
}

}  // namespace

Result<ChoiceRule> ChoiceRule::parse(const json::value& raw, bool top) {
  const auto* o = raw.if_object();
  if (o == nullptr) return Error::validation("Expected value of type: Object");
  ChoiceRule rule;
  if (top) {
    const auto* next = o->if_contains("Next");
    if (next == nullptr) return Error::validation("These fields are required: [Next]");
    if (!next->is_string()) return Error::validation("Expected value of type: String at Next");
    rule.next = std::string(next->as_string());
  }
  for (const auto& [k, v] : *o) {
    if (k == "Next" && top) continue;
    if (k == "Comment" || k == "Variable") continue;
    if (k == "Assign" && top) {
      if (!v.is_object())
        return Error::validation("The value for the field 'Assign' must be a JSON object");
      auto t = Template::compile(v);
      if (!t) {
        return Error::validation("The value for the field '" + t.error().message +
                                 "' must be a valid JSONPath or a valid intrinsic function call");
      }
      rule.assign = std::move(*t);
      continue;
    }
    if (k == "And" || k == "Or") {
      if (!v.is_array() || v.as_array().empty()) {
        return Error::validation("The field \"" + std::string(k) + "\" must be a non-empty array");
      }
      for (const auto& child : v.as_array()) {
        auto c = parse(child, false);
        if (!c) return c.error();
        rule.children.push_back(std::move(*c));
      }
    } else if (k == "Not") {
      auto c = parse(v, false);
      if (!c) return c.error();
      rule.children.push_back(std::move(*c));
    } else {
      bool path_form = false;
      const OpInfo* op = find_op(k, path_form);
      if (op == nullptr) {
        return Error::validation("The field \"" + std::string(k) +
                                 "\" is not supported by Step Functions");
      }
      if (path_form) {
        auto p = v.is_string() ? Path::parse(v.as_string()) : Result<Path>(Error::validation(""));
        if (!p) {
          return Error::validation("The value for the field '" + std::string(k) +
                                   "' must be a valid JSONPath");
        }
        rule.operand_path = std::move(*p);
      } else {
        if (!operand_fits(op->kind, v)) {
          return Error::validation("The value for the field '" + std::string(k) +
                                   "' is not of the operator's type");
        }
        rule.operand = v;
      }
    }
    if (!rule.op.empty()) return Error::validation("A choice rule must have exactly one operator");
    rule.op = std::string(k);
  }
  if (rule.op.empty()) return Error::validation("A choice rule must have exactly one operator");
  bool is_combinator = rule.op == "And" || rule.op == "Or" || rule.op == "Not";
  const auto* var = o->if_contains("Variable");
  if (is_combinator) {
    if (var != nullptr)
      return Error::validation("The field \"Variable\" is not supported with " + rule.op);
  } else {
    if (var == nullptr) return Error::validation("These fields are required: [Variable]");
    auto p = var->is_string() ? Path::parse(var->as_string()) : Result<Path>(Error::validation(""));
    if (!p) return Error::validation("The value for the field 'Variable' must be a valid JSONPath");
    rule.variable = std::move(*p);
  }
  return rule;
}

Result<bool> ChoiceRule::evaluate(const json::value& input, const json::value& context,
                                  const json::object* vars) const {
  if (op == "And" || op == "Or") {
    for (const auto& c : children) {
      auto r = c.evaluate(input, context, vars);
      if (!r) return r;
      if (op == "And" && !*r) return false;
      if (op == "Or" && *r) return true;
    }
    return op == "And";
  }
  if (op == "Not") {
    auto r = children[0].evaluate(input, context, vars);
    if (!r) return r;
    return !*r;
  }
  auto value = variable->find_in(input, context, vars);
  if (op == "IsPresent") return value.has_value() == operand.as_bool();
  if (!value) {
    return state_error("States.Runtime", "Invalid path '" + variable->text() +
                                             "': The choice state's condition path references an "
                                             "invalid value.");
  }
  if (op == "IsNull") return value->is_null() == operand.as_bool();
  if (op == "IsNumeric") return value->is_number() == operand.as_bool();
  if (op == "IsString") return value->is_string() == operand.as_bool();
  if (op == "IsBoolean") return value->is_bool() == operand.as_bool();
  if (op == "IsTimestamp") {
    bool ts = value->is_string() && parse_timestamp_ms(value->as_string()).has_value();
    return ts == operand.as_bool();
  }
  json::value rhs = operand;
  std::string_view name = op;
  if (operand_path) {
    name.remove_suffix(4);
    auto v = operand_path->find_in(input, context, vars);
    if (!v) {
      return state_error("States.Runtime", "Invalid path '" + operand_path->text() +
                                               "': The choice state's condition path references "
                                               "an invalid value.");
    }
    rhs = std::move(*v);
  }
  if (name == "StringMatches") {
    return value->is_string() && matches(value->as_string(), rhs.as_string());
  }
  if (name.starts_with("String")) {
    if (!value->is_string() || !rhs.is_string()) return false;
    return order(name, value->as_string().subview(), rhs.as_string().subview());
  }
  if (name.starts_with("Numeric")) {
    if (!value->is_number() || !rhs.is_number()) return false;
    return order(name, value->to_number<double>(), rhs.to_number<double>());
  }
  if (name.starts_with("Boolean")) {
    return value->is_bool() && rhs.is_bool() && value->as_bool() == rhs.as_bool();
  }
  if (!value->is_string() || !rhs.is_string()) return false;
  auto a = parse_timestamp_ms(value->as_string()), b = parse_timestamp_ms(rhs.as_string());
  if (!a || !b) return false;
  return order(name, *a, *b);
}

}  // namespace nimbus::sfn::asl
