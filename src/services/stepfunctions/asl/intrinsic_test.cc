#include "services/stepfunctions/asl/intrinsic.h"

#include <gtest/gtest.h>

namespace nimbus::sfn::asl {
namespace {

namespace json = boost::json;

const json::value kInput = json::parse(
    R"({"name":"Ann","n":3,"list":[1,2,2,3],"text":"a,b;;c","obj":{"a":1},"other":{"b":2}})");
const json::value kContext = json::parse(R"({"Execution":{"Name":"run1"}})");

json::value eval(std::string_view text) {
  auto f = Intrinsic::parse(text);
  EXPECT_TRUE(f.is_ok()) << text << ": " << (f ? "" : f.error().message);
  if (!f) return nullptr;
  auto v = f->evaluate(kInput, kContext);
  EXPECT_TRUE(v.is_ok()) << text << ": " << (v ? "" : v.error().message);
  return v ? *v : json::value("<error>");
}

Error eval_error(std::string_view text) {
  auto f = Intrinsic::parse(text);
  if (!f) return f.error();
  auto v = f->evaluate(kInput, kContext);
  EXPECT_FALSE(v.is_ok()) << text;
  return v ? Error{} : v.error();
}

TEST(Intrinsic, EveryFunction) {
  EXPECT_EQ(eval("States.Format('Hi {} from {}', $.name, $$.Execution.Name)"), "Hi Ann from run1");
  EXPECT_EQ(eval("States.Format('\\{} {}', $.n)"), "{} 3");
  EXPECT_EQ(eval("States.StringToJson('{\"x\":[1]}')"), json::parse(R"({"x":[1]})"));
  EXPECT_EQ(eval("States.JsonToString($.obj)"), R"({"a":1})");
  EXPECT_EQ(eval("States.Array(1, 'two', $.n, null, true)"),
            json::parse(R"([1,"two",3,null,true])"));
  EXPECT_EQ(eval("States.ArrayPartition($.list, 3)"), json::parse("[[1,2,2],[3]]"));
  EXPECT_EQ(eval("States.ArrayContains($.list, 3)"), true);
  EXPECT_EQ(eval("States.ArrayRange(1, 9, 3)"), json::parse("[1,4,7]"));
  EXPECT_EQ(eval("States.ArrayGetItem($.list, 3)"), 3);
  EXPECT_EQ(eval("States.ArrayLength($.list)"), 4);
  EXPECT_EQ(eval("States.ArrayUnique($.list)"), json::parse("[1,2,3]"));
  EXPECT_EQ(eval("States.Base64Encode('Data to encode')"), "RGF0YSB0byBlbmNvZGU=");
  EXPECT_EQ(eval("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"), "Data to encode");
  EXPECT_EQ(eval("States.Hash('input data', 'SHA-1')"), "aaff4a450a104cd177d28d18d74485e8cae074b7");
  EXPECT_EQ(eval("States.JsonMerge($.obj, $.other, false)"), json::parse(R"({"a":1,"b":2})"));
  EXPECT_EQ(eval("States.MathAdd($.n, -5)"), -2);
  EXPECT_EQ(eval("States.StringSplit($.text, ',;')"), json::parse(R"(["a","b","c"])"));
  EXPECT_EQ(eval("States.ArrayLength(States.Array(1, 2))"), 2);
  json::value r = eval("States.MathRandom(1, 10)");
  ASSERT_TRUE(r.is_int64());
  EXPECT_GE(r.as_int64(), 1);
  EXPECT_LT(r.as_int64(), 10);
  EXPECT_EQ(eval("States.MathRandom(1, 1000, 7)"), eval("States.MathRandom(1, 1000, 7)"));
  std::string uuid(eval("States.UUID()").as_string());
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[14], '4');
}

TEST(Intrinsic, ParseErrorsNameTheProblem) {
  EXPECT_FALSE(Intrinsic::parse("States.Nope(1)").is_ok());
  EXPECT_FALSE(Intrinsic::parse("States.Format(").is_ok());
  EXPECT_FALSE(Intrinsic::parse("States.UUID(1)").is_ok());
  EXPECT_FALSE(Intrinsic::parse("States.Array(1) trailing").is_ok());
  EXPECT_FALSE(Intrinsic::parse("States.Format('x', {})").is_ok());
}

TEST(Intrinsic, RuntimeFailures) {
  EXPECT_EQ(eval_error("States.Format('{} {}', $.n)").code, "States.IntrinsicFailure");
  EXPECT_EQ(eval_error("States.ArrayGetItem($.list, 9)").code, "States.IntrinsicFailure");
  EXPECT_EQ(eval_error("States.Hash('x', 'SHA-3')").code, "States.IntrinsicFailure");
  EXPECT_EQ(eval_error("States.JsonMerge($.obj, $.other, true)").code, "States.IntrinsicFailure");
  EXPECT_EQ(eval_error("States.Format('{}', $.missing)").code, "States.Runtime");
  EXPECT_EQ(eval_error("States.ArrayRange(1, 5000, 1)").code, "States.IntrinsicFailure");
}

}  // namespace
}  // namespace nimbus::sfn::asl
