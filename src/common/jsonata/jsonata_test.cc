// Units for the JSONata evaluator; the differential cases against the
// reference implementation are in tests/jsonata/.
#include "common/jsonata/jsonata.h"

#include <gtest/gtest.h>

#include <string>

namespace nimbus::jsonata {
namespace {

namespace json = boost::json;

// The result as JSON text, "undefined", or "error CODE".
std::string run(std::string_view expr, std::string_view input = "null", Options options = {}) {
  auto parsed = Expression::parse(expr);
  if (auto* e = std::get_if<Error>(&parsed)) return "error " + e->code;
  json::value in = json::parse(input);
  auto out = std::get<Expression>(parsed).evaluate(&in, options);
  if (auto* e = std::get_if<Error>(&out)) return "error " + e->code;
  const auto& m = std::get<Maybe>(out);
  return m ? stringify(*m) : "undefined";
}

const char* kDoc = R"({"Account":{"Name":"Firefly","Order":[
  {"OrderID":"order103","Product":[{"Name":"Bowler Hat","Price":34.45,"Quantity":2},
                                    {"Name":"Trilby hat","Price":21.67,"Quantity":1}]},
  {"OrderID":"order104","Product":[{"Name":"Bowler Hat","Price":34.45,"Quantity":4},
                                    {"Name":"Cloak","Price":107.99,"Quantity":1}]}]}})";

TEST(Jsonata, Paths) {
  EXPECT_EQ(run("Account.Name", kDoc), R"("Firefly")");
  EXPECT_EQ(run("Account.Order.OrderID", kDoc), R"(["order103","order104"])");
  EXPECT_EQ(run("Account.Order[0].OrderID", kDoc), R"("order103")");
  EXPECT_EQ(run("Account.Order[-1].Product[0].Name", kDoc), R"("Bowler Hat")");
  EXPECT_EQ(run("Account.Order.Product[Price > 100].Name", kDoc), R"("Cloak")");
  EXPECT_EQ(run("Account.Order.Product.Name[]", kDoc).substr(0, 13), R"(["Bowler Hat")");
  EXPECT_EQ(run("Account.Nothing", kDoc), "undefined");
  EXPECT_EQ(run("$sum(Account.Order.Product.(Price * Quantity))", kDoc), "336.36");
  EXPECT_EQ(run("Account.Order{OrderID: $sum(Product.Quantity)}", kDoc),
            R"({"order103":3,"order104":5})");
  EXPECT_EQ(run("Account.Order.Product^(>Price).Price", kDoc), "[107.99,34.45,34.45,21.67]");
  EXPECT_EQ(run("**.Price[0]", kDoc), "[34.45,21.67,34.45,107.99]");
}

TEST(Jsonata, Operators) {
  EXPECT_EQ(run("1 + 2 * 3"), "7");
  EXPECT_EQ(run("7 % 3 - -1"), "2");
  EXPECT_EQ(run("\"a\" & 1 & true"), R"("a1true")");
  EXPECT_EQ(run("[1..4]"), "[1,2,3,4]");
  EXPECT_EQ(run("3 in [1,2,3] and not_there = 1"), "false");
  EXPECT_EQ(run("1 < 2 ? 'yes' : 'no'"), R"("yes")");
  EXPECT_EQ(run("'a' + 1"), "error T2001");
  EXPECT_EQ(run("1 < 'a'"), "error T2009");
  EXPECT_EQ(run("1/0"), "null");
}

TEST(Jsonata, FunctionsAndLambdas) {
  EXPECT_EQ(run("($f := function($x){$x * 2}; $map([1,2,3], $f))"), "[2,4,6]");
  EXPECT_EQ(run("$reduce([1,2,3,4], function($a,$b){$a+$b})"), "10");
  EXPECT_EQ(run("($fact := function($n){$n <= 1 ? 1 : $n * $fact($n - 1)}; $fact(10))"), "3628800");
  EXPECT_EQ(run("'hello' ~> $uppercase()"), R"("HELLO")");
  EXPECT_EQ(run("$substring('hello world', -5, 3)"), R"("wor")");
  EXPECT_EQ(run("$round(2.5) & $round(3.5) & $round(1.255, 2)"), R"("241.26")");
  EXPECT_EQ(run("$string(0.1 + 0.2)"), R"("0.3")");
  EXPECT_EQ(run("$uppercase(1)"), "error T0410");
  EXPECT_EQ(run("$fromMillis(0)"), R"("1970-01-01T00:00:00.000Z")");
  EXPECT_EQ(run("$toMillis('2024-02-29T12:00:00.5+01:00')"), "1709204400500");
}

TEST(Jsonata, Bounded) {
  EXPECT_EQ(run("($f := function($n){$f($n + 1)}; $f(0))"), "error U1001");
  EXPECT_EQ(run("$count([1..9999999].([1..9999999]))"), "error U1002");
  EXPECT_EQ(run(std::string(100000, '(')), "error U1001");
  EXPECT_EQ(run(std::string(100000, '[')), "error U1001");
  EXPECT_EQ(run("\"abc"), "error S0101");
  EXPECT_EQ(run("1 +"), "error S0207");
}

// What the reference cases cannot show: PCRE2's limits, compile errors and
// subjects that are not UTF-8.
TEST(Jsonata, RegularExpressions) {
  // Catastrophic backtracking ends the evaluation instead of hanging it.
  EXPECT_EQ(run("$match('" + std::string(40, 'a') + "!', /(a+)+$/)"), "error U1002");
  // A search past the light limit is charged 10,000 steps: a hundred fit
  // the default budget of two million, three hundred do not.
  const std::string heavy = "$contains('" + std::string(14, 'a') + "cb', /(a+)+b/)";
  EXPECT_EQ(run("$count([1..100].(" + heavy + ")[$ = false])"), "100");
  EXPECT_EQ(run("$count([1..300].(" + heavy + "))"), "error U1002");
  EXPECT_EQ(run("$contains('abc', /a{2,1}/)"), "error S0303");
  EXPECT_EQ(run("$contains('abc', /(?<n>a)(?<n>b)/)"), "error S0303");
  // \u escapes are JavaScript's; \d and \w stay ASCII.
  EXPECT_EQ(run(R"($match('caf\u00e9', /\u00e9/).index)"), "3");
  EXPECT_EQ(run(R"($contains('\u0663', /\d/))"), "false");
  // A decoded value that is not UTF-8 is searched, not refused.
  EXPECT_EQ(run("$contains($base64decode('/w=='), /x/)"), "false");
  // A function of the user's is not a matcher here.
  EXPECT_EQ(run("$match('abc', function($s){{'match': 'a'}})"), "error T1010");
  EXPECT_EQ(run("$replace('abc', 'b', function($m){'x'})"), "error D3012");
}

// The transform operator walks its pattern over the copy: `$` and paths of
// field names with predicates; other patterns are refused, and the input
// itself is never changed.
TEST(Jsonata, Transform) {
  const char* doc = R"({"a":[{"b":1,"c":{"d":2}},{"b":5}],"e":{"b":9}})";
  EXPECT_EQ(run("$ ~> |a[b > 2]|{'big': true}, 'b'|", doc),
            R"({"a":[{"b":1,"c":{"d":2}},{"big":true}],"e":{"b":9}})");
  EXPECT_EQ(run("($t := |a.c|{'d': d + 1}|; [$t($).a.c.d, a.c.d])", doc), "[3,2]");
  EXPECT_EQ(run("$ ~> |**.b|{'x': 1}|", doc), "error S0299");
  EXPECT_EQ(run("$ ~> |$count(a)|{'x': 1}|", doc), "error S0299");
}

// What the reference cases cannot show for pictures: a time zone that is
// not +hhmm/-hhmm (the reference formats NaN), and $now's clock.
TEST(Jsonata, DateTimePictures) {
  EXPECT_EQ(run("$fromMillis(0, '[Y]', 'x')"), "error D3134");
  EXPECT_EQ(run("$fromMillis(0, '[Y]', '+2500')"), "error D3134");
  Options o;
  o.now_ms = 1521801216617;
  EXPECT_EQ(run("$now('[FNn] [H01]:[m01]', '+0100')", "null", o), R"("Friday 11:33")");
  // A width past 1024 is cut to it (a fuzzer's picture asked for 10^12).
  EXPECT_EQ(run("$length($fromMillis(0, '[Y,888888888888]'))"), "1024");
}

// $toMillis with a picture takes what the picture leaves out, before the
// first component given, from the evaluation's clock (the reference cases
// cannot: their clock is the real one), and the rest as the lowest value.
TEST(Jsonata, ToMillisPicturesTakeTheClock) {
  Options o;
  o.now_ms = 1521801216617;  // 2018-03-23T10:33:36.617Z, a Friday
  EXPECT_EQ(run("$toMillis('10:30', '[H01]:[m01]')", "null", o), "1521801000000");
  EXPECT_EQ(run("$toMillis('April 1', '[MNn] [D]')", "null", o), "1522540800000");
  EXPECT_EQ(run("$toMillis('2:05 pm', '[h]:[m01] [P]')", "null", o), "1521813900000");
  EXPECT_EQ(run("$toMillis('05', '[s01]')", "null", o), "1521801185000");
  // A gap (a year and an hour, no month or day) is D3136.
  EXPECT_EQ(run("$toMillis('2018 10', '[Y] [H]')", "null", o), "error D3136");
  // Text that is not in the picture's form is no instant.
  EXPECT_EQ(run("$toMillis('10h30', '[H01]:[m01]')", "null", o), "undefined");
}

// Where $formatNumber leaves the reference on purpose: zero in an
// exponent picture (the reference loops forever) and numbers past 1e21.
TEST(Jsonata, FormatNumber) {
  EXPECT_EQ(run("$formatNumber(0, '0.0e0')"), R"("0.0e0")");
  EXPECT_EQ(run("$formatNumber(1e21, '#,##0')"), R"("1,000,000,000,000,000,000,000")");
  EXPECT_EQ(run("$formatNumber(-1.5e-10, '0.0e0')"), R"("-1.5e-10")");
  // A picture that evaluates to nothing (found by the fuzzer: it crashed).
  EXPECT_EQ(run("$formatNumber(1, nothing)"), "undefined");
  EXPECT_EQ(run("$formatInteger(1, nothing)"), "undefined");
  EXPECT_EQ(run("$parseInteger('XI', nothing)"), "undefined");
}

TEST(Jsonata, VariablesAndNatives) {
  Options o;
  o.variables["states"] = json::parse(R"({"input":{"x":5}})");
  o.functions["twice"] = Native{"<n:n>", [](const std::vector<Maybe>& a) -> Outcome {
                                  return Maybe(json::value(a[0]->to_number<double>() * 2));
                                }};
  EXPECT_EQ(run("$twice($states.input.x)", "null", o), "10");
  EXPECT_EQ(run("$twice('a')", "null", o), "error T0410");
}

}  // namespace
}  // namespace nimbus::jsonata
