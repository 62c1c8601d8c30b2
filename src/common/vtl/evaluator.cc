// Rendering: walks the tree of ast.h with the caller's variables, the
// template's own (#set), host objects and the bounds of Context.
#include <cmath>
#include <limits>

#include "common/vtl/ast.h"
#include "common/vtl/values.h"

namespace nimbus::vtl {

namespace {

namespace json = boost::json;

// A value as evaluation sees it: nothing (null/undefined), a JSON value
// (owned, or borrowed from where a variable holds it; `mut` when it may
// change), or a host object. A borrowed value lives until the next
// evaluation that may change variables, so callers own() what they keep.
struct Val {
  std::optional<json::value> own;
  const json::value* p = nullptr;
  json::value* mut = nullptr;
  const HostObject* host = nullptr;

  bool none() const { return p == nullptr && host == nullptr; }
  const json::value* get() const { return p; }
  void set(json::value v) {
    own = std::move(v);
    p = &*own;
    mut = nullptr;
    host = nullptr;
  }
  void borrow(const json::value* v, json::value* m) {
    own.reset();
    p = v;
    mut = m;
    host = nullptr;
  }
  void clear() { *this = Val{}; }
  // The value, owned: copies a borrowed one.
  std::optional<json::value> take() {
    if (p == nullptr) return std::nullopt;
    if (own && p == &*own) return std::move(*own);
    return *p;
  }
  void own_it() {
    if (p != nullptr && !(own && p == &*own)) set(*p);
  }
};

struct Stop {};  // #stop

class Renderer {
 public:
  explicit Renderer(const Context& ctx) : ctx_(ctx) {}

  std::variant<std::string, Error> run(const Block& body, Template::Variables* assigned) {
    if (!block(body) && !stopped_ && !breaking_) return *error_;
    // (#break outside a loop ends the template, as #stop.)
    if (assigned != nullptr) *assigned = std::move(locals_);
    return std::move(out_);
  }

 private:
  const Context& ctx_;
  std::map<std::string, json::value, std::less<>> locals_;
  std::string out_;
  uint64_t steps_ = 0;
  bool breaking_ = false;
  bool stopped_ = false;
  std::optional<Error> error_;

  bool fail(std::string message, const Ref* at = nullptr) {
    Error e;
    e.message = std::move(message);
    if (at != nullptr) {
      e.line = at->line;
      e.column = at->column;
    }
    error_ = std::move(e);
    return false;
  }
  bool step() {
    if (++steps_ > ctx_.max_steps) return fail("the template took too many steps");
    return true;
  }
  bool emit(std::string_view s, std::string* into) {
    std::string& out = into != nullptr ? *into : out_;
    if (out.size() + s.size() > ctx_.max_output) return fail("the template's output is too large");
    out.append(s);
    return true;
  }
  static bool truth(const Val& v) {
    return v.host != nullptr ||
           (v.p != nullptr && !v.p->is_null() && !(v.p->is_bool() && !v.p->get_bool()));
  }

  // Renders `body` into `into` (null: the output). false on an error, a
  // #stop, or (with breaking_) a #break.
  bool block(const Block& body, std::string* into = nullptr) {
    for (const Node& n : body) {
      if (!step()) return false;
      switch (n.kind) {
        case Node::Kind::kText:
          if (!emit(n.text, into)) return false;
          break;
        case Node::Kind::kRef: {
          Val v;
          if (!reference(n.ref, v)) return false;
          if (v.p != nullptr) {
            if (!emit(to_text(*v.p), into)) return false;
          } else if (!n.ref.quiet) {
            if (!emit(n.ref.source, into)) return false;
          }
          break;
        }
        case Node::Kind::kSet:
          if (!set(n)) return false;
          break;
        case Node::Kind::kIf:
          for (size_t i = 0; i < n.blocks.size(); ++i) {
            bool take = true;
            if (i < n.conditions.size()) {
              Val c;
              if (!eval(*n.conditions[i], c)) return false;
              take = truth(c);
            }
            if (take) {
              if (!block(n.blocks[i], into)) return false;
              break;
            }
          }
          break;
        case Node::Kind::kForeach:
          if (!foreach (n, into)) return false;
          break;
        case Node::Kind::kBreak:
          breaking_ = true;
          return false;
        case Node::Kind::kStop:
          stopped_ = true;
          return false;
      }
    }
    return true;
  }

  bool foreach (const Node& n, std::string * into) {
    Val coll;
    if (!eval(*n.value, coll)) return false;
    auto value = coll.take();
    if (!value || value->is_null()) return true;
    json::array items;
    if (value->is_array()) {
      items = std::move(value->as_array());
    } else if (value->is_object()) {
      for (auto& [k, v] : value->as_object()) items.push_back(std::move(v));
    } else {
      items.push_back(std::move(*value));  // Velocity iterates a lone value once
    }
    if (items.size() > ctx_.max_loop)
      return fail("#foreach over more than " + std::to_string(ctx_.max_loop) + " items");
    auto saved_var = local(n.var);
    auto saved_foreach = local("foreach");
    auto saved_count = local("velocityCount");
    bool ok = true;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!step()) {
        ok = false;
        break;
      }
      locals_[n.var] = items[i];
      locals_["foreach"] = json::object{{"index", i},
                                        {"count", i + 1},
                                        {"hasNext", i + 1 < items.size()},
                                        {"first", i == 0},
                                        {"last", i + 1 == items.size()}};
      locals_["velocityCount"] = i + 1;
      if (!block(n.blocks[0], into)) {
        if (breaking_ && !stopped_) {
          breaking_ = false;
        } else {
          ok = false;
        }
        break;
      }
    }
    restore(n.var, std::move(saved_var));
    restore("foreach", std::move(saved_foreach));
    restore("velocityCount", std::move(saved_count));
    return ok;
  }

  std::optional<json::value> local(const std::string& name) {
    auto it = locals_.find(name);
    if (it == locals_.end()) return std::nullopt;
    return it->second;
  }
  void restore(const std::string& name, std::optional<json::value> v) {
    if (v) {
      locals_[name] = std::move(*v);
    } else {
      locals_.erase(name);
    }
  }

  bool set(const Node& n) {
    Val v;
    if (!eval(*n.value, v)) return false;
    if (v.host != nullptr) return fail("#set cannot hold $" + n.ref.root, &n.ref);
    auto value = v.take();
    // Velocity 1.7 leaves the target as it was when the value is null.
    if (!value || value->is_null()) return true;
    // Evaluate the indexes first: they may change variables.
    std::vector<std::optional<json::value>> indexes;
    for (const auto& s : n.ref.steps) {
      Val index;
      if (s.kind == Ref::Step::Kind::kIndex && !eval(*s.index, index)) return false;
      indexes.push_back(index.take());
    }
    if (too_big(*value, kMaxValueDepth - static_cast<int>(n.ref.steps.size())))
      return fail("a value nests too deeply or is too large", &n.ref);
    if (n.ref.steps.empty()) {
      locals_[n.ref.root] = std::move(*value);
      return true;
    }
    // $a.b.c = v: the target's container is a map (or a list by index).
    if (locals_.find(n.ref.root) == locals_.end()) {
      auto it = ctx_.variables.find(n.ref.root);
      if (it == ctx_.variables.end()) return true;
      locals_[n.ref.root] = it->second;
    }
    json::value* target = &locals_[n.ref.root];
    for (size_t i = 0; i < n.ref.steps.size(); ++i) {
      const auto& s = n.ref.steps[i];
      bool last = i + 1 == n.ref.steps.size();
      json::value* next = nullptr;
      if (s.kind == Ref::Step::Kind::kProperty || (indexes[i] && indexes[i]->is_string())) {
        if (!target->is_object()) return true;
        std::string key =
            s.kind == Ref::Step::Kind::kProperty ? s.name : std::string(indexes[i]->as_string());
        if (last) {
          target->as_object()[key] = std::move(*value);
          return true;
        }
        next = target->as_object().if_contains(key);
      } else if (indexes[i] && indexes[i]->is_int64() && target->is_array()) {
        auto& a = target->as_array();
        int64_t k = indexes[i]->as_int64();
        if (k < 0) k += static_cast<int64_t>(a.size());
        if (k >= 0 && static_cast<size_t>(k) < a.size()) next = &a[static_cast<size_t>(k)];
      }
      if (next == nullptr) return true;
      if (last) {
        *next = std::move(*value);
        return true;
      }
      target = next;
    }
    return true;
  }

  bool reference(const Ref& ref, Val& out) {
    // Arguments and indexes first (Velocity's order differs only when they
    // change the variables the reference reads).
    std::vector<std::vector<json::value>> args(ref.steps.size());
    std::vector<std::optional<json::value>> indexes(ref.steps.size());
    for (size_t i = 0; i < ref.steps.size(); ++i) {
      const auto& s = ref.steps[i];
      for (const auto& a : s.args) {
        Val av;
        if (!eval(*a, av)) return false;
        if (av.host != nullptr) return fail("a host object cannot be an argument", &ref);
        auto v = av.take();
        args[i].push_back(v ? std::move(*v) : json::value(nullptr));
      }
      if (s.kind == Ref::Step::Kind::kIndex) {
        Val iv;
        if (!eval(*s.index, iv)) return false;
        indexes[i] = iv.take();
      }
    }
    out.clear();
    if (auto it = locals_.find(ref.root); it != locals_.end()) {
      out.borrow(&it->second, &it->second);
    } else if (auto vit = ctx_.variables.find(ref.root); vit != ctx_.variables.end()) {
      out.borrow(&vit->second, nullptr);
    } else if (auto oit = ctx_.objects.find(ref.root); oit != ctx_.objects.end()) {
      out.host = oit->second;
    }
    for (size_t i = 0; i < ref.steps.size(); ++i) {
      const auto& s = ref.steps[i];
      if (!step()) return false;
      if (out.none()) return true;
      if (out.host != nullptr) {
        if (s.kind == Ref::Step::Kind::kIndex) {
          out.clear();
          return true;
        }
        if (!answered(out.host->call(s.name, args[i], s.kind == Ref::Step::Kind::kProperty), out,
                      nullptr))
          return false;
        continue;
      }
      const json::value& self = *out.p;
      if (s.kind == Ref::Step::Kind::kIndex ||
          (s.kind == Ref::Step::Kind::kProperty && self.is_object())) {
        const json::value* found = nullptr;
        json::value* found_mut = nullptr;
        std::optional<json::value> key = s.kind == Ref::Step::Kind::kIndex
                                             ? indexes[i]
                                             : std::optional<json::value>(json::string(s.name));
        if (key && self.is_array() && key->is_int64()) {
          const auto& a = self.as_array();
          int64_t k = key->as_int64();
          if (k < 0) k += static_cast<int64_t>(a.size());
          if (k >= 0 && static_cast<size_t>(k) < a.size()) {
            found = &a[static_cast<size_t>(k)];
            if (out.mut != nullptr) found_mut = &out.mut->as_array()[static_cast<size_t>(k)];
          }
        } else if (key && self.is_object() && key->is_string()) {
          found = self.as_object().if_contains(key->as_string());
          if (out.mut != nullptr) found_mut = out.mut->as_object().if_contains(key->as_string());
        }
        if (found == nullptr || found->is_null()) {
          out.clear();
          continue;
        }
        if (out.own && out.p == &*out.own) {
          json::value copy = *found;  // `found` lives inside what we own
          out.set(std::move(copy));
        } else {
          out.borrow(found, found_mut);
        }
        continue;
      }
      for (const auto& a : args[i]) {
        if (too_big(a, kMaxValueDepth - 2 - static_cast<int>(i)))
          return fail("a value nests too deeply or is too large", &ref);
      }
      if (!answered(call_method(self, out.mut, s.name, args[i], ctx_.max_output), out, &ref))
        return false;
    }
    if (out.p != nullptr && out.p->is_null()) out.clear();
    return true;
  }

  // A method's answer into `out` (null is nothing); false with its error.
  bool answered(HostObject::Answer answer, Val& out, const Ref* at) {
    if (auto* e = std::get_if<Error>(&answer)) {
      error_ = std::move(*e);
      if (at != nullptr) {
        error_->line = at->line;
        error_->column = at->column;
      }
      return false;
    }
    auto& v = std::get<0>(answer);
    if (v && !v->is_null()) {
      out.set(std::move(*v));
    } else {
      out.clear();
    }
    return true;
  }

  // An operand evaluated and owned (the next evaluation may change variables).
  bool operand(const Expr& e, Val& out) {
    if (!eval(e, out)) return false;
    out.own_it();
    return true;
  }

  bool eval(const Expr& e, Val& out) {
    if (!step()) return false;
    switch (e.kind) {
      case Expr::Kind::kLiteral:
        if (!e.literal.is_null()) out.borrow(&e.literal, nullptr);
        return true;
      case Expr::Kind::kString: {
        std::string s;
        if (!block(*e.body, &s)) {
          if (stopped_ || breaking_) {
            stopped_ = breaking_ = false;
            return fail("#stop or #break inside a string");
          }
          return false;
        }
        out.set(json::string(s));
        return true;
      }
      case Expr::Kind::kRef:
        return reference(e.ref, out);
      case Expr::Kind::kList: {
        json::array a;
        for (const auto& item : e.items) {
          Val v;
          if (!eval(*item, v)) return false;
          auto x = v.take();
          if (x && too_big(*x, kMaxValueDepth - 1))
            return fail("a value nests too deeply or is too large");
          a.push_back(x ? std::move(*x) : json::value(nullptr));
        }
        out.set(std::move(a));
        return true;
      }
      case Expr::Kind::kRange: {
        Val a, b;
        if (!operand(*e.a, a) || !operand(*e.b, b)) return false;
        auto from = integer(a), to = integer(b);
        if (!from || !to) return fail("a range needs integer bounds");
        double n = std::abs(static_cast<double>(*to) - static_cast<double>(*from)) + 1;
        if (n > static_cast<double>(ctx_.max_loop))
          return fail("a range of more than " + std::to_string(ctx_.max_loop) + " items");
        json::array r;
        int64_t dir = *to >= *from ? 1 : -1;
        for (int64_t i = *from;; i += dir) {
          r.push_back(i);
          if (i == *to) break;
        }
        out.set(std::move(r));
        return true;
      }
      case Expr::Kind::kMap: {
        json::object o;
        for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
          Val k, v;
          if (!operand(*e.items[i], k) || !eval(*e.items[i + 1], v)) return false;
          auto x = v.take();
          if (x && too_big(*x, kMaxValueDepth - 1))
            return fail("a value nests too deeply or is too large");
          o[k.p != nullptr ? to_text(*k.p) : std::string("null")] =
              x ? std::move(*x) : json::value(nullptr);
        }
        out.set(std::move(o));
        return true;
      }
      case Expr::Kind::kNot: {
        Val a;
        if (!eval(*e.a, a)) return false;
        out.set(!truth(a));
        return true;
      }
      case Expr::Kind::kNeg: {
        Val a;
        if (!eval(*e.a, a)) return false;
        if (a.p != nullptr && a.p->is_int64() &&
            a.p->as_int64() != std::numeric_limits<int64_t>::min()) {
          out.set(-a.p->as_int64());
        } else if (a.p != nullptr && a.p->is_number()) {
          out.set(-a.p->to_number<double>());
        }
        return true;
      }
      case Expr::Kind::kBinary:
        return binary(e, out);
    }
    return true;
  }

  static std::optional<int64_t> integer(const Val& v) {
    if (v.p == nullptr) return std::nullopt;
    if (v.p->is_int64()) return v.p->as_int64();
    if (v.p->is_uint64() &&
        v.p->as_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return static_cast<int64_t>(v.p->as_uint64());
    return std::nullopt;
  }

  static bool equal(const Val& a, const Val& b) {
    if (a.p == nullptr || b.p == nullptr)
      return a.p == nullptr && b.p == nullptr && a.host == b.host;
    if (a.p->is_number() && b.p->is_number()) {
      auto ia = integer(a), ib = integer(b);
      if (ia && ib) return *ia == *ib;
      return a.p->to_number<double>() == b.p->to_number<double>();
    }
    if (a.p->kind() == b.p->kind()) return *a.p == *b.p;
    return to_text(*a.p) == to_text(*b.p);  // Velocity compares other kinds by toString
  }

  bool binary(const Expr& e, Val& out) {
    Val a;
    if (!operand(*e.a, a)) return false;
    if (e.op == "||" || e.op == "&&") {
      bool left = truth(a);
      if (e.op == "||" ? left : !left) {
        out.set(left);
        return true;
      }
      Val b;
      if (!eval(*e.b, b)) return false;
      out.set(truth(b));
      return true;
    }
    Val b;
    if (!eval(*e.b, b)) return false;
    if (e.op == "==" || e.op == "!=") {
      out.set(equal(a, b) == (e.op == "=="));
      return true;
    }
    const json::value* x = a.p;
    const json::value* y = b.p;
    if (e.op == "+" && ((x != nullptr && x->is_string()) || (y != nullptr && y->is_string()))) {
      if (x == nullptr || y == nullptr) return true;  // null + "x" is null
      std::string s = to_text(*x);
      std::string t = to_text(*y);
      if (s.size() + t.size() > ctx_.max_output) return fail("the template's output is too large");
      out.set(json::string(s + t));
      return true;
    }
    if (x == nullptr || y == nullptr || !x->is_number() || !y->is_number()) {
      // Velocity logs these and goes on: a comparison is false, arithmetic null.
      if (e.op == "<" || e.op == "<=" || e.op == ">" || e.op == ">=") out.set(false);
      return true;
    }
    auto ia = integer(a), ib = integer(b);
    bool ints = ia && ib;
    double da = x->to_number<double>(), db = y->to_number<double>();
    if (e.op == "<") return out.set(ints ? *ia < *ib : da < db), true;
    if (e.op == "<=") return out.set(ints ? *ia <= *ib : da <= db), true;
    if (e.op == ">") return out.set(ints ? *ia > *ib : da > db), true;
    if (e.op == ">=") return out.set(ints ? *ia >= *ib : da >= db), true;
    if (ints) {
      int64_t r = 0;
      bool overflow = false;
      if (e.op == "+") {
        overflow = __builtin_add_overflow(*ia, *ib, &r);
      } else if (e.op == "-") {
        overflow = __builtin_sub_overflow(*ia, *ib, &r);
      } else if (e.op == "*") {
        overflow = __builtin_mul_overflow(*ia, *ib, &r);
      } else if (*ib == 0) {
        return true;  // division by zero: null
      } else if (*ia == std::numeric_limits<int64_t>::min() && *ib == -1) {
        overflow = true;
      } else {
        r = e.op == "/" ? *ia / *ib : *ia % *ib;
      }
      if (!overflow) {
        out.set(r);
        return true;
      }
    }
    if (e.op == "+") {
      out.set(da + db);
    } else if (e.op == "-") {
      out.set(da - db);
    } else if (e.op == "*") {
      out.set(da * db);
    } else if (db == 0) {
      return true;
    } else if (e.op == "/") {
      out.set(da / db);
    } else {
      out.set(std::fmod(da, db));
    }
    return true;
  }
};

}  // namespace

std::variant<std::string, Error> Template::render(const Context& context,
                                                  Variables* assigned) const {
  if (!body_) return std::string();
  Renderer r(context);
  return r.run(*body_, assigned);
}

}  // namespace nimbus::vtl
