// Templates in, text out: the shapes AWS's mapping template documentation
// shows (in our own values), Velocity's rules, and the bounds.
#include "common/vtl/vtl.h"

#include <gtest/gtest.h>

namespace nimbus::vtl {
namespace {

namespace json = boost::json;

// A stand-in for the gateway's $input: body, json(path), path(path), params().
class FakeInput final : public HostObject {
 public:
  json::value doc = json::parse(
      R"({"name":"ann","pets":[{"kind":"cat","age":3},{"kind":"dog","age":1.5}],"n":null})");
  json::object params =
      json::parse(R"({"path":{"id":"7"},"querystring":{"q":"a b"},"header":{"X-Tag":"t1"}})")
          .as_object();
  Answer call(std::string_view name, const std::vector<json::value>& args,
              bool property) const override {
    if (name == "body" && property) return json::value(json::serialize(doc));
    if ((name == "path" || name == "json") && args.size() == 1 && args[0].is_string()) {
      auto v = json_path(doc, args[0].as_string());
      if (name == "path") return v;
      return json::value(v ? json::serialize(*v) : std::string("null"));
    }
    if (name == "params" && args.empty()) return json::value(params);
    return std::optional<json::value>();
  }
};

std::string render(std::string_view text, Context ctx = {}) {
  static FakeInput input;
  ctx.objects["input"] = &input;
  ctx.objects["util"] = &util_object();
  ctx.variables.try_emplace(
      "context",
      json::parse(R"({"requestId":"r-1","stage":"dev","identity":{"sourceIp":"10.0.0.1"}})"));
  auto t = Template::parse(text);
  if (auto* e = std::get_if<Error>(&t))
    return "PARSE ERROR " + std::to_string(e->line) + ":" + std::to_string(e->column) + " " +
           e->message;
  auto out = std::get<Template>(t).render(ctx);
  if (auto* e = std::get_if<Error>(&out)) return "ERROR " + e->message;
  return std::get<std::string>(out);
}

struct Case {
  const char* tmpl;
  const char* want;
};

TEST(Vtl, Cases) {
  const Case cases[] = {
      {"plain text", "plain text"},
      {"$context.requestId/${context.stage}", "r-1/dev"},
      {"$missing and $!missing and $!{missing}.", "$missing and  and ."},
      {"$context.nope|$!context.nope", "$context.nope|"},
      {"cost: $5.00 #notadirective", "cost: $5.00 #notadirective"},
      {"{\"ip\": \"$context.identity.sourceIp\"}", "{\"ip\": \"10.0.0.1\"}"},
      {"#set($a = 1)#set($b = $a + 2)$b", "3"},
      {"#set($s = \"x-$context.stage\")$s", "x-dev"},
      {"#set($s = 'x-$context.stage')$s", "x-$context.stage"},
      {"#if($context.stage == 'dev')D#elseif($context.stage == 'prod')P#{else}O#end", "D"},
      {"#if(!$missing)none#end", "none"},
      {"#if($missing || 1 > 2)y#{else}n#end", "n"},
      {"#if(3 >= 3 and 2 lt 3 && not false)ok#end", "ok"},
      {"#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end", "1,2,3"},
      {"#foreach($i in [3..1])$velocityCount:$i #end", "1:3 2:2 3:1 "},
      {"#foreach($p in $input.path('$.pets'))$p.kind=$p.age;#end", "cat=3;dog=1.5;"},
      {"#set($m = {'a':1,'b':2})#foreach($k in $m.keySet())$k#end", "ab"},
      {"#foreach($x in [1,2,3,4])#if($x == 3)#break#end$x#end", "12"},
      {"a#stop b", "a"},
      {"## a comment\nx#* block\ncomment *#y", "xy"},
      {"#[[$not #set(parsed)]]#", "$not #set(parsed)"},
      {"$input.json('$.pets[0]')", "{\"kind\":\"cat\",\"age\":3}"},
      {"$input.path('$.pets[-1].kind') $input.path('$.pets[*].kind')", "dog [cat, dog]"},
      {"$input.path('$.pets[0]')", "{kind=cat, age=3}"},
      {"$input.path('$.n')|$!input.path('$.n')", "$input.path('$.n')|"},
      {"$input.params().path.id $input.params().querystring.get('q')", "7 a b"},
      {"#set($t = 'it''s \"q\"/	')$util.escapeJavaScript($t)", "it\\'s \\\"q\\\"\\/\\t"},
      {"$util.escapeJavaScript('é😀')", "\\u00E9\\uD83D\\uDE00"},
      {"$util.urlEncode('a b&c=d/é')|$util.urlDecode('a+b%26c')", "a+b%26c%3Dd%2F%C3%A9|a b&c"},
      {"$util.base64Encode('hello')|$util.base64Decode('aGVsbG8=')", "aGVsbG8=|hello"},
      {"#set($o = $util.parseJson('{\"a\":[1,{\"b\":true}]}'))$o.a[1].b $o.a.size()", "true 2"},
      {"#set($m = {})#set($ignored = $m.put('k', 'v'))$m.k $m.size() $m.containsKey('k')",
       "v 1 true"},
      {"#set($l = [])#set($ok = $l.add(1))#set($ok = $l.add('two'))$l $l.size() $l.get(1)",
       "[1, two] 2 two"},
      {"#set($m = {'a': {'b': 1}})#set($m.a.b = 5)#set($m.c = [1])$m", "{a={b=5}, c=[1]}"},
      {"$context.stage.toUpperCase() $context.stage.length() $context.requestId.substring(2)",
       "DEV 3 1"},
      {"$context.requestId.replace('-', '_') $context.stage.startsWith('d') "
       "$context.stage.indexOf('v')",
       "r_1 true 2"},
      {"#set($t = 'a,b,,c,,')#set($p = $t.split(','))$p $p.size()", "[a, b, , c] 4"},
      {"$context.stage.equals('dev') ${context.stage}x", "true devx"},
      {"#set($a-b = 1)$a-b $context.stage-", "1 $context.stage-"},
      {"#set($x = 7 / 2)#set($y = 7.0 / 2)#set($z = 7 % 3)$x $y $z ${x}", "3 3.5 1 3"},
      {"#set($d = 1.0 * 3)#set($e = 10000000.0 * 10)$d $e", "3.0 1.0E8"},
      {"#set($x = 1 / 0)$x", "$x"},
      {"#set($s = 'a' + 1 + 'b')$s", "a1b"},
      {"#set($a = 'kept')#set($a = $missing)$a", "kept"},
      {"#set($b = \"\"\"x\"\"\")$b", "\"x\""},
      {"$input.body.length() > 0", "82 > 0"},
  };
  for (const auto& c : cases) EXPECT_EQ(render(c.tmpl), c.want) << c.tmpl;
}

TEST(Vtl, DirectiveLinesRenderNothing) {
  // The docs' shape: all parameters as JSON, one directive per line.
  const char* tmpl = R"T(#set($all = $input.params())
{
  "params": {
    #foreach($type in $all.keySet())
    #set($ps = $all.get($type))
    "$type": {
      #foreach($name in $ps.keySet())
      "$name": "$util.escapeJavaScript($ps.get($name))"#if($foreach.hasNext),#end

      #end
    }#if($foreach.hasNext),#end

    #end
  }
}
)T";
  std::string out = render(tmpl);
  auto parsed = json::parse(out);
  EXPECT_EQ(parsed.at("params").at("querystring").at("q"), "a b") << out;
  EXPECT_EQ(parsed.at("params").at("header").at("X-Tag"), "t1");
  EXPECT_EQ(out.find("  #"), std::string::npos) << out;
  EXPECT_EQ(render("a\n  #set($x = 1)\nb\n"), "a\nb\n");
  EXPECT_EQ(render("a #set($x = 1) b"), "a  b");
}

TEST(Vtl, NamesTheVariablesItUses) {
  auto t = std::get<Template>(Template::parse("#set($a = \"$b.c\")$d.e($f)#if($g)#end"));
  for (const char* n : {"a", "b", "d", "f", "g"}) EXPECT_TRUE(t.uses(n)) << n;
  EXPECT_FALSE(t.uses("c"));
  EXPECT_FALSE(t.uses("context"));
  EXPECT_FALSE(std::get<Template>(Template::parse("{\"statusCode\": 200}")).uses("context"));
}

TEST(Vtl, CallerVariables) {
  Context ctx;
  ctx.variables["stageVariables"] = json::parse(R"({"table":"T1"})");
  EXPECT_EQ(render("$stageVariables.table/$stageVariables.other", ctx), "T1/$stageVariables.other");
}

TEST(Vtl, AssignedVariablesComeBack) {
  Context ctx;
  ctx.variables["context"] = json::parse(R"({"responseOverride":{"status":null,"header":{}}})");
  auto t = std::get<Template>(Template::parse(
      "#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X = 'y')"
      "#set($mine = [1])#foreach($i in [1])#end"));
  Template::Variables assigned;
  ASSERT_EQ(std::get<std::string>(t.render(ctx, &assigned)), "");
  EXPECT_EQ(
      json::value(json::object(assigned.begin(), assigned.end())),
      json::parse(
          R"({"context":{"responseOverride":{"status":404,"header":{"X":"y"}}},"mine":[1]})"));
}

TEST(Vtl, ParseErrorsSayWhere) {
  EXPECT_EQ(render("ok\n#if($a"), "PARSE ERROR 2:7 expected ')' closing #if");
  EXPECT_EQ(render("#foreach($i in [1])x"), "PARSE ERROR 1:21 #foreach without #end");
  EXPECT_EQ(render("x#end"), "PARSE ERROR 1:2 #end without a matching directive");
  EXPECT_EQ(render("#set($a.b() = 1)"), "PARSE ERROR 1:12 #set cannot assign to a method call");
  EXPECT_EQ(render("#* open"), "PARSE ERROR 1:1 unterminated #* comment");
  EXPECT_EQ(render("#set($a = 'open)"), "PARSE ERROR 1:11 unterminated string");
  EXPECT_EQ(render("#set($a = 99999999999999999999)"), "PARSE ERROR 1:31 a number out of range");
  std::string deep(500, '(');
  EXPECT_EQ(render("#set($a = " + deep + "1" + std::string(500, ')') + ")").substr(0, 11),
            "PARSE ERROR");
}

TEST(Vtl, RuntimeErrors) {
  EXPECT_EQ(render("$util.parseJson('{bad')"), "ERROR $util.parseJson: the text is not JSON");
  EXPECT_EQ(render("$util.base64Decode('!!')"), "ERROR $util.base64Decode: the text is not base64");
  EXPECT_EQ(render("$context.stage.substring(9)"), "ERROR substring: index out of range");
  EXPECT_EQ(render("$context.stage.split('[a-z]+')"),
            "ERROR split: regular expressions are not supported");
}

TEST(Vtl, Bounds) {
  Context ctx;
  ctx.max_loop = 100;
  EXPECT_EQ(render("#foreach($i in [1..101])#end", ctx), "ERROR a range of more than 100 items");
  ctx.max_loop = 10000;
  ctx.max_steps = 1000;
  EXPECT_EQ(render("#foreach($i in [1..1000])$i#end", ctx),
            "ERROR the template took too many steps");
  Context tiny;
  tiny.max_output = 10;
  EXPECT_EQ(render("#foreach($i in [1..20])ab#end", tiny),
            "ERROR the template's output is too large");
  EXPECT_EQ(render("#set($s = 'ab')#foreach($i in [1..30])#set($s = \"$s$s\")#end", tiny),
            "ERROR the template's output is too large");
  EXPECT_EQ(render("#set($a = [])#foreach($i in [1..200])#set($a = [$a])#end"),
            "ERROR a value nests too deeply or is too large");
  EXPECT_EQ(render("#set($a = [])#foreach($i in [1..30])#set($ok = $a.add($a))#end$a.size()")
                .substr(0, 5),
            "ERROR");
}

TEST(Vtl, JsonPath) {
  auto doc = json::parse(R"({"a":{"b c":[10,20]},"x":[{"y":1},{"y":2},{"z":3}]})");
  EXPECT_EQ(*json_path(doc, "$"), doc);
  EXPECT_EQ(*json_path(doc, "$.a['b c'][1]"), 20);
  EXPECT_EQ(*json_path(doc, "$.x[*].y"), json::parse("[1,2]"));
  EXPECT_EQ(*json_path(doc, "$.x.*.z"), json::parse("[3]"));
  EXPECT_FALSE(json_path(doc, "$.nope"));
  EXPECT_FALSE(json_path(doc, "a.b"));
  EXPECT_FALSE(json_path(doc, "$.a[1"));
}

}  // namespace
}  // namespace nimbus::vtl
