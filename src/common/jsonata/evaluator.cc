// The evaluator's walk over the AST: paths and their sequence semantics,
// operators, constructors, blocks, bindings and function calls.
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

#define EVAL_TRY(v, expr) \
  Value v = (expr);       \
  if (failed()) return {  \
    }

Evaluator::Evaluator(const Options& options, const json::value* input)
    : options_(options), globals_(new Env) {
  if (input != nullptr) root_ = Value(*input);
  globals_->vars.emplace("$", root_);
  for (const auto& [name, value] : options.variables) globals_->vars.emplace(name, Value(value));
}

Evaluator::~Evaluator() {
  for (auto& w : function_envs_) {
    if (auto env = w.lock()) env->vars.clear();
  }
}

void Evaluator::holds_function(const std::shared_ptr<Env>& env) {
  if (function_envs_.size() >= 1024 && function_envs_.size() % 1024 == 0) {
    std::erase_if(function_envs_, [](const std::weak_ptr<Env>& w) { return w.expired(); });
  }
  function_envs_.push_back(env);
}

void Evaluator::fail(std::string code, std::string message, size_t position) {
  if (!error_) error_ = Error{std::move(code), std::move(message), position};
}

bool Evaluator::count(uint64_t n) {
  steps_ += n;
  if (steps_ > options_.max_steps) {
    fail("U1002", "Expression evaluation took too many steps");
    return false;
  }
  return !failed();
}

double Evaluator::random() {
  if (options_.random) return options_.random();
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(gen);
}

Value Evaluator::run(const Node& root) {
  char here = 0;
  stack_base_ = reinterpret_cast<uintptr_t>(&here);
  Value v = eval(root, root_, globals_);
  if (failed()) return {};
  return unwrap(std::move(v));
}

Value Evaluator::eval(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  if (failed() || !count()) return {};
  char here = 0;
  auto used = stack_base_ - reinterpret_cast<uintptr_t>(&here);  // stacks grow down
  if (++depth_ > options_.max_depth || used > options_.max_stack_bytes) {
    fail("U1001", "Stack overflow error: check for non-terminating recursive function", n.position);
    --depth_;
    return {};
  }
  Value result = eval_bare(n, input, env);
  if (n.type != NodeType::kPath) {
    for (const auto& p : n.predicates) {
      if (failed()) break;
      result = filter(*p, result, env);
    }
  }
  if (n.group && n.type != NodeType::kPath && !failed()) result = group(*n.group, result, env);
  --depth_;
  if (failed()) return {};
  if (result.is_array() && result.sequence) {
    if (n.keep_array) result.keep_singleton = true;
    return unwrap(std::move(result));
  }
  return result;
}

Value Evaluator::eval_bare(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  switch (n.type) {
    case NodeType::kNumber:
      return number(n.number);
    case NodeType::kString:
      return Value(json::value(n.text));
    case NodeType::kBool:
      return Value(json::value(n.boolean));
    case NodeType::kNull:
      return Value(json::value(nullptr));
    case NodeType::kName:
      return lookup(input, n.text);
    case NodeType::kVariable:
      return variable(n, input, env);
    case NodeType::kWildcard: {
      Value out = Value::seq();
      auto& arr = out.json.get_array();
      auto add = [&](const json::value& v) {
        if (v.is_array()) {
          // flattened all the way down, as JSONata's wildcard does
          std::function<void(const json::value&)> rec = [&](const json::value& x) {
            if (x.is_array()) {
              for (const auto& y : x.get_array()) rec(y);
            } else {
              arr.push_back(x);
            }
          };
          rec(v);
        } else {
          arr.push_back(v);
        }
      };
      if (input.is_json() && input.json.is_object()) {
        for (const auto& [k, v] : input.json.get_object()) add(v);
      } else if (input.is_array()) {
        for (const auto& item : input.json.get_array()) {
          if (item.is_object()) {
            for (const auto& [k, v] : item.get_object()) add(v);
          }
        }
      }
      count(arr.size());
      return out;
    }
    case NodeType::kDescendant: {
      if (!input.is_json()) return {};
      Value out = Value::seq();
      auto& arr = out.json.get_array();
      std::function<void(const json::value&, int)> rec = [&](const json::value& x, int depth) {
        if (failed() || depth > options_.max_depth || !count()) return;
        if (!x.is_array()) arr.push_back(x);
        if (x.is_array()) {
          for (const auto& y : x.get_array()) rec(y, depth + 1);
        } else if (x.is_object()) {
          for (const auto& [k, y] : x.get_object()) rec(y, depth + 1);
        }
      };
      rec(input.json, 0);
      return out;
    }
    case NodeType::kPath:
      return path(n, input, env);
    case NodeType::kSort:
      return sort(n, input, env);
    case NodeType::kBinary:
      return binary(n, input, env);
    case NodeType::kNegate: {
      EVAL_TRY(v, eval(*n.kids[0], input, env));
      if (v.undefined()) return {};
      if (!v.is_number()) {
        fail("D1002", "Cannot negate a non-numeric value", n.position);
        return {};
      }
      return number(-v.number());
    }
    case NodeType::kArray:
      return array(n, input, env);
    case NodeType::kObject:
      return group(n, input, env);
    case NodeType::kBlock: {
      std::shared_ptr<Env> scope(new Env);  // not make_shared: a weak_ptr may outlive it
      scope->parent = env;
      Value last;
      for (const auto& k : n.kids) {
        last = eval(*k, input, scope);
        if (failed()) return {};
      }
      return last;
    }
    case NodeType::kCondition: {
      EVAL_TRY(c, eval(*n.kids[0], input, env));
      if (truthy(c)) return eval(*n.kids[1], input, env);
      if (n.kids.size() > 2) return eval(*n.kids[2], input, env);
      return {};
    }
    case NodeType::kBind: {
      EVAL_TRY(v, eval(*n.kids[0], input, env));
      if (v.is_function()) holds_function(env);
      env->vars[n.text] = v;
      return v;
    }
    case NodeType::kCall:
      return call(n, input, env, nullptr);
    case NodeType::kLambda: {
      auto f = std::make_shared<Function>();
      f->lambda = &n;
      f->closure = env;
      f->input = input;
      return Value::function(std::move(f));
    }
    case NodeType::kApply: {
      EVAL_TRY(lhs, eval(*n.kids[0], input, env));
      const Node& rhs = *n.kids[1];
      if (rhs.type == NodeType::kCall) return call(rhs, input, env, &lhs);
      EVAL_TRY(f, eval(rhs, input, env));
      if (!f.is_function()) {
        fail("T2006", "The right side of the function application operator ~> must be a function",
             n.position);
        return {};
      }
      if (lhs.is_function()) {  // f ~> g: the composition
        auto c = std::make_shared<Function>();
        c->chain = {lhs, f};
        return Value::function(std::move(c));
      }
      return apply(f, {lhs}, input, n.position);
    }
    case NodeType::kRange:
      return range(n, input, env);
    case NodeType::kPlaceholder:  // only a call's argument; call() reads it
      return {};
    case NodeType::kTransform: {
      auto f = std::make_shared<Function>();
      f->transform = &n;
      f->closure = env;
      return Value::function(std::move(f));
    }
    case NodeType::kRegex: {
      auto f = std::make_shared<Function>();
      f->regex = n.regex;
      return Value::function(std::move(f));
    }
    case NodeType::kParent:
      if (const Value* v = env->find(n.slot->label)) return *v;
      return {};
    case NodeType::kIndexStage:  // only a tuple step's stage; stages() reads it
      return {};
  }
  return {};
}

Value Evaluator::variable(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  if (n.text.empty()) return input;
  if (const Value* v = env->find(n.text)) return *v;
  auto native = options_.functions.find(n.text);
  if (native != options_.functions.end()) {
    auto f = std::make_shared<Function>();
    f->native = &native->second;
    f->name = n.text;
    return Value::function(std::move(f));
  }
  if (const Builtin* b = find_builtin(n.text)) {
    auto f = std::make_shared<Function>();
    f->builtin = b;
    f->name = n.text;
    return Value::function(std::move(f));
  }
  return {};
}

Value Evaluator::path(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  std::optional<std::vector<Tuple>> tuples;
  Value result = walk(n, input, env, tuples);
  if (failed()) return {};
  if (tuples) {
    if (n.group) return group_tuples(*n.group, *tuples, env);
    result = Value::seq();
    for (auto& t : *tuples) {
      auto& focus = t["@"];
      if (focus.is_json()) result.json.get_array().push_back(std::move(focus.json));
    }
  }
  if (n.keep_array && result.is_array()) {
    if (result.cons && !result.sequence) {
      Value s = Value::seq();
      s.json.get_array().push_back(std::move(result.json));
      result = std::move(s);
    }
    result.sequence = true;
    result.keep_singleton = true;
  }
  if (n.group) result = group(*n.group, result, env);
  return result;
}

Value Evaluator::walk(const Node& n, const Value& input, const std::shared_ptr<Env>& env,
                      std::optional<std::vector<Tuple>>& tuples) {
  Value items;
  if (input.is_array() && n.kids[0]->type != NodeType::kVariable) {
    items = input;
  } else {
    items = Value::seq();
    if (!input.undefined()) {
      if (input.is_function()) {
        items = input;
      } else {
        items.json.get_array().push_back(input.json);
      }
    }
  }
  Value result;
  bool tuple_mode = false;
  for (size_t i = 0; i < n.kids.size(); ++i) {
    const Node& s = *n.kids[i];
    tuple_mode = tuple_mode || s.tuple;
    if (i == 0 && s.cons_array) {
      result = eval(s, items, env);
    } else if (tuple_mode) {
      tuples = tuple_step(s, items, tuples ? &*tuples : nullptr, env);
    } else if (s.type == NodeType::kSort) {
      result = sort(s, items, env);
    } else {
      result = step(s, items, i + 1 == n.kids.size(), env);
    }
    if (failed()) return {};
    if (!tuple_mode &&
        (result.undefined() || (result.is_array() && result.json.get_array().empty())))
      break;
    if (s.focus.empty()) items = result;
  }
  if (tuple_mode && !tuples) tuples.emplace();
  return result;
}

Value Evaluator::step(const Node& n, const Value& items, bool last,
                      const std::shared_ptr<Env>& env) {
  std::vector<Value> results;
  auto one = [&](const Value& item) {
    Value r = eval_bare(n, item, env);
    for (const auto& p : n.predicates) {
      if (failed()) break;
      r = filter(*p, r, env);
    }
    if (n.group && n.type != NodeType::kPath && !failed()) r = group(*n.group, r, env);
    if (!r.undefined() && !failed()) results.push_back(std::move(r));
  };
  if (++depth_ > options_.max_depth) {
    fail("U1001", "Stack overflow error: check for non-terminating recursive function", n.position);
  } else if (items.is_array()) {
    for (const auto& item : items.json.get_array()) {
      if (failed()) break;
      one(Value(item));
    }
  } else {
    one(items);
  }
  --depth_;
  if (failed()) return {};
  if (last && results.size() == 1 && results[0].is_array() && !results[0].sequence) {
    return results[0];
  }
  Value out = Value::seq();
  auto& arr = out.json.get_array();
  for (auto& r : results) {
    if (r.is_function()) {
      if (results.size() == 1) return r;
      continue;
    }
    if (!r.is_array() || r.cons) {
      arr.push_back(std::move(r.json));
    } else {
      for (auto& x : r.json.get_array()) arr.push_back(std::move(x));
    }
  }
  count(arr.size());
  return out;
}

Value Evaluator::filter(const Node& pred, const Value& input, const std::shared_ptr<Env>& env) {
  Value out = Value::seq();
  if (input.undefined()) return out;
  json::array items;
  if (input.is_array()) {
    items = input.json.get_array();
  } else if (input.is_json()) {
    items.push_back(input.json);
  }
  auto& arr = out.json.get_array();
  auto len = static_cast<int64_t>(items.size());
  auto index_of = [&](double d) -> int64_t {
    if (!(std::fabs(d) < 1e15)) return -1;  // NaN, Infinity, far out: no item
    auto i = static_cast<int64_t>(std::floor(d));
    return i < 0 ? len + i : i;
  };
  if (pred.type == NodeType::kNumber && pred.predicates.empty()) {
    int64_t i = index_of(pred.number);
    if (i >= 0 && i < len) {
      const json::value& item = items[static_cast<size_t>(i)];
      if (item.is_array()) return Value(item);  // as JSONata: the picked array itself
      arr.push_back(item);
    }
    return out;
  }
  for (int64_t i = 0; i < len; ++i) {
    const json::value& item = items[static_cast<size_t>(i)];
    Value r = eval(pred, Value(item), env);
    if (failed()) return {};
    if (selects(r, i, len)) arr.push_back(item);
  }
  return out;
}

bool selects(const Value& r, int64_t index, int64_t length) {
  auto index_of = [&](double d) -> int64_t {
    if (!(std::fabs(d) < 1e15)) return -1;  // NaN, Infinity, far out: no item
    auto i = static_cast<int64_t>(std::floor(d));
    return i < 0 ? length + i : i;
  };
  if (r.is_number()) return index_of(r.number()) == index;
  bool numbers = r.is_array() && !r.json.get_array().empty() &&
                 std::all_of(r.json.get_array().begin(), r.json.get_array().end(),
                             [](const json::value& x) { return x.is_number(); });
  if (numbers) {
    return std::any_of(
        r.json.get_array().begin(), r.json.get_array().end(),
        [&](const json::value& x) { return index_of(x.to_number<double>()) == index; });
  }
  return truthy(r);
}

Value Evaluator::sort(const Node& n, const Value& items, const std::shared_ptr<Env>& env) {
  std::vector<json::value> list;
  if (items.is_array()) {
    for (const auto& x : items.json.get_array()) list.push_back(x);
  } else if (items.is_json()) {
    list.push_back(items.json);
  }
  auto order = sort_order(
      n, list.size(), [&](size_t i, const Node& term) { return eval(term, Value(list[i]), env); });
  if (failed()) return {};
  Value out = Value::seq();
  for (size_t i : order) out.json.get_array().push_back(std::move(list[i]));
  return out;
}

std::vector<size_t> Evaluator::sort_order(const Node& n, size_t count,
                                          const std::function<Value(size_t, const Node&)>& key) {
  // Each item's keys, computed once.
  std::vector<std::vector<Value>> keys(count);
  for (size_t i = 0; i < count && !failed(); ++i) {
    for (const auto& term : n.kids) {
      keys[i].push_back(key(i, *term));
      if (failed()) return {};
      const Value& k = keys[i].back();
      if (!k.undefined() && !k.is_number() && !k.is_string()) {
        fail("T2008",
             "The expressions within an order-by clause must evaluate to numeric or string values",
             n.position);
        return {};
      }
    }
  }
  std::vector<size_t> order(count);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  bool mixed = false;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (size_t t = 0; t < n.kids.size(); ++t) {
      const Value& x = keys[a][t];
      const Value& y = keys[b][t];
      if (x.undefined() && y.undefined()) continue;
      if (x.undefined()) return false;
      if (y.undefined()) return true;
      if (x.is_number() != y.is_number()) {
        mixed = true;
        return false;
      }
      int c = 0;
      if (x.is_number()) {
        c = x.number() < y.number() ? -1 : x.number() > y.number() ? 1 : 0;
      } else {
        auto xs = x.json.get_string();
        auto ys = y.json.get_string();
        c = xs < ys ? -1 : xs > ys ? 1 : 0;
      }
      if (c == 0) continue;
      return n.flags[t] ? c > 0 : c < 0;
    }
    return false;
  });
  if (mixed) {
    fail("T2007", "Type mismatch when comparing values in order-by clause", n.position);
    return {};
  }
  return order;
}

Value Evaluator::group(const Node& obj, const Value& input, const std::shared_ptr<Env>& env) {
  json::array items;
  if (input.is_array()) {
    items = input.json.get_array();
  } else if (input.is_json()) {
    items.push_back(input.json);
  }
  bool none = items.empty();  // literal keys still make an object
  auto item = [&](size_t i) { return none ? Value() : Value(items[i]); };
  return group_by(
      obj, none ? 1 : items.size(),
      [&](size_t i) {
        return Context{item(i), env};
      },
      [&](const std::vector<size_t>& members) {
        Value data;
        for (size_t i : members) data = append(std::move(data), item(i));
        return Context{std::move(data), env};
      });
}

Value Evaluator::group_by(const Node& obj, size_t count,
                          const std::function<Context(size_t)>& key_of,
                          const std::function<Context(const std::vector<size_t>&)>& value_of) {
  struct Group {
    std::vector<size_t> members;
    size_t pair = 0;
  };
  std::vector<std::pair<std::string, Group>> groups;
  auto find = [&](const std::string& k) -> Group* {
    for (auto& [key, g] : groups) {
      if (key == k) return &g;
    }
    return nullptr;
  };
  for (size_t i = 0; i < count; ++i) {
    auto [context, scope] = key_of(i);
    for (size_t p = 0; p + 1 < obj.kids.size(); p += 2) {
      Value key = eval(*obj.kids[p], context, scope);
      if (failed()) return {};
      if (key.undefined()) continue;
      if (!key.is_string()) {
        fail("T1003",
             "Key in object structure must evaluate to a string; got: " +
                 to_string(key, false, *this).value_or(""),
             obj.kids[p]->position);
        return {};
      }
      std::string k(key.json.get_string());
      if (Group* g = find(k)) {
        if (g->pair != p) {
          fail("D1009", "Multiple key definitions evaluate to same key: \"" + k + "\"",
               obj.kids[p]->position);
          return {};
        }
        g->members.push_back(i);
      } else {
        groups.push_back({k, Group{{i}, p}});
      }
    }
  }
  json::object out;
  for (auto& [k, g] : groups) {
    auto [context, scope] = value_of(g.members);
    Value v = eval(*obj.kids[g.pair + 1], context, scope);
    if (failed()) return {};
    if (v.is_json()) out[k] = std::move(v.json);
  }
  return Value(json::value(std::move(out)));
}

Value Evaluator::array(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  Value out{json::array()};
  for (const auto& k : n.kids) {
    EVAL_TRY(v, eval(*k, input, env));
    if (v.undefined() || v.is_function()) continue;
    if (k->type == NodeType::kArray) {
      out.json.get_array().push_back(std::move(v.json));
    } else {
      out = append(std::move(out), std::move(v));
    }
  }
  out.sequence = false;
  out.cons = n.cons_array;
  return out;
}

Value Evaluator::range(const Node& n, const Value& input, const std::shared_ptr<Env>& env) {
  EVAL_TRY(lo, eval(*n.kids[0], input, env));
  EVAL_TRY(hi, eval(*n.kids[1], input, env));
  auto integer = [](const Value& v) {
    return v.is_number() && std::floor(v.number()) == v.number() && std::isfinite(v.number());
  };
  if (!lo.undefined() && !integer(lo)) {
    fail("T2003", "The left side of the range operator (..) must evaluate to an integer",
         n.position);
    return {};
  }
  if (!hi.undefined() && !integer(hi)) {
    fail("T2004", "The right side of the range operator (..) must evaluate to an integer",
         n.position);
    return {};
  }
  if (lo.undefined() || hi.undefined()) return {};
  double a = lo.number();
  double b = hi.number();
  if (a > b) return {};
  if (b - a >= 1e7) {
    fail("D2014",
         "The size of the sequence allocated by the range operator (..) must not exceed 1e7",
         n.position);
    return {};
  }
  if (!count(static_cast<uint64_t>(b - a + 1))) return {};
  json::array out;
  out.reserve(static_cast<size_t>(b - a + 1));
  for (double x = a; x <= b; ++x) out.push_back(x);
  return Value(json::value(std::move(out)));
}

}  // namespace nimbus::jsonata
