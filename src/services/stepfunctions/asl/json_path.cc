#include "services/stepfunctions/asl/json_path.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <variant>

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

struct Name {
  std::string name;
};
struct Index {
  int64_t index = 0;
};
struct Wildcard {};
struct Deep {
  std::string name;  // empty: every node
};
struct Slice {
  std::optional<int64_t> from, to;
};
struct Union {
  std::vector<int64_t> indexes;
  std::vector<std::string> names;
};
// [?(@.path op literal)] joined by && / ||, evaluated left to right.
struct Comparison {
  std::vector<std::string> path;  // member names under @
  std::string op;                 // empty: the member exists
  json::value literal;
};
struct Filter {
  std::vector<Comparison> terms;
  std::vector<bool> and_next;  // joins term i and i + 1
};

}  // namespace

struct PathStep {
  std::variant<Name, Index, Wildcard, Deep, Slice, Union, Filter> step;
};

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<PathStep>> steps(bool& definite, bool& reference) {
    std::vector<PathStep> out;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '.') {
        ++i_;
        if (i_ < s_.size() && s_[i_] == '.') {
          ++i_;
          definite = reference = false;
          if (i_ < s_.size() && s_[i_] == '*') {
            ++i_;
            out.push_back({Deep{}});
          } else if (i_ < s_.size() && s_[i_] == '[') {
            out.push_back({Deep{}});
          } else {
            std::string n = name();
            if (n.empty()) return fail("a name after '..'");
            out.push_back({Deep{n}});
          }
          continue;
        }
        if (i_ < s_.size() && s_[i_] == '*') {
          ++i_;
          definite = reference = false;
          out.push_back({Wildcard{}});
          continue;
        }
        std::string n = name();
        if (n.empty()) return fail("a name after '.'");
        out.push_back({Name{n}});
      } else if (c == '[') {
        ++i_;
        auto st = bracket(definite, reference);
        if (!st) return st.error();
        out.push_back(std::move(*st));
        if (i_ >= s_.size() || s_[i_] != ']') return fail("']'");
        ++i_;
      } else {
        return fail("'.' or '['");
      }
    }
    return out;
  }

 private:
  Error fail(std::string_view expected) const {
    return Error::validation("expected " + std::string(expected) + " at position " +
                             std::to_string(i_));
  }
  std::string name() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != '.' && s_[i_] != '[' && s_[i_] != ']' && s_[i_] != ' ') ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  void spaces() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  std::optional<std::string> quoted() {
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) return std::nullopt;
    char q = s_[i_++];
    std::string out;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out.push_back(s_[i_++]);
    }
    if (i_ >= s_.size()) return std::nullopt;
    ++i_;
    return out;
  }
  std::optional<int64_t> number() {
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    int64_t v = 0;
    auto r = std::from_chars(s_.data() + start, s_.data() + i_, v);
    if (r.ec != std::errc() || r.ptr != s_.data() + i_) {
      i_ = start;
      return std::nullopt;
    }
    return v;
  }

  Result<PathStep> bracket(bool& definite, bool& reference) {
    spaces();
    if (i_ < s_.size() && s_[i_] == '*') {
      ++i_;
      spaces();
      definite = reference = false;
      return PathStep{Wildcard{}};
    }
    if (i_ < s_.size() && s_[i_] == '?') {
      definite = reference = false;
      return filter();
    }
    if (auto q = quoted()) {
      spaces();
      if (i_ < s_.size() && s_[i_] == ',') {
        Union u{{}, {*q}};
        while (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          spaces();
          auto more = quoted();
          if (!more) return fail("a quoted name");
          u.names.push_back(*more);
          spaces();
        }
        definite = reference = false;
        return PathStep{u};
      }
      return PathStep{Name{*q}};
    }
    std::optional<int64_t> first = number();
    spaces();
    if (i_ < s_.size() && s_[i_] == ':') {
      ++i_;
      spaces();
      Slice sl{first, number()};
      spaces();
      definite = reference = false;
      return PathStep{sl};
    }
    if (!first) return fail("an index, a quoted name, '*', a slice or a filter");
    if (i_ < s_.size() && s_[i_] == ',') {
      Union u{{*first}, {}};
      while (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        spaces();
        auto more = number();
        if (!more) return fail("an index");
        u.indexes.push_back(*more);
        spaces();
      }
      definite = reference = false;
      return PathStep{u};
    }
    return PathStep{Index{*first}};
  }

  Result<PathStep> filter() {
    ++i_;  // ?
    if (i_ >= s_.size() || s_[i_] != '(') return fail("'(' after '?'");
    ++i_;
    Filter f;
    while (true) {
      spaces();
      if (i_ >= s_.size() || s_[i_] != '@') return fail("'@'");
      ++i_;
      Comparison c;
      while (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        size_t start = i_;
        while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                                  s_[i_] == '_' || s_[i_] == '-')) {
          ++i_;
        }
        if (start == i_) return fail("a member name after '@.'");
        c.path.emplace_back(s_.substr(start, i_ - start));
      }
      spaces();
      for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
        if (s_.substr(i_).starts_with(op)) {
          c.op = op;
          i_ += c.op.size();
          break;
        }
      }
      if (!c.op.empty()) {
        spaces();
        if (auto q = quoted()) {
          c.literal = json::string(*q);
        } else {
          size_t start = i_;
          while (i_ < s_.size() && s_[i_] != ')' && s_[i_] != ' ' && s_[i_] != '&' &&
                 s_[i_] != '|') {
            ++i_;
          }
          json::error_code ec;
          c.literal = json::parse(s_.substr(start, i_ - start), ec);
          if (ec || c.literal.is_structured()) return fail("a literal");
        }
      }
      f.terms.push_back(std::move(c));
      spaces();
      if (s_.substr(i_).starts_with("&&") || s_.substr(i_).starts_with("||")) {
        f.and_next.push_back(s_[i_] == '&');
        i_ += 2;
        continue;
      }
      break;
    }
    if (i_ >= s_.size() || s_[i_] != ')') return fail("')'");
    ++i_;
    spaces();
    return PathStep{std::move(f)};
  }

  std::string_view s_;
  size_t i_ = 0;
};

using Nodes = std::vector<const json::value*>;

int compare_values(const json::value& a, const json::value& b, bool& comparable) {
  comparable = true;
  if (a.is_number() && b.is_number()) {
    double x = a.to_number<double>(), y = b.to_number<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return a.as_string().subview().compare(b.as_string());
  comparable = a.kind() == b.kind() || (a.is_null() && b.is_null());
  return a == b ? 0 : 1;
}

bool holds(const Comparison& c, const json::value& node) {
  const json::value* v = &node;
  for (const auto& name : c.path) {
    const auto* o = v->if_object();
    v = o != nullptr ? o->if_contains(name) : nullptr;
    if (v == nullptr) return false;
  }
  if (c.op.empty()) return true;
  bool comparable = false;
  int cmp = compare_values(*v, c.literal, comparable);
  if (c.op == "==") return comparable && cmp == 0;
  if (c.op == "!=") return !comparable || cmp != 0;
  if (!comparable || !(v->is_number() || v->is_string())) return false;
  if (c.op == "<") return cmp < 0;
  if (c.op == "<=") return cmp <= 0;
  if (c.op == ">") return cmp > 0;
  return cmp >= 0;
}

bool passes(const Filter& f, const json::value& node) {
  bool acc = holds(f.terms[0], node);
  for (size_t i = 1; i < f.terms.size(); ++i) {
    bool next = holds(f.terms[i], node);
    acc = f.and_next[i - 1] ? (acc && next) : (acc || next);
  }
  return acc;
}

void children(const json::value& v, Nodes& out) {
  if (const auto* o = v.if_object()) {
    for (const auto& [k, child] : *o) out.push_back(&child);
  } else if (const auto* a = v.if_array()) {
    for (const auto& child : *a) out.push_back(&child);
  }
}

void deep(const json::value& v, const std::string& name, Nodes& out) {
  if (const auto* o = v.if_object()) {
    if (name.empty()) {
      for (const auto& [k, child] : *o) out.push_back(&child);
    } else if (const auto* hit = o->if_contains(name)) {
      out.push_back(hit);
    }
  } else if (name.empty() && v.is_array()) {
    children(v, out);
  }
  Nodes kids;
  children(v, kids);
  for (const auto* k : kids) deep(*k, name, out);
}

const json::value* at_index(const json::value& v, int64_t i) {
  const auto* a = v.if_array();
  if (a == nullptr) return nullptr;
  int64_t n = static_cast<int64_t>(a->size());
  if (i < 0) i += n;
  return i >= 0 && i < n ? &(*a)[static_cast<size_t>(i)] : nullptr;
}

void apply(const PathStep& step, const json::value& v, Nodes& out) {
  std::visit(
      [&](const auto& s) {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, Name>) {
          if (const auto* o = v.if_object()) {
            if (const auto* hit = o->if_contains(s.name)) out.push_back(hit);
          }
        } else if constexpr (std::is_same_v<T, Index>) {
          if (const auto* hit = at_index(v, s.index)) out.push_back(hit);
        } else if constexpr (std::is_same_v<T, Wildcard>) {
          children(v, out);
        } else if constexpr (std::is_same_v<T, Deep>) {
          deep(v, s.name, out);
        } else if constexpr (std::is_same_v<T, Slice>) {
          const auto* a = v.if_array();
          if (a == nullptr) return;
          int64_t n = static_cast<int64_t>(a->size());
          int64_t from = s.from.value_or(0), to = s.to.value_or(n);
          if (from < 0) from = std::max<int64_t>(0, from + n);
          if (to < 0) to += n;
          to = std::min(to, n);
          for (int64_t i = from; i < to; ++i) out.push_back(&(*a)[static_cast<size_t>(i)]);
        } else if constexpr (std::is_same_v<T, Union>) {
          for (int64_t i : s.indexes) {
            if (const auto* hit = at_index(v, i)) out.push_back(hit);
          }
          if (const auto* o = v.if_object()) {
            for (const auto& n : s.names) {
              if (const auto* hit = o->if_contains(n)) out.push_back(hit);
            }
          }
        } else {
          Nodes kids;
          children(v, kids);
          for (const auto* k : kids) {
            if (passes(s, *k)) out.push_back(k);
          }
        }
      },
      step.step);
}

}  // namespace

Result<Path> Path::parse(std::string_view text) {
  Path p;
  p.text_ = std::string(text);
  std::string_view rest = text;
  auto name_char = [](char c, bool first) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
           (!first && std::isdigit(static_cast<unsigned char>(c)));
  };
  if (rest.starts_with("$$")) {
    p.context_ = true;
    rest.remove_prefix(2);
  } else if (rest.size() > 1 && rest[0] == '$' && name_char(rest[1], true)) {
    size_t end = 2;
    while (end < rest.size() && name_char(rest[end], false)) ++end;
    p.variable_ = std::string(rest.substr(1, end - 1));
    rest.remove_prefix(end);
  } else if (rest.starts_with("$")) {
    rest.remove_prefix(1);
  } else {
    return Error::validation("a path must start with '$'");
  }
  Parser parser(rest);
  auto steps = parser.steps(p.definite_, p.reference_);
  if (!steps) return steps.error();
  p.steps_ = std::make_shared<const std::vector<PathStep>>(std::move(*steps));
  return p;
}

bool Path::root() const {
  return !context_ && variable_.empty() && steps_ && steps_->empty();
}

const json::value* Path::root_in(const json::value& input, const json::value& context,
                                 const json::object* vars) const {
  if (variable_.empty()) return context_ ? &context : &input;
  if (vars == nullptr) return nullptr;
  return vars->if_contains(variable_);
}

std::optional<json::value> Path::find_in(const json::value& input, const json::value& context,
                                         const json::object* vars) const {
  const json::value* doc = root_in(input, context, vars);
  if (doc == nullptr) return std::nullopt;
  return find(*doc);
}

std::optional<json::value> Path::find(const json::value& doc) const {
  Nodes cur{&doc};
  for (const auto& step : *steps_) {
    Nodes next;
    for (const auto* v : cur) apply(step, *v, next);
    cur.swap(next);
    if (cur.empty() && definite_) return std::nullopt;
  }
  if (definite_) return cur.empty() ? std::nullopt : std::optional<json::value>(*cur.front());
  json::array out;
  for (const auto* v : cur) out.push_back(*v);
  return json::value(std::move(out));
}

Status Path::assign(json::value& doc, json::value value) const {
  json::value* cur = &doc;
  for (const auto& step : *steps_) {
    if (const auto* n = std::get_if<Name>(&step.step)) {
      if (cur->is_null()) cur->emplace_object();
      auto* o = cur->if_object();
      if (o == nullptr) return Error::validation("not an object");
      cur = &(*o)[n->name];
    } else if (const auto* ix = std::get_if<Index>(&step.step)) {
      auto* a = cur->if_array();
      int64_t n = a != nullptr ? static_cast<int64_t>(a->size()) : 0;
      int64_t i = ix->index < 0 ? ix->index + n : ix->index;
      if (a == nullptr || i < 0 || i >= n) return Error::validation("no such index");
      cur = &(*a)[static_cast<size_t>(i)];
    } else {
      return Error::validation("not a reference path");
    }
  }
  *cur = std::move(value);
  return Status::ok();
}

}  // namespace nimbus::sfn::asl
