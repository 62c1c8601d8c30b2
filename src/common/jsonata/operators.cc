// Binary operators, function calls and argument checking against
// JSONata function signatures.
#include <cmath>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

#define EVAL_TRY(v, expr) \
  Value v = (expr);       \
  if (failed()) return {  \
    }

namespace {
std::string describe(const Value& v, Evaluator& ev) {
  if (v.is_function()) return "function";
  auto s = to_string(v, false, ev);
  return s.value_or("undefined");
}
}  // namespace

Value Evaluator::binary(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  const std::string& op = n.text;
  EVAL_TRY(lhs, eval(*n.kids[0], input, env));
  if (op == "and") {
    if (!truthy(lhs)) return Value(json::value(false));
    EVAL_TRY(rhs, eval(*n.kids[1], input, env));
    return Value(json::value(truthy(rhs)));
  }
  if (op == "or") {
    if (truthy(lhs)) return Value(json::value(true));
    EVAL_TRY(rhs, eval(*n.kids[1], input, env));
    return Value(json::value(truthy(rhs)));
  }
  EVAL_TRY(rhs, eval(*n.kids[1], input, env));
  if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%") {
    if (!lhs.undefined() && !lhs.is_number()) {
      fail("T2001", "The left side of the \"" + op + "\" operator must evaluate to a number",
           n.position);
      return {};
    }
    if (!rhs.undefined() && !rhs.is_number()) {
      fail("T2002", "The right side of the \"" + op + "\" operator must evaluate to a number",
           n.position);
      return {};
    }
    if (lhs.undefined() || rhs.undefined()) return {};
    double a = lhs.number();
    double b = rhs.number();
    double r = op == "+"   ? a + b
               : op == "-" ? a - b
               : op == "*" ? a * b
               : op == "/" ? a / b
                           : std::fmod(a, b);
    return number(r);  // JSONata lets Infinity through; $string refuses it (D3001)
  }
  if (op == "=" || op == "!=") {
    if (lhs.undefined() || rhs.undefined() || lhs.is_function() || rhs.is_function()) {
      return Value(json::value(false));
    }
    bool eq = deep_equal(lhs.json, rhs.json);
    return Value(json::value(op == "=" ? eq : !eq));
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    auto comparable = [](const Value& v) {
      return v.undefined() || v.is_number() || v.is_string();
    };
    if (!comparable(lhs) || !comparable(rhs)) {
      fail("T2010",
           "The expressions either side of operator \"" + op +
               "\" must evaluate to numeric or string values",
           n.position);
      return {};
    }
    if (lhs.undefined() || rhs.undefined()) return {};
    if (lhs.is_number() != rhs.is_number()) {
      fail("T2009",
           "The values " + describe(lhs, *this) + " and " + describe(rhs, *this) +
               " either side of operator \"" + op + "\" must be of the same data type",
           n.position);
      return {};
    }
    int c = 0;
    if (lhs.is_number()) {
      c = lhs.number() < rhs.number() ? -1 : lhs.number() > rhs.number() ? 1 : 0;
    } else {
      auto a = lhs.json.get_string();
      auto b = rhs.json.get_string();
      c = a < b ? -1 : a > b ? 1 : 0;
    }
    bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    return Value(json::value(r));
  }
  if (op == "&") {
    auto a = to_string(lhs, false, *this);
    if (failed()) return {};
    auto b = to_string(rhs, false, *this);
    if (failed()) return {};
    std::string s = a.value_or("") + b.value_or("");
    if (!count(s.size() / 64)) return {};
    return Value(json::value(std::move(s)));
  }
  if (op == "in") {
    if (lhs.undefined() || rhs.undefined() || !lhs.is_json() || !rhs.is_json()) {
      return Value(json::value(false));
    }
    if (rhs.is_array()) {
      for (const auto& x : rhs.json.get_array()) {
        if (deep_equal(lhs.json, x)) return Value(json::value(true));
      }
      return Value(json::value(false));
    }
    return Value(json::value(deep_equal(lhs.json, rhs.json)));
  }
  fail("S0204", "Unknown operator: \"" + op + "\"", n.position);
  return {};
}

Value Evaluator::call(const Node& n, const Value& input, const std::shared_ptr<Env>& env,
                      const Value* first) {
  bool partial = false;
  for (size_t i = 1; i < n.kids.size(); ++i) partial |= n.kids[i]->type == NodeType::kPlaceholder;
  EVAL_TRY(f, eval(*n.kids[0], input, env));
  if (!f.is_function()) {
    const Node& proc = *n.kids[0];
    if (partial) {  // as the reference words it: a variable gets T1008, anything else T1007
      if (proc.type == NodeType::kVariable) {
        fail("T1008",
             "Attempted to partially apply a non-function. Did you mean ${" + proc.text + "}?",
             n.position);
      } else {
        fail("T1007", "Attempted to partially apply a non-function", n.position);
      }
    } else if (proc.type == NodeType::kPath && !proc.kids.empty() &&
               proc.kids[0]->type == NodeType::kName &&
               (env->find(proc.kids[0]->text) != nullptr ||
                find_builtin(proc.kids[0]->text) != nullptr)) {
      fail("T1005",
           "Attempted to invoke a non-function. Did you mean ${" + proc.kids[0]->text + "}?",
           n.position);
    } else {
      fail("T1006", "Attempted to invoke a non-function", n.position);
    }
    return {};
  }
  if (partial) {
    auto p = std::make_shared<Function>();
    p->partial = f.fn;
    for (size_t i = 1; i < n.kids.size(); ++i) {
      if (n.kids[i]->type == NodeType::kPlaceholder) {
        p->bound.emplace_back(std::nullopt);
        continue;
      }
      p->bound.emplace_back(eval(*n.kids[i], input, env));
      if (failed()) return {};
    }
    Value v = Value::function(std::move(p));
    // x ~> f(?, a): the partial function applied to x.
    if (first != nullptr) return apply(v, {*first}, input, n.position);
    return v;
  }
  std::vector<Value> args;
  if (first != nullptr) args.push_back(*first);
  for (size_t i = 1; i < n.kids.size(); ++i) {
    args.push_back(eval(*n.kids[i], input, env));
    if (failed()) return {};
  }
  return apply(f, std::move(args), input, n.position);
}

size_t Function::arity() const {
  if (lambda != nullptr) return lambda->params.size();
  if (builtin != nullptr) {  // JSONata counts the implementation's leading required parameters
    size_t n = 0;
    while (n < builtin->params.size() && !builtin->params[n].optional) ++n;
    return n;
  }
  if (!chain.empty()) return chain.front().fn->arity();
  if (regex || transform != nullptr) return 1;
  if (partial) {
    size_t holes = 0;
    for (const auto& b : bound) holes += b.has_value() ? 0 : 1;
    return holes;
  }
  return 8;
}

Value Evaluator::call_with(const Value& fn, std::vector<Value> args) {
  if (fn.is_function() && args.size() > fn.fn->arity()) args.resize(fn.fn->arity());
  return apply(fn, std::move(args), Value(), 0);
}

Value Evaluator::apply(const Value& fv, std::vector<Value> args, const Value& context,
                       size_t position) {
  if (failed() || !count()) return {};
  if (!fv.is_function()) {
    fail("T1006", "Attempted to invoke a non-function", position);
    return {};
  }
  const Function& f = *fv.fn;
  if (++depth_ > options_.max_depth) {
    fail("U1001", "Stack overflow error: check for non-terminating recursive function", position);
    --depth_;
    return {};
  }
  Value result;
  if (f.partial) {
    std::vector<Value> full;
    size_t next = 0;
    for (const auto& b : f.bound) {
      if (b) {
        full.push_back(*b);
      } else {
        full.push_back(next < args.size() ? std::move(args[next]) : Value());
        ++next;
      }
    }
    result = apply(Value::function(f.partial), std::move(full), context, position);
  } else if (!f.chain.empty()) {
    result = apply(f.chain[0], std::move(args), context, position);
    for (size_t i = 1; i < f.chain.size() && !failed(); ++i) {
      result = apply(f.chain[i], {result}, context, position);
    }
  } else if (f.lambda != nullptr) {
    std::shared_ptr<Env> scope(new Env);  // not make_shared: a weak_ptr may outlive it
    scope->parent = f.closure;
    for (size_t i = 0; i < f.lambda->params.size(); ++i) {
      scope->vars[f.lambda->params[i]] = i < args.size() ? args[i] : Value();
      if (i < args.size() && args[i].is_function()) holds_function(scope);
    }
    result = eval(*f.lambda->kids[0], f.input, scope);
  } else if (f.builtin != nullptr) {
    if (check_args(f, f.builtin->params, args, context, position)) {
      std::string saved = std::move(current_);
      current_ = f.name;
      result = f.builtin->fn(*this, args);
      current_ = std::move(saved);
      if (error_ && error_->position == 0) error_->position = position;
    }
  } else if (f.transform != nullptr) {
    result = transform(f, args.empty() ? Value() : args[0], position);
  } else if (f.regex) {
    if (!args.empty() && args[0].is_string()) {
      std::string_view s = args[0].json.get_string();
      if (auto m = next_match(*this, *f.regex, s, 0, true)) {
        result = Value(boost::json::value(match_object(s, *m, true)));
      }
    }
  } else if (f.native != nullptr) {
    static thread_local std::map<std::string, std::vector<Param>, std::less<>> signatures;
    auto it = signatures.find(f.native->signature);
    if (it == signatures.end()) {
      it = signatures.emplace(f.native->signature, parse_signature(f.native->signature)).first;
    }
    if (check_args(f, it->second, args, context, position)) {
      std::vector<Maybe> plain;
      for (auto& a : args) {
        if (a.is_json()) {
          plain.emplace_back(std::move(a.json));
        } else {
          plain.emplace_back(std::nullopt);
        }
      }
      Outcome o = f.native->fn(plain);
      if (auto* e = std::get_if<Error>(&o)) {
        Error err = *e;
        if (err.position == 0) err.position = position;
        if (!error_) error_ = std::move(err);
      } else if (auto& m = std::get<Maybe>(o)) {
        result = Value(std::move(*m));
      }
    }
  }
  --depth_;
  if (failed()) return {};
  return result;
}

namespace {
bool letter_matches(char letter, const std::string& types) {
  if (letter == 'm') return true;
  for (char t : types) {
    if (t == letter || t == 'x' || (t == 'a' && letter != 'f')) return true;
    if (t == 'j' && letter != 'f') return true;
    if (t == 'u' && (letter == 'b' || letter == 'n' || letter == 's' || letter == 'l')) return true;
  }
  return false;
}
}  // namespace

std::vector<Param> parse_signature(std::string_view sig) {
  std::vector<Param> params;
  size_t i = sig.empty() || sig[0] != '<' ? 0 : 1;
  while (i < sig.size() && sig[i] != ':' && sig[i] != '>') {
    char c = sig[i];
    if (c == '?' || c == '+' || c == '-') {
      if (!params.empty()) {
        if (c == '?') params.back().optional = true;
        if (c == '+') params.back().variadic = true;
        if (c == '-') params.back().context = true;
      }
      ++i;
      continue;
    }
    Param p;
    if (c == '(') {
      auto end = sig.find(')', i);
      if (end == std::string_view::npos) break;
      p.types = std::string(sig.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      p.types = std::string(1, c);
      ++i;
      if (c == 'a' && i < sig.size() && sig[i] == '<') {
        auto end = sig.find('>', i);
        if (end == std::string_view::npos) break;
        p.of = std::string(sig.substr(i + 1, end - i - 1));
        if (!p.of.empty() && p.of[0] == '(') p.of = p.of.substr(1, p.of.size() - 2);
        i = end + 1;
      }
    }
    params.push_back(std::move(p));
  }
  return params;
}

bool Evaluator::check_args(const Function& f, const std::vector<Param>& params,
                           std::vector<Value>& args, const Value& context, size_t position) {
  std::string letters;
  for (const auto& a : args) letters += type_letter(a);
  // Backtracking match of argument letters against the parameters; `use`
  // records how many arguments each parameter took (0 or more; -1: context).
  std::vector<int> use(params.size(), 0);
  std::function<bool(size_t, size_t)> match = [&](size_t p, size_t a) -> bool {
    if (p == params.size()) return a == letters.size();
    const Param& q = params[p];
    if (a < letters.size() && letter_matches(letters[a], q.types)) {
      size_t end = a + 1;
      if (q.variadic) {
        while (end < letters.size() && letter_matches(letters[end], q.types)) ++end;
      }
      for (size_t e = end; e > a; --e) {
        use[p] = static_cast<int>(e - a);
        if (match(p + 1, e)) return true;
        if (!q.variadic) break;
      }
    }
    if (q.context) {
      use[p] = -1;
      if (match(p + 1, a)) return true;
    }
    if (q.optional) {
      use[p] = 0;
      if (match(p + 1, a)) return true;
    }
    return false;
  };
  if (!match(0, 0)) {
    size_t bad = 1;
    for (size_t i = 0; i < letters.size() && i < params.size(); ++i) {
      if (!letter_matches(letters[i], params[i].types)) {
        bad = i + 1;
        break;
      }
      bad = i + 2;
    }
    fail("T0410",
         "Argument " + std::to_string(bad) + " of function \"" + f.name +
             "\" does not match function signature",
         position);
    return false;
  }
  std::vector<Value> out;
  size_t a = 0;
  for (size_t p = 0; p < params.size(); ++p) {
    const Param& q = params[p];
    if (use[p] == -1) {
      if (!letter_matches(type_letter(context), q.types)) {
        fail("T0411",
             "Context value is not a compatible type with argument " + std::to_string(p + 1) +
                 " of function \"" + f.name + "\"",
             position);
        return false;
      }
      out.push_back(context);
      continue;
    }
    if (use[p] == 0) {
      out.emplace_back();
      continue;
    }
    for (int k = 0; k < use[p]; ++k) out.push_back(std::move(args[a++]));
  }
  // Arrays: a single value is an array of one; typed arrays checked item by item.
  for (size_t p = 0, i = 0; p < params.size() && i < out.size(); ++p) {
    size_t n = use[p] > 1 ? static_cast<size_t>(use[p]) : 1;
    for (size_t k = 0; k < n && i < out.size(); ++k, ++i) {
      Value& v = out[i];
      const Param& q = params[p];
      if (q.types != "a" || v.undefined()) continue;
      if (!v.is_array()) {
        if (v.is_function()) continue;
        json::array one;
        one.push_back(std::move(v.json));
        v = Value(json::value(std::move(one)));
      }
      if (!q.of.empty()) {
        for (const auto& item : v.json.get_array()) {
          if (!letter_matches(type_letter(Value(item)), q.of)) {
            fail("T0412",
                 "Argument " + std::to_string(i + 1) + " of function \"" + f.name +
                     "\" must be an array of \"" + q.of + "\"",
                 position);
            return false;
          }
        }
      }
    }
  }
  args = std::move(out);
  return true;
}

}  // namespace nimbus::jsonata
