// PartiQL literals as attribute values: 'string' -> S, numbers -> N,
// TRUE/FALSE -> BOOL, NULL -> NULL, [..] -> L, {'k': v} -> M, <<..>> -> SS or
// NS; `?` takes the next request parameter as given.
#include <algorithm>

#include "services/dynamodb/model/errors.h"
#include "services/dynamodb/model/partiql_parser.h"

namespace nimbus::dynamodb {

bool PqParser::value(json::value& out, const std::string& where) {
  if (!enter()) return false;
  const PqToken t = peek();
  bool ok = true;
  if (t.kind == PqToken::Kind::kString) {
    advance();
    out = json::object{{"S", t.text}};
  } else if (t.kind == PqToken::Kind::kNumber) {
    advance();
    ok = number(t.text, false, where, out);
  } else if ((symbol("-") || symbol("+")) && peek(1).kind == PqToken::Kind::kNumber) {
    bool negative = symbol("-");
    advance();
    std::string text = peek().text;
    advance();
    ok = number(text, negative, where, out);
  } else if (t.kind == PqToken::Kind::kParam) {
    advance();
    ok = parameter(out);
  } else if (t.kind == PqToken::Kind::kWord && (pq_is(t.text, "TRUE") || pq_is(t.text, "FALSE"))) {
    advance();
    out = json::object{{"BOOL", pq_is(t.text, "TRUE")}};
  } else if (t.kind == PqToken::Kind::kWord && pq_is(t.text, "NULL")) {
    advance();
    out = json::object{{"NULL", true}};
  } else if (t.kind == PqToken::Kind::kWord && pq_is(t.text, "MISSING")) {
    ok = fail(validation_error("MISSING must be compared using IS operator"));
  } else if (t.kind == PqToken::Kind::kWord && !reserved(t) && peek(1).text == "(" &&
             peek(1).kind == PqToken::Kind::kSymbol) {
    ok = fail(validation_error("Unsupported data type: " + lower(t.text) + " under key " + where +
                               " at " + position(t)));
  } else if (symbol("[")) {
    advance();
    json::array list;
    while (ok && !symbol("]")) {
      json::value element;
      ok = value(element, where + "[" + std::to_string(list.size()) + "]");
      if (!ok) break;
      list.push_back(std::move(element));
      if (!symbol(",")) break;
      advance();
    }
    ok = ok && expect_symbol("]");
    if (ok) out = json::object{{"L", std::move(list)}};
  } else if (symbol("{")) {
    ok = tuple(out, where);
  } else if (symbol("<<")) {
    ok = bag(out, where);
  } else {
    ok = term_error();
  }
  leave();
  return ok;
}

bool PqParser::number(std::string_view text, bool negative, const std::string& where,
                      json::value& out) {
  std::string written = negative ? "-" + std::string(text) : std::string(text);
  auto d = Decimal::parse(written);
  if (!d) return fail(validation_error(d.error().message + " under " + where));
  out = number_value(*d);
  return true;
}

bool PqParser::tuple(json::value& out, const std::string& where) {
  advance();  // {
  json::object map;
  while (!symbol("}")) {
    const PqToken key = peek();
    std::string name;
    if (key.kind == PqToken::Kind::kString) {
      name = key.text;
      advance();
    } else if (key.kind == PqToken::Kind::kNumber) {
      bool integral = key.text.find_first_not_of("0123456789") == std::string::npos;
      return fail(validation_error("Tuple keys must be of type String. Actual type: " +
                                   std::string(integral ? "INT" : "DECIMAL") + " under " +
                                   (where.empty() ? "root" : where)));
    } else {
      return term_error();
    }
    if (!expect_symbol(":")) return false;
    if (map.contains(name)) {
      return fail(validation_error("Duplicate keys in tuple. Key: " + name + " under " +
                                   (where.empty() ? "root" : where)));
    }
    json::value v;
    if (!value(v, where.empty() ? "root" : where + "." + name)) return false;
    map[name] = std::move(v);
    if (!symbol(",")) break;
    advance();
  }
  if (!expect_symbol("}")) return false;
  out = json::object{{"M", std::move(map)}};
  return true;
}

bool PqParser::bag(json::value& out, const std::string& where) {
  advance();  // <<
  json::array elements;
  std::optional<Type> element_type;
  bool mixed = false;
  while (!symbol(">>")) {
    json::value v;
    if (!value(v, where)) return false;
    auto t = type_of(v);
    if (!element_type) element_type = t;
    mixed = mixed || t != element_type || (t != Type::kS && t != Type::kN && t != Type::kB);
    if (!mixed) elements.push_back(v.as_object().begin()->value());
    if (!symbol(",")) break;
    advance();
  }
  if (!expect_symbol(">>")) return false;
  if (mixed) {
    return fail(validation_error(
        "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags"));
  }
  if (elements.empty()) return fail(validation_error("Empty bags are not supported"));
  std::string_view set = *element_type == Type::kS ? "SS" : *element_type == Type::kN ? "NS" : "BS";
  json::value v = json::object{{set, std::move(elements)}};
  auto st = normalize_value(v);
  if (!st) return fail(st.take_error());
  out = std::move(v);
  return true;
}

bool PqParser::parameter(json::value& out) {
  if (next_parameter_ >= parameters_.size()) {
    return fail(validation_error("Number of parameters in request and statement don't match."));
  }
  out = parameters_[next_parameter_++];
  auto st = normalize_value(out);
  if (!st) return fail(st.take_error());
  return true;
}

}  // namespace nimbus::dynamodb
