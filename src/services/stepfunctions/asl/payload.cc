#include "services/stepfunctions/asl/payload.h"
#include "services/stepfunctions/asl/errors.h"

namespace nimbus::sfn::asl {

namespace json = boost::json;

struct TemplateNode {
  json::value literal;  // when no members, items or expression
  bool is_object = false;
  bool is_array = false;
  std::vector<std::string> names;  // the members, in order
  std::vector<TemplateNode> members;
  std::vector<TemplateNode> items;
  std::optional<Expression> expression;
  std::string field;  // the `.$` field name, for messages
};

namespace {

constexpr int kMaxPayloadDepth = 64;

Result<TemplateNode> compile_node(const json::value& raw, int depth) {
  if (depth > kMaxPayloadDepth) return Error::validation("the template is nested too deeply");
  TemplateNode node;
  if (const auto* o = raw.if_object()) {
    node.is_object = true;
    for (const auto& [k, v] : *o) {
      std::string key(k);
      if (key.size() > 2 && key.ends_with(".$")) {
        if (!v.is_string()) return Error::validation(key);
        auto e = Expression::compile(v.as_string());
        if (!e) return Error::validation(key);
        TemplateNode leaf;
        leaf.expression = std::move(*e);
        leaf.field = key;
        node.names.push_back(key.substr(0, key.size() - 2));
        node.members.push_back(std::move(leaf));
        continue;
      }
      auto child = compile_node(v, depth + 1);
      if (!child) return child.error();
      node.names.push_back(std::move(key));
      node.members.push_back(std::move(*child));
    }
  } else if (const auto* a = raw.if_array()) {
    node.is_array = true;
    for (const auto& v : *a) {
      auto child = compile_node(v, depth + 1);
      if (!child) return child.error();
      node.items.push_back(std::move(*child));
    }
  } else {
    node.literal = raw;
  }
  return node;
}

Result<json::value> fill(const TemplateNode& node, const json::value& input,
                         const json::value& context, const json::object* vars) {
  if (node.expression) return node.expression->evaluate(input, context, node.field, vars);
  if (node.is_object) {
    json::object out;
    for (size_t i = 0; i < node.members.size(); ++i) {
      auto v = fill(node.members[i], input, context, vars);
      if (!v) return v.error();
      out[node.names[i]] = std::move(*v);
    }
    return json::value(std::move(out));
  }
  if (node.is_array) {
    json::array out;
    for (const auto& child : node.items) {
      auto v = fill(child, input, context, vars);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
    return json::value(std::move(out));
  }
  return node.literal;
}

}  // namespace

Result<Expression> Expression::compile(std::string_view text) {
  Expression e;
  if (Intrinsic::looks_like(text)) {
    auto c = Intrinsic::parse(text);
    if (!c) return c.error();
    e.call = std::move(*c);
    return e;
  }
  auto p = Path::parse(text);
  if (!p) return p.error();
  e.path = std::move(*p);
  return e;
}

Result<json::value> Expression::evaluate(const json::value& input, const json::value& context,
                                         std::string_view field, const json::object* vars) const {
  if (call) return call->evaluate(input, context, vars);
  const json::value* root = path->root_in(input, context, vars);
  if (root == nullptr) {
    return state_error("States.Runtime", "The JSONPath '" + path->text() +
                                             "' specified for the field '" + std::string(field) +
                                             "' references the variable '" + path->variable() +
                                             "', which is not set");
  }
  const json::value& doc = *root;
  auto v = path->find(doc);
  if (!v) {
    return state_error("States.Runtime", "The JSONPath '" + path->text() +
                                             "' specified for the field '" + std::string(field) +
                                             "' could not be found in the input '" +
                                             json::serialize(doc) + "'");
  }
  return std::move(*v);
}

Result<Template> Template::compile(const json::value& raw) {
  auto node = compile_node(raw, 0);
  if (!node) return node.error();
  Template t;
  t.root_ = std::make_shared<const TemplateNode>(std::move(*node));
  return t;
}

Result<json::value> Template::evaluate(const json::value& input, const json::value& context,
                                       const json::object* vars) const {
  return fill(*root_, input, context, vars);
}

}  // namespace nimbus::sfn::asl
