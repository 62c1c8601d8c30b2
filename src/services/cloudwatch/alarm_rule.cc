// AlarmRule (alarm_rule.h): a recursive-descent parser over the text, the
// rule kept as a small node array.
#include "services/cloudwatch/alarm_rule.h"

#include <algorithm>
#include <cctype>

#include "services/cloudwatch/errors.h"

namespace nimbus::services::cloudwatch {

namespace {

constexpr size_t kMaxText = 10240;
constexpr size_t kMaxChildren = 100;
constexpr size_t kMaxElements = 500;

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

}  // namespace

class AlarmRule::Parser {
 public:
  Parser(std::string_view text, AlarmRule& rule) : text_(text), rule_(rule) {}

  Status run() {
    auto root = disjunction(0);
    if (!root) return root.take_error();
    skip_space();
    if (pos_ != text_.size()) return bad("unexpected text at position " + std::to_string(pos_));
    rule_.root_ = *root;
    return Status::ok();
  }

 private:
  Error bad(const std::string& why) const {
    return errors::validation("The AlarmRule is not valid: " + why + ".");
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
      ++pos_;
    }
  }

  // The keyword or function name at pos_ (letters, digits, _), not consumed.
  std::string_view peek_word() {
    skip_space();
    size_t end = pos_;
    while (end < text_.size() && word_char(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  bool take_word(std::string_view w) {
    auto got = peek_word();
    if (!same_word(got, w)) return false;
    pos_ += got.size();
    return true;
  }

  bool take(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  Result<int32_t> add(Node n) {
    if (++elements_ > kMaxElements) {
      return bad("it has more than " + std::to_string(kMaxElements) + " elements");
    }
    rule_.nodes_.push_back(std::move(n));
    return static_cast<int32_t>(rule_.nodes_.size() - 1);
  }

  // Binary operators: OR over ANDs, AND over unaries.
  Result<int32_t> disjunction(int depth) { return binary(depth, "OR", Node::kOr); }
  Result<int32_t> conjunction(int depth) { return binary(depth, "AND", Node::kAnd); }

  Result<int32_t> binary(int depth, std::string_view op, Node::Kind kind) {
    auto next = [&]() -> Result<int32_t> {
      return kind == Node::kOr ? conjunction(depth) : unary(depth);
    };
    auto left = next();
    if (!left) return left;
    while (take_word(op)) {
      auto right = next();
      if (!right) return right;
      Node n;
      n.kind = kind;
      n.a = *left;
      n.b = *right;
      rule_.nodes_.push_back(std::move(n));
      left = static_cast<int32_t>(rule_.nodes_.size() - 1);
    }
    return left;
  }

  Result<int32_t> unary(int depth) {
    // Nesting is bounded by the element count too; this keeps the stack
    // small whatever the text.
    if (depth > static_cast<int>(kMaxElements)) return bad("it is nested too deeply");
    if (take_word("NOT")) {
      auto inner = unary(depth + 1);
      if (!inner) return inner;
      Node n;
      n.kind = Node::kNot;
      n.a = *inner;
      rule_.nodes_.push_back(std::move(n));
      return static_cast<int32_t>(rule_.nodes_.size() - 1);
    }
    return primary(depth);
  }

  Result<int32_t> primary(int depth) {
    if (take('(')) {
      if (++elements_ > kMaxElements) {
        return bad("it has more than " + std::to_string(kMaxElements) + " elements");
      }
      auto inner = disjunction(depth + 1);
      if (!inner) return inner;
      if (!take(')')) return bad("a parenthesis is not closed");
      return inner;
    }
    auto word = peek_word();
    if (word.empty()) {
      return bad(pos_ >= text_.size() ? "it ends where an alarm function was expected"
                                      : "unexpected text at position " + std::to_string(pos_));
    }
    for (const auto* constant : {"TRUE", "FALSE"}) {
      if (same_word(word, constant)) {
        pos_ += word.size();
        Node n;
        n.kind = Node::kConst;
        n.value = constant[0] == 'T';
        return add(std::move(n));
      }
    }
    std::string state;
    for (const auto* fn : {"ALARM", "OK", "INSUFFICIENT_DATA"}) {
      if (same_word(word, fn)) state = fn;
    }
    if (state.empty()) return bad("unknown function " + std::string(word));
    pos_ += word.size();
    if (!take('(')) return bad(state + " must be followed by (");
    auto name = alarm_name();
    if (!name) return name.take_error();
    if (!take(')')) return bad("the alarm name after " + state + "( is not closed");
    auto at = std::find(rule_.children_.begin(), rule_.children_.end(), *name);
    if (at == rule_.children_.end()) {
      if (rule_.children_.size() == kMaxChildren) {
        return bad("it names more than " + std::to_string(kMaxChildren) + " alarms");
      }
      rule_.children_.push_back(*name);
      at = rule_.children_.end() - 1;
    }
    Node n;
    n.kind = Node::kState;
    n.state = std::move(state);
    n.child = static_cast<size_t>(at - rule_.children_.begin());
    return add(std::move(n));
  }

  // "name" or name (up to the closing parenthesis, trimmed).
  Result<std::string> alarm_name() {
    skip_space();
    std::string name;
    if (pos_ < text_.size() && text_[pos_] == '"') {
      auto end = text_.find('"', pos_ + 1);
      if (end == std::string_view::npos) return bad("a quoted alarm name is not closed");
      name = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
    } else {
      auto end = text_.find(')', pos_);
      if (end == std::string_view::npos) end = text_.size();
      auto raw = text_.substr(pos_, end - pos_);
      while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back())) != 0) {
        raw.remove_suffix(1);
      }
      name = std::string(raw);
      pos_ += raw.size();
    }
    if (name.empty()) return bad("an alarm function names no alarm");
    return name;
  }

  std::string_view text_;
  AlarmRule& rule_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

Result<AlarmRule> AlarmRule::parse(std::string_view text) {
  if (text.empty()) return errors::missing("The parameter AlarmRule is required.");
  if (text.size() > kMaxText) {
    return errors::validation("The AlarmRule is not valid: it is longer than " +
                              std::to_string(kMaxText) + " characters.");
  }
  AlarmRule rule;
  Parser p(text, rule);
  if (auto st = p.run(); !st) return st.take_error();
  return rule;
}

std::vector<std::string> rule_children(std::string_view text) {
  auto rule = AlarmRule::parse(text);
  return rule ? rule->children() : std::vector<std::string>{};
}

bool AlarmRule::holds(const std::function<std::string(const std::string&)>& state_of) const {
  if (root_ < 0) return false;
  std::vector<std::string> states;
  states.reserve(children_.size());
  for (const auto& c : children_) states.push_back(state_of(c));
  return eval(root_, states);
}

bool AlarmRule::eval(int32_t i, const std::vector<std::string>& states) const {
  const Node& n = nodes_[static_cast<size_t>(i)];
  switch (n.kind) {
    case Node::kConst:
      return n.value;
    case Node::kState:
      return states[n.child] == n.state;
    case Node::kNot:
      return !eval(n.a, states);
    case Node::kAnd:
      return eval(n.a, states) && eval(n.b, states);
    case Node::kOr:
      return eval(n.a, states) || eval(n.b, states);
  }
  return false;
}

}  // namespace nimbus::services::cloudwatch
