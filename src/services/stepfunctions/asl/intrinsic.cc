#include "services/stepfunctions/asl/intrinsic.h"
#include "services/stepfunctions/asl/errors.h"

#include <cctype>

#include "services/stepfunctions/asl/intrinsic_call.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

namespace {

constexpr size_t kMaxIntrinsicDepth = 16;

class CallParser {
 public:
  explicit CallParser(std::string_view s) : s_(s) {}

  Result<std::shared_ptr<const IntrinsicCall>> call(size_t depth) {
    if (depth > kMaxIntrinsicDepth) return fail("calls nested too deeply");
    spaces();
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) {
      ++i_;
    }
    auto out = std::make_shared<IntrinsicCall>();
    out->name = std::string(s_.substr(start, i_ - start));
    auto arity = intrinsic_arity(out->name);
    if (!arity) return fail("unknown function '" + out->name + "'");
    spaces();
    if (i_ >= s_.size() || s_[i_] != '(') return fail("'(' after " + out->name);
    ++i_;
    spaces();
    if (i_ < s_.size() && s_[i_] == ')') {
      ++i_;
    } else {
      while (true) {
        auto a = arg(depth);
        if (!a) return a.error();
        out->args.push_back(std::move(*a));
        spaces();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < s_.size() && s_[i_] == ')') {
          ++i_;
          break;
        }
        return fail("',' or ')'");
      }
    }
    if (out->args.size() < arity->min || out->args.size() > arity->max) {
      return fail(out->name + " takes " + std::to_string(arity->min) +
                  (arity->max != arity->min ? " to " + std::to_string(arity->max) : "") +
                  " arguments");
    }
    return std::shared_ptr<const IntrinsicCall>(std::move(out));
  }

  bool at_end() {
    spaces();
    return i_ == s_.size();
  }

 private:
  Error fail(std::string what) const { return state_error("States.IntrinsicFailure", what); }
  void spaces() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }

  Result<IntrinsicArg> arg(size_t depth) {
    spaces();
    if (i_ >= s_.size()) return fail("an argument");
    char c = s_[i_];
    if (c == '\'') {
      ++i_;
      std::string out;
      while (i_ < s_.size() && s_[i_] != '\'') {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
          char n = s_[i_ + 1];
          if (n == '\'' || n == '\\') {
            out.push_back(n);
            i_ += 2;
            continue;
          }
          // \{ and \} stay escaped for States.Format, which reads them.
          out.push_back('\\');
          out.push_back(n);
          i_ += 2;
          continue;
        }
        out.push_back(s_[i_++]);
      }
      if (i_ >= s_.size()) return fail("a closing quote");
      ++i_;
      return IntrinsicArg{json::value(json::string(out))};
    }
    if (c == '$') {
      size_t start = i_;
      int brackets = 0;
      bool quote = false;
      while (i_ < s_.size()) {
        char d = s_[i_];
        if (d == '\'' && brackets > 0) quote = !quote;
        if (!quote) {
          if (d == '[') ++brackets;
          if (d == ']') --brackets;
          if (brackets == 0 && (d == ',' || d == ')' || d == ' ')) break;
        }
        ++i_;
      }
      auto p = Path::parse(s_.substr(start, i_ - start));
      if (!p) return fail("a valid path: " + p.error().message);
      return IntrinsicArg{std::move(*p)};
    }
    if (s_.substr(i_).starts_with("States.")) {
      auto nested = call(depth + 1);
      if (!nested) return nested.error();
      return IntrinsicArg{std::move(*nested)};
    }
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != ')' && s_[i_] != ' ') ++i_;
    json::error_code ec;
    json::value v = json::parse(s_.substr(start, i_ - start), ec);
    if (ec || v.is_structured() || v.is_string()) return fail("a literal argument");
    return IntrinsicArg{std::move(v)};
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool Intrinsic::looks_like(std::string_view text) {
  return text.starts_with("States.");
}

Result<Intrinsic> Intrinsic::parse(std::string_view text) {
  CallParser p(text);
  auto call = p.call(0);
  if (!call) return call.error();
  if (!p.at_end()) return state_error("States.IntrinsicFailure", "text after the call");
  Intrinsic out;
  out.text_ = std::string(text);
  out.call_ = std::move(*call);
  return out;
}

Result<json::value> Intrinsic::evaluate(const json::value& input, const json::value& context,
                                        const json::object* vars) const {
  return call_intrinsic(*call_, input, context, vars);
}

}  // namespace nimbus::sfn::asl
