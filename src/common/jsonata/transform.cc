// The transform operator: `| pattern | update [, delete] |` is a function
// that copies its argument, merges `update` into every object `pattern`
// selects in the copy and removes the keys `delete` names, then returns the
// copy. The reference mutates the objects a pattern evaluates to in place;
// here the pattern is walked over the copy itself, so it may be `$` (the
// copy) or a path of field names with predicates (`a.b[c > 1].d`). Other
// patterns are refused (S0299).
#include <cmath>

#include "common/jsonata/eval.h"

namespace nimbus::jsonata {

namespace json = boost::json;

namespace {
// What a step yields from one value: a field of an object, or of each
// object in an array (arrays flattened, as paths do).
void field_of(json::value& from, const std::string& name, std::vector<json::value*>& out) {
  if (auto* o = from.if_object()) {
    if (auto* v = o->if_contains(name)) {
      if (auto* a = v->if_array()) {
        for (auto& x : *a) out.push_back(&x);
      } else {
        out.push_back(v);
      }
    }
  } else if (auto* a = from.if_array()) {
    for (auto& x : *a) field_of(x, name, out);
  }
}
}  // namespace

bool Evaluator::transform_match(const Node& pattern, json::value& root,
                                const std::shared_ptr<Env>& env, std::vector<json::object*>& out) {
  std::vector<json::value*> items;
  if (pattern.type == NodeType::kVariable && pattern.text.empty() && pattern.predicates.empty()) {
    items.push_back(&root);  // `$`
  } else if (pattern.type == NodeType::kPath && !pattern.group) {
    items.push_back(&root);
    for (const auto& s : pattern.kids) {
      if (s->type != NodeType::kName || s->group) return false;
      std::vector<json::value*> next;
      for (json::value* item : items) {
        std::vector<json::value*> found;
        field_of(*item, s->text, found);
        // Predicates filter what one item yielded: a number picks by index
        // (negative from the end), anything else by its truth.
        for (const auto& p : s->predicates) {
          std::vector<json::value*> kept;
          auto len = static_cast<int64_t>(found.size());
          for (int64_t i = 0; i < len; ++i) {
            Value r = eval(*p, Value(*found[static_cast<size_t>(i)]), env);
            if (failed()) return true;
            bool keep = truthy(r);
            if (r.is_number()) {
              double d = std::floor(r.number());
              keep = d == static_cast<double>(i) || (d < 0 && len + static_cast<int64_t>(d) == i);
            }
            if (keep) kept.push_back(found[static_cast<size_t>(i)]);
          }
          found = std::move(kept);
        }
        next.insert(next.end(), found.begin(), found.end());
      }
      items = std::move(next);
    }
  } else {
    return false;
  }
  for (json::value* v : items) {
    if (auto* o = v->if_object()) {
      out.push_back(o);
    } else if (auto* a = v->if_array()) {  // `$` over an array: its objects
      for (auto& x : *a) {
        if (auto* xo = x.if_object()) out.push_back(xo);
      }
    }
  }
  return true;
}

Value Evaluator::transform(const Function& f, const Value& arg, size_t position) {
  if (arg.undefined()) return {};
  if (!arg.is_json() || !(arg.json.is_object() || arg.json.is_array())) {
    fail("T0410", "Argument 1 of function \"transform\" does not match function signature",
         position);
    return {};
  }
  const Node& n = *f.transform;
  json::value copy = arg.json;
  std::vector<json::object*> matches;
  if (!transform_match(*n.kids[0], copy, f.closure, matches)) {
    fail("S0299", "This transform pattern is not supported (a path of field names, or $)",
         n.position);
    return {};
  }
  if (failed()) return {};
  // No pattern match is an ancestor of another (every match sits at the
  // pattern's depth), so changing one leaves the others where they are.
  for (json::object* match : matches) {
    Value update = eval(*n.kids[1], Value(json::value(*match)), f.closure);
    if (failed()) return {};
    if (!update.undefined()) {
      if (!update.is_json() || !update.json.is_object()) {
        fail("T2011",
             "The insert/update clause of the transform expression must evaluate to an object",
             n.position);
        return {};
      }
      for (const auto& [k, v] : update.json.get_object()) (*match)[k] = v;
    }
    if (n.kids.size() > 2) {
      Value del = eval(*n.kids[2], Value(json::value(*match)), f.closure);
      if (failed()) return {};
      if (del.undefined()) continue;
      std::vector<std::string> keys;
      bool strings = del.is_string();
      if (strings) keys.emplace_back(del.json.get_string());
      if (del.is_array()) {
        strings = true;
        for (const auto& k : del.json.get_array()) {
          if (!k.is_string()) strings = false;
          if (strings) keys.emplace_back(k.get_string());
        }
      }
      if (!strings) {
        fail("T2012",
             "The delete clause of the transform expression must evaluate to a string or array "
             "of strings",
             n.position);
        return {};
      }
      for (const auto& k : keys) match->stable_erase(k);  // the others keep their order
    }
  }
  return Value(std::move(copy));
}

}  // namespace nimbus::jsonata
