// Paths as tuple streams: once a step binds a variable (`step@$v` the item,
// `step#$i` its position, or an input that a later `%` reads), the rest of
// the path carries, with each item, the variables bound so far. Each later
// step is evaluated with those variables in scope; its predicates (stages)
// and any `#` after them apply to the whole stream, not per input item, as
// in the reference implementation.
#include <cmath>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

std::shared_ptr<Env> Evaluator::frame(const std::shared_ptr<Env>& env, const Tuple& t) {
  std::shared_ptr<Env> f(new Env);  // not make_shared: a weak_ptr may outlive it
  f->parent = env;
  for (const auto& [name, value] : t) {
    if (name != "@") f->vars.emplace(name, value);
  }
  return f;
}

std::vector<Tuple> Evaluator::tuple_step(const Node& s, const Value& items,
                                         const std::vector<Tuple>* in,
                                         const std::shared_ptr<Env>& env) {
  std::vector<Tuple> out;
  if (s.type == NodeType::kSort) {
    if (in != nullptr) {
      auto order = sort_order(s, in->size(), [&](size_t i, const Node& term) {
        const Tuple& t = (*in)[i];
        return eval(term, t.at("@"), frame(env, t));
      });
      for (size_t i : order) out.push_back((*in)[i]);
    } else {
      Value sorted = sort(s, items, env);
      if (sorted.is_array()) {
        for (auto& x : sorted.json.get_array()) {
          Tuple t{{"@", Value(std::move(x))}};
          if (!s.index.empty()) t[s.index] = number(static_cast<double>(out.size()));
          out.push_back(std::move(t));
        }
      }
    }
    if (failed()) return {};
    stages(s, out, env);
    return out;
  }
  std::vector<Tuple> start;
  if (in == nullptr) {
    if (items.is_array()) {
      for (const auto& x : items.json.get_array()) start.push_back(Tuple{{"@", Value(x)}});
    } else if (!items.undefined()) {
      start.push_back(Tuple{{"@", items}});
    }
    in = &start;
  }
  if (++depth_ > options_.max_depth) {
    fail("U1001", "Stack overflow error: check for non-terminating recursive function", s.position);
  }
  for (const Tuple& t : *in) {
    if (failed() || !count()) break;
    const Value& context = t.at("@");
    Value res;
    std::vector<Tuple> sub;
    if (tuple_result(s, context, frame(env, t), res, sub)) {
      for (auto& bound : sub) {
        Tuple next = t;
        for (auto& [name, value] : bound) next[name] = std::move(value);
        out.push_back(std::move(next));
      }
      continue;
    }
    if (failed()) break;
    if (res.undefined()) continue;
    std::vector<Value> list;
    if (res.is_array()) {
      for (auto& x : res.json.get_array()) list.push_back(Value(std::move(x)));
    } else {
      list.push_back(std::move(res));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      Tuple next = t;
      if (!s.focus.empty()) {
        next[s.focus] = std::move(list[i]);
      } else {
        next["@"] = std::move(list[i]);
      }
      if (!s.index.empty()) next[s.index] = number(static_cast<double>(i));
      if (s.ancestor) next[s.ancestor->label] = context;
      out.push_back(std::move(next));
    }
    count(list.size());
  }
  --depth_;
  if (failed()) return {};
  stages(s, out, env);
  return out;
}

// A step evaluated for one tuple: its own tuples when it is a path (or a
// block ending in one) that carries parents outwards, else its value.
bool Evaluator::tuple_result(const Node& s, const Value& context, const std::shared_ptr<Env>& f,
                             Value& value, std::vector<Tuple>& tuples) {
  if (s.tuple && s.type == NodeType::kPath && !s.group) {
    std::optional<std::vector<Tuple>> t;
    value = walk(s, context, f, t);
    if (!t) {
      value = unwrap(std::move(value));
      return false;
    }
    tuples = std::move(*t);
    return true;
  }
  if (s.tuple && s.type == NodeType::kBlock && !s.kids.empty() && s.predicates.empty() &&
      !s.group) {
    std::shared_ptr<Env> scope(new Env);
    scope->parent = f;
    for (size_t i = 0; i + 1 < s.kids.size(); ++i) {
      eval(*s.kids[i], context, scope);
      if (failed()) return false;
    }
    return tuple_result(*s.kids.back(), context, scope, value, tuples);
  }
  value = eval_bare(s, context, f);
  if (s.group && s.type != NodeType::kPath && !failed()) value = group(*s.group, value, f);
  if (failed()) {
    value = {};
    return false;
  }
  value = unwrap(std::move(value));
  return false;
}

void Evaluator::stages(const Node& s, std::vector<Tuple>& tuples, const std::shared_ptr<Env>& env) {
  for (const auto& p : s.predicates) {
    if (failed()) return;
    if (p->type == NodeType::kIndexStage) {
      for (size_t i = 0; i < tuples.size(); ++i) {
        tuples[i][p->text] = number(static_cast<double>(i));
      }
    } else {
      tuples = filter_tuples(*p, std::move(tuples), env);
    }
  }
}

std::vector<Tuple> Evaluator::filter_tuples(const Node& pred, std::vector<Tuple> tuples,
                                            const std::shared_ptr<Env>& env) {
  std::vector<Tuple> out;
  auto len = static_cast<int64_t>(tuples.size());
  if (pred.type == NodeType::kNumber && pred.predicates.empty()) {
    Value index = number(pred.number);
    for (int64_t i = 0; i < len; ++i) {
      if (selects(index, i, len)) out.push_back(std::move(tuples[static_cast<size_t>(i)]));
    }
    return out;
  }
  for (int64_t i = 0; i < len; ++i) {
    Tuple& t = tuples[static_cast<size_t>(i)];
    Value r = eval(pred, t.at("@"), frame(env, t));
    if (failed()) return {};
    if (selects(r, i, len)) out.push_back(std::move(t));
  }
  return out;
}

// Grouping a tuple stream: a group's value is evaluated with each variable
// bound to the sequence of its values over the group's tuples, "@" the
// context.
Value Evaluator::group_tuples(const Node& obj, const std::vector<Tuple>& tuples,
                              const std::shared_ptr<Env>& env) {
  bool none = tuples.empty();
  return group_by(
      obj, none ? 1 : tuples.size(),
      [&](size_t i) {
        if (none) return Context{Value(), env};
        return Context{tuples[i].at("@"), frame(env, tuples[i])};
      },
      [&](const std::vector<size_t>& members) {
        if (none) return Context{Value(), env};
        Tuple merged = tuples[members[0]];
        for (size_t m = 1; m < members.size(); ++m) {
          for (const auto& [name, value] : tuples[members[m]]) {
            merged[name] = append(std::move(merged[name]), value);
          }
        }
        Value context = std::move(merged["@"]);
        return Context{std::move(context), frame(env, merged)};
      });
}

}  // namespace nimbus::jsonata
