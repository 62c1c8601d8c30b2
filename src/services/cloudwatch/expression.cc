// Metric math arithmetic (expression.h): a recursive-descent parser and a
// point-by-point evaluator.
#include "services/cloudwatch/expression.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "services/cloudwatch/errors.h"

namespace nimbus::services::cloudwatch {

namespace {

constexpr size_t kMaxLength = 2048;
constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<std::unique_ptr<Expr>> parse() {
    auto e = sum(0);
    if (!e) return e;
    skip();
    if (pos_ != s_.size()) return fail("Unexpected character '" + std::string(1, s_[pos_]) + "'");
    return e;
  }

 private:
  Error fail(const std::string& what) const {
    return errors::validation("Error in expression: " + what + " at position " +
                              std::to_string(pos_ + 1) + ".");
  }
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  static std::unique_ptr<Expr> node(Expr::Kind k, std::unique_ptr<Expr> l,
                                    std::unique_ptr<Expr> r) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->lhs = std::move(l);
    e->rhs = std::move(r);
    return e;
  }

  Result<std::unique_ptr<Expr>> sum(int depth) {
    auto l = product(depth);
    if (!l) return l;
    std::unique_ptr<Expr> acc = std::move(*l);
    while (true) {
      skip();
      if (pos_ >= s_.size() || (s_[pos_] != '+' && s_[pos_] != '-')) return acc;
      auto k = s_[pos_++] == '+' ? Expr::Kind::kAdd : Expr::Kind::kSub;
      auto r = product(depth);
      if (!r) return r;
      acc = node(k, std::move(acc), std::move(*r));
    }
  }

  Result<std::unique_ptr<Expr>> product(int depth) {
    auto l = unary(depth);
    if (!l) return l;
    std::unique_ptr<Expr> acc = std::move(*l);
    while (true) {
      skip();
      if (pos_ >= s_.size() || (s_[pos_] != '*' && s_[pos_] != '/')) return acc;
      auto k = s_[pos_++] == '*' ? Expr::Kind::kMul : Expr::Kind::kDiv;
      auto r = unary(depth);
      if (!r) return r;
      acc = node(k, std::move(acc), std::move(*r));
    }
  }

  Result<std::unique_ptr<Expr>> unary(int depth) {
    if (depth > kMaxDepth) return fail("Too many levels of nesting");
    skip();
    if (pos_ >= s_.size()) return fail("Unexpected end of expression");
    char c = s_[pos_];
    if (c == '-') {
      ++pos_;
      auto e = unary(depth + 1);
      if (!e) return e;
      return node(Expr::Kind::kNeg, std::move(*e), nullptr);
    }
    if (c == '(') {
      ++pos_;
      auto e = sum(depth + 1);
      if (!e) return e;
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ')') return fail("Missing ')'");
      ++pos_;
      return e;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) {
        ++pos_;
      }
      std::string text(s_.substr(start, pos_ - start));
      char* end = nullptr;
      double v = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return fail("Invalid number '" + text + "'");
      auto e = std::make_unique<Expr>();
      e->number = v;
      return e;
    }
    if (std::islower(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
        ++pos_;
      }
      std::string name(s_.substr(start, pos_ - start));
      skip();
      if (pos_ < s_.size() && s_[pos_] == '(') {
        return errors::validation("Error in expression: Unsupported function " + name +
                                  " (nimbus evaluates arithmetic only).");
      }
      auto e = std::make_unique<Expr>();
      e->kind = Expr::Kind::kId;
      e->id = std::move(name);
      return e;
    }
    return fail("Unexpected character '" + std::string(1, c) + "'");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

double apply(Expr::Kind k, double a, double b, bool& ok) {
  ok = true;
  switch (k) {
    case Expr::Kind::kAdd:
      return a + b;
    case Expr::Kind::kSub:
      return a - b;
    case Expr::Kind::kMul:
      return a * b;
    default:
      if (b == 0) ok = false;
      return ok ? a / b : 0;
  }
}

}  // namespace

Result<std::unique_ptr<Expr>> parse_expression(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) {
    return errors::validation("Error in expression: the expression must be 1 to 2048 characters.");
  }
  return Parser(text).parse();
}

void expression_ids(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == Expr::Kind::kId) out.push_back(e.id);
  if (e.lhs) expression_ids(*e.lhs, out);
  if (e.rhs) expression_ids(*e.rhs, out);
}

Value evaluate(const Expr& e, const std::function<const Series&(const std::string&)>& series_of) {
  Value out;
  switch (e.kind) {
    case Expr::Kind::kNumber:
      out.number = e.number;
      return out;
    case Expr::Kind::kId:
      out.scalar = false;
      out.series = series_of(e.id);
      return out;
    case Expr::Kind::kNeg: {
      out = evaluate(*e.lhs, series_of);
      out.number = -out.number;
      for (auto& [t, v] : out.series) v = -v;
      return out;
    }
    default:
      break;
  }
  Value a = evaluate(*e.lhs, series_of);
  Value b = evaluate(*e.rhs, series_of);
  bool ok = true;
  if (a.scalar && b.scalar) {
    out.number = apply(e.kind, a.number, b.number, ok);
    if (!ok) out.number = std::nan("");
    return out;
  }
  out.scalar = false;
  if (a.scalar || b.scalar) {
    const Series& s = a.scalar ? b.series : a.series;
    for (const auto& [t, v] : s) {
      double r = a.scalar ? apply(e.kind, a.number, v, ok) : apply(e.kind, v, b.number, ok);
      if (ok) out.series[t] = r;
    }
    return out;
  }
  for (const auto& [t, v] : a.series) {
    auto it = b.series.find(t);
    if (it == b.series.end()) continue;
    double r = apply(e.kind, v, it->second, ok);
    if (ok) out.series[t] = r;
  }
  return out;
}

}  // namespace nimbus::services::cloudwatch
