#include "services/logs/filter_json.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 32;

struct Step {
  bool index = false;
  std::string name;
  size_t at = 0;
};

enum class Op { kEq, kNe, kLt, kGt, kLe, kGe, kIsNull, kIsTrue, kIsFalse, kNotExists };

// `*` matches any run of characters.
bool wildcard(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pat.size() && pat[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

}  // namespace

struct JsonFilter::Node {
  enum class Kind { kAnd, kOr, kCompare } kind = Kind::kCompare;
  std::unique_ptr<Node> left, right;
  std::vector<Step> path;
  Op op = Op::kEq;
  bool numeric = false;
  double number = 0;
  std::string text;

  bool eval(const json::value& root) const {
    if (kind == Kind::kAnd) return left->eval(root) && right->eval(root);
    if (kind == Kind::kOr) return left->eval(root) || right->eval(root);
    const json::value* v = &root;
    for (const auto& s : path) {
      if (s.index) {
        const auto* a = v->if_array();
        if (a == nullptr || s.at >= a->size()) return op == Op::kNotExists;
        v = &(*a)[s.at];
      } else {
        const auto* o = v->if_object();
        v = o != nullptr ? o->if_contains(s.name) : nullptr;
        if (v == nullptr) return op == Op::kNotExists;
      }
    }
    switch (op) {
      case Op::kNotExists:
        return false;
      case Op::kIsNull:
        return v->is_null();
      case Op::kIsTrue:
        return v->is_bool() && v->as_bool();
      case Op::kIsFalse:
        return v->is_bool() && !v->as_bool();
      default:
        break;
    }
    if (numeric) {
      if (!v->is_number()) return op == Op::kNe;
      double d = v->to_number<double>();
      switch (op) {
        case Op::kEq:
          return d == number;
        case Op::kNe:
          return d != number;
        case Op::kLt:
          return d < number;
        case Op::kGt:
          return d > number;
        case Op::kLe:
          return d <= number;
        case Op::kGe:
          return d >= number;
        default:
          return false;
      }
    }
    if (!v->is_string()) return op == Op::kNe;
    bool eq = wildcard(text, v->as_string());
    return op == Op::kEq ? eq : op == Op::kNe ? !eq : false;
  }
};

namespace {

class Parser {
 public:
  explicit Parser(std::string_view t) : t_(t) {}

  std::unique_ptr<JsonFilter::Node> parse_all() {
    skip();
    if (!eat("{")) return nullptr;
    auto n = parse_or(0);
    skip();
    if (!n || !eat("}")) return nullptr;
    skip();
    return i_ == t_.size() ? std::move(n) : nullptr;
  }

 private:
  using NodePtr = std::unique_ptr<JsonFilter::Node>;

  void skip() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n')) ++i_;
  }
  bool eat(std::string_view s) {
    skip();
    if (t_.substr(i_, s.size()) != s) return false;
    i_ += s.size();
    return true;
  }
  bool eat_word(std::string_view w) {
    skip();
    if (t_.substr(i_, w.size()) != w) return false;
    size_t end = i_ + w.size();
    if (end < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[end])) || t_[end] == '_')) {
      return false;
    }
    i_ = end;
    return true;
  }

  NodePtr join(JsonFilter::Node::Kind kind, NodePtr l, NodePtr r) {
    auto n = std::make_unique<JsonFilter::Node>();
    n->kind = kind;
    n->left = std::move(l);
    n->right = std::move(r);
    return n;
  }

  NodePtr parse_or(int depth) {
    auto l = parse_and(depth);
    while (l && eat("||")) {
      auto r = parse_and(depth);
      if (!r) return nullptr;
      l = join(JsonFilter::Node::Kind::kOr, std::move(l), std::move(r));
    }
    return l;
  }

  NodePtr parse_and(int depth) {
    auto l = parse_unary(depth);
    while (l && eat("&&")) {
      auto r = parse_unary(depth);
      if (!r) return nullptr;
      l = join(JsonFilter::Node::Kind::kAnd, std::move(l), std::move(r));
    }
    return l;
  }

  NodePtr parse_unary(int depth) {
    if (depth > kMaxDepth) return nullptr;
    if (eat("(")) {
      auto n = parse_or(depth + 1);
      if (!n || !eat(")")) return nullptr;
      return n;
    }
    return parse_compare();
  }

  NodePtr parse_compare() {
    auto n = std::make_unique<JsonFilter::Node>();
    if (!eat("$")) return nullptr;
    while (i_ < t_.size()) {
      if (t_[i_] == '.') {
        size_t start = ++i_;
        while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) ||
                                  t_[i_] == '_' || t_[i_] == '-' || t_[i_] == '@')) {
          ++i_;
        }
        if (i_ == start) return nullptr;
        n->path.push_back(Step{false, std::string(t_.substr(start, i_ - start)), 0});
      } else if (t_[i_] == '[') {
        size_t start = ++i_;
        size_t at = 0;
        auto r = std::from_chars(t_.data() + start, t_.data() + t_.size(), at);
        if (r.ec != std::errc() || r.ptr == t_.data() + t_.size() || *r.ptr != ']') return nullptr;
        i_ = static_cast<size_t>(r.ptr - t_.data()) + 1;
        n->path.push_back(Step{true, {}, at});
      } else {
        break;
      }
    }
    if (eat_word("IS")) {
      if (eat_word("NULL"))
        n->op = Op::kIsNull;
      else if (eat_word("TRUE"))
        n->op = Op::kIsTrue;
      else if (eat_word("FALSE"))
        n->op = Op::kIsFalse;
      else
        return nullptr;
      return n;
    }
    if (eat_word("NOT")) {
      if (!eat_word("EXISTS")) return nullptr;
      n->op = Op::kNotExists;
      return n;
    }
    if (eat("!="))
      n->op = Op::kNe;
    else if (eat("<="))
      n->op = Op::kLe;
    else if (eat(">="))
      n->op = Op::kGe;
    else if (eat("="))
      n->op = Op::kEq;
    else if (eat("<"))
      n->op = Op::kLt;
    else if (eat(">"))
      n->op = Op::kGt;
    else
      return nullptr;
    skip();
    if (i_ >= t_.size()) return nullptr;
    if (t_[i_] == '"') {
      ++i_;
      while (i_ < t_.size() && t_[i_] != '"') {
        if (t_[i_] == '\\' && i_ + 1 < t_.size()) ++i_;
        n->text.push_back(t_[i_++]);
      }
      if (i_ >= t_.size()) return nullptr;
      ++i_;
    } else {
      size_t start = i_;
      while (i_ < t_.size() && t_[i_] != ' ' && t_[i_] != ')' && t_[i_] != '}' && t_[i_] != '&' &&
             t_[i_] != '|') {
        ++i_;
      }
      n->text = std::string(t_.substr(start, i_ - start));
      if (n->text.empty()) return nullptr;
      double d = 0;
      auto r = std::from_chars(n->text.data(), n->text.data() + n->text.size(), d);
      if (r.ec == std::errc() && r.ptr == n->text.data() + n->text.size()) {
        n->numeric = true;
        n->number = d;
      }
    }
    bool ordered = n->op == Op::kLt || n->op == Op::kGt || n->op == Op::kLe || n->op == Op::kGe;
    if (ordered && !n->numeric) return nullptr;
    return n;
  }

  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

JsonFilter::~JsonFilter() = default;

std::shared_ptr<const JsonFilter> JsonFilter::parse(std::string_view text) {
  auto root = Parser(text).parse_all();
  if (!root) return nullptr;
  auto f = std::make_shared<JsonFilter>();
  f->root_ = std::move(root);
  return f;
}

bool JsonFilter::matches(std::string_view message) const {
  boost::system::error_code ec;
  json::value v = json::parse(message, ec);
  if (ec || !v.is_object()) return false;
  return root_->eval(v);
}

}  // namespace nimbus::services::logs
