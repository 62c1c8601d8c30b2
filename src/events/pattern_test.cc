// EventPattern against EventBridge's documented behaviour: tables of
// (pattern, event, expected) and of (bad pattern, EventBridge's reason).
#include "events/pattern.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <thread>
#include <vector>

namespace nimbus::events {
namespace {

struct Case {
  const char* pattern;
  const char* event;
  bool expected;
};

// clang-format off
const Case kCases[] = {
  // Exact values, lists of alternatives, nesting.
  {R"({"source":["aws.ec2"]})", R"({"source":"aws.ec2"})", true},
  {R"({"source":["aws.ec2"]})", R"({"source":"aws.s3"})", false},
  {R"({"source":["aws.ec2"]})", R"({"other":"aws.ec2"})", false},
  {R"({"source":["aws.ec2","aws.s3"]})", R"({"source":"aws.s3"})", true},
  {R"({"source":["AWS.EC2"]})", R"({"source":"aws.ec2"})", false},
  {R"({"d":{"state":["on"]}})", R"({"d":{"state":"on"}})", true},
  {R"({"d":{"state":["on"]}})", R"({"d":{"state":"off"}})", false},
  {R"({"d":{"state":["on"]}})", R"({"d":"on"})", false},
  {R"({"d":{"state":["on"]}})", R"({"state":"on"})", false},
  {R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"y"})", true},
  {R"({"a":["x"],"b":["y"]})", R"({"a":"x","b":"z"})", false},
  {R"({"a":[""]})", R"({"a":""})", true},
  {R"({"a":[""]})", R"({"a":"x"})", false},
  // Numbers compare numerically, and never equal strings.
  {R"({"n":[5]})", R"({"n":5})", true},
  {R"({"n":[5]})", R"({"n":5.0})", true},
  {R"({"n":[5]})", R"({"n":5e0})", true},
  {R"({"n":[301.5]})", R"({"n":3.015e2})", true},
  {R"({"n":[5]})", R"({"n":"5"})", false},
  {R"({"n":["5"]})", R"({"n":5})", false},
  {R"({"n":[5]})", R"({"n":6})", false},
  {R"({"n":[123456789012]})", R"({"n":123456789012})", true},
  {R"({"n":[123456789012]})", R"({"n":123456789013})", false},
  // Booleans and null.
  {R"({"b":[true]})", R"({"b":true})", true},
  {R"({"b":[true]})", R"({"b":"true"})", false},
  {R"({"b":[false]})", R"({"b":true})", false},
  {R"({"z":[null]})", R"({"z":null})", true},
  {R"({"z":[null]})", R"({"other":1})", false},
  {R"({"z":[null]})", R"({"z":"null"})", false},
  // Arrays in the event: any element.
  {R"({"r":["a"]})", R"({"r":["b","a"]})", true},
  {R"({"r":["a"]})", R"({"r":["b","c"]})", false},
  {R"({"r":["a"]})", R"({"r":[["b",["a"]]]})", true},
  {R"({"r":["a","z"]})", R"({"r":["z"]})", true},
  {R"({"r":[3]})", R"({"r":[1,2,3]})", true},
  {R"({"o":{"k":["v"]}})", R"({"o":[{"k":"w"},{"k":"v"}]})", true},
  {R"({"o":{"k":["v"]}})", R"({"o":[{"k":"w"}]})", false},
  // prefix / suffix, plain and ignoring case.
  {R"({"r":[{"prefix":"us-"}]})", R"({"r":"us-east-1"})", true},
  {R"({"r":[{"prefix":"us-"}]})", R"({"r":"eu-west-1"})", false},
  {R"({"r":[{"prefix":"us-"}]})", R"({"r":"US-east-1"})", false},
  {R"({"r":[{"prefix":"1"}]})", R"({"r":12})", false},
  {R"({"r":[{"prefix":""}]})", R"({"r":"anything"})", true},
  {R"({"r":[{"prefix":{"equals-ignore-case":"EventB"}}]})", R"({"r":"eventbridge"})", true},
  {R"({"r":[{"prefix":{"equals-ignore-case":"EventB"}}]})", R"({"r":"event"})", false},
  {R"({"f":[{"suffix":".png"}]})", R"({"f":"a.png"})", true},
  {R"({"f":[{"suffix":".png"}]})", R"({"f":"a.PNG"})", false},
  {R"({"f":[{"suffix":".png"}]})", R"({"f":"a.jpg"})", false},
  {R"({"f":[{"suffix":{"equals-ignore-case":".PNG"}}]})", R"({"f":"a.png"})", true},
  {R"({"f":[{"suffix":{"equals-ignore-case":".PNG"}}]})", R"({"f":"png"})", false},
  // equals-ignore-case.
  {R"({"n":[{"equals-ignore-case":"alice"}]})", R"({"n":"ALICE"})", true},
  {R"({"n":[{"equals-ignore-case":"alice"}]})", R"({"n":"alicia"})", false},
  {R"({"n":[{"equals-ignore-case":"1"}]})", R"({"n":1})", false},
  {R"({"n":[{"equals-ignore-case":"ÉCOLE Ÿ"}]})", R"({"n":"école ÿ"})", true},
  {R"({"n":[{"equals-ignore-case":"ΣΟΦΊΑ"}]})", R"({"n":"σοφία"})", true},
  {R"({"n":[{"equals-ignore-case":"ΣΟΦΙΑ"}]})", R"({"n":"σοφια"})", true},
  {R"({"n":[{"equals-ignore-case":"МОСКВА Ёж"}]})", R"({"n":"москва ёЖ"})", true},
  {R"({"n":[{"equals-ignore-case":"ŁÓDŹ"}]})", R"({"n":"łódź"})", true},
  {R"({"n":[{"equals-ignore-case":"é"}]})", R"({"n":"e"})", false},
  {R"({"n":[{"suffix":{"equals-ignore-case":"É"}}]})", R"({"n":"café"})", true},
  {R"({"n":[{"prefix":{"equals-ignore-case":"É"}}]})", R"({"n":"\u00c9t\u00e9"})", true},
  // anything-but: single value, lists, numbers, prefix, suffix, ignore case, wildcard.
  {R"({"s":[{"anything-but":"init"}]})", R"({"s":"running"})", true},
  {R"({"s":[{"anything-but":"init"}]})", R"({"s":"init"})", false},
  {R"({"s":[{"anything-but":"init"}]})", R"({"other":"x"})", false},
  {R"({"s":[{"anything-but":"init"}]})", R"({"s":["init","x"]})", true},
  {R"({"s":[{"anything-but":"init"}]})", R"({"s":["init"]})", false},
  {R"({"s":[{"anything-but":["a","b"]}]})", R"({"s":"b"})", false},
  {R"({"s":[{"anything-but":["a","b"]}]})", R"({"s":"c"})", true},
  {R"({"n":[{"anything-but":[100,200]}]})", R"({"n":200.0})", false},
  {R"({"n":[{"anything-but":[100,200]}]})", R"({"n":150})", true},
  {R"({"n":[{"anything-but":100}]})", R"({"n":100})", false},
  {R"({"n":[{"anything-but":100}]})", R"({"n":"abc"})", false},
  {R"({"r":[{"anything-but":{"prefix":"us-"}}]})", R"({"r":"eu-west-1"})", true},
  {R"({"r":[{"anything-but":{"prefix":"us-"}}]})", R"({"r":"us-east-1"})", false},
  {R"({"f":[{"anything-but":{"suffix":".png"}}]})", R"({"f":"a.jpg"})", true},
  {R"({"f":[{"anything-but":{"suffix":".png"}}]})", R"({"f":"a.png"})", false},
  {R"({"s":[{"anything-but":{"equals-ignore-case":"init"}}]})", R"({"s":"INIT"})", false},
  {R"({"s":[{"anything-but":{"equals-ignore-case":["a","b"]}}]})", R"({"s":"B"})", false},
  {R"({"s":[{"anything-but":{"equals-ignore-case":["a","b"]}}]})", R"({"s":"c"})", true},
  {R"({"p":[{"anything-but":{"wildcard":"*/lib/*"}}]})", R"({"p":"/usr/lib/x"})", false},
  {R"({"p":[{"anything-but":{"wildcard":"*/lib/*"}}]})", R"({"p":"/usr/bin/x"})", true},
  {R"({"p":[{"anything-but":{"wildcard":["*.a","*.b"]}}]})", R"({"p":"x.b"})", false},
  {R"({"p":[{"anything-but":{"wildcard":["*.a","*.b"]}}]})", R"({"p":"x.c"})", true},
  // numeric.
  {R"({"c":[{"numeric":[">",0,"<=",5]}]})", R"({"c":5})", true},
  {R"({"c":[{"numeric":[">",0,"<=",5]}]})", R"({"c":0})", false},
  {R"({"c":[{"numeric":[">",0,"<=",5]}]})", R"({"c":5.000001})", false},
  {R"({"c":[{"numeric":[">",0,"<=",5]}]})", R"({"c":0.000001})", true},
  {R"({"c":[{"numeric":[">=",0,"<",5]}]})", R"({"c":0})", true},
  {R"({"c":[{"numeric":[">=",0,"<",5]}]})", R"({"c":5})", false},
  {R"({"c":[{"numeric":["<",10]}]})", R"({"c":-1e3})", true},
  {R"({"c":[{"numeric":["<",10]}]})", R"({"c":10})", false},
  {R"({"c":[{"numeric":["<=",10]}]})", R"({"c":10})", true},
  {R"({"c":[{"numeric":[">",10]}]})", R"({"c":10})", false},
  {R"({"c":[{"numeric":[">=",10]}]})", R"({"c":10})", true},
  {R"({"c":[{"numeric":["=",3.018e2]}]})", R"({"c":301.8})", true},
  {R"({"c":[{"numeric":["=",3.018e2]}]})", R"({"c":301.81})", false},
  {R"({"c":[{"numeric":[">",0]}]})", R"({"c":"5"})", false},
  {R"({"c":[{"numeric":[">",0]}]})", R"({"c":6e9})", false},
  {R"({"c":[{"numeric":[">",0]}]})", R"({"c":[-1,3]})", true},
  {R"({"c":[{"numeric":["<",-4999999999.5]}]})", R"({"c":-5e9})", true},
  // exists: leaves only; arrays, nulls, objects.
  {R"({"s":[{"exists":true}]})", R"({"s":"x"})", true},
  {R"({"s":[{"exists":true}]})", R"({"s":null})", true},
  {R"({"s":[{"exists":true}]})", R"({"s":[1]})", true},
  {R"({"s":[{"exists":true}]})", R"({"s":[]})", false},
  {R"({"s":[{"exists":true}]})", R"({"s":{"k":1}})", false},
  {R"({"s":[{"exists":true}]})", R"({"t":1})", false},
  {R"({"s":[{"exists":false}]})", R"({"t":1})", true},
  {R"({"s":[{"exists":false}]})", R"({"s":null})", false},
  {R"({"s":[{"exists":false}]})", R"({"s":[]})", true},
  {R"({"s":[{"exists":false}]})", R"({"s":"x"})", false},
  {R"({"d":{"s":[{"exists":false}]}})", R"({"x":1})", true},
  {R"({"d":{"s":[{"exists":false}]}})", R"({"d":{"s":1}})", false},
  {R"({"d":{"s":[{"exists":false}]}})", R"({"d":{"t":1}})", true},
  {R"({"s":[{"exists":false},"x"]})", R"({"s":"x"})", true},
  {R"({"s":[{"exists":false},"x"]})", R"({"s":"y"})", false},
  // cidr and IP-address values, IPv4 and IPv6.
  {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.255"})", true},
  {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.1.0"})", false},
  {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"10.200.3.4"})", true},
  {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"not an ip"})", false},
  {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"::ffff:a00:1"})", false},
  {R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:DB8:ffff::1"})", true},
  {R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"2001:db9::1"})", false},
  {R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"10.0.0.1"})", false},
  {R"({"ip":["2001:db8::1"]})", R"({"ip":"2001:0db8:0:0::1"})", true},
  {R"({"ip":["10.0.0.1"]})", R"({"ip":"10.0.0.2"})", false},
  // wildcard.
  {R"({"f":[{"wildcard":"dir/*.png"}]})", R"({"f":"dir/a/b.png"})", true},
  {R"({"f":[{"wildcard":"dir/*.png"}]})", R"({"f":"dir/a.jpg"})", false},
  {R"({"f":[{"wildcard":"*"}]})", R"({"f":""})", true},
  {R"({"f":[{"wildcard":"*"}]})", R"({"f":1})", false},
  {R"({"f":[{"wildcard":"a*a"}]})", R"({"f":"a"})", false},
  {R"({"f":[{"wildcard":"a*a"}]})", R"({"f":"aa"})", true},
  {R"({"f":[{"wildcard":"*x*y*"}]})", R"({"f":"0y1x2y3"})", true},
  {R"({"f":[{"wildcard":"*x*y*"}]})", R"({"f":"0y1x2"})", false},
  {R"({"f":[{"wildcard":"a\\*b"}]})", R"({"f":"a*b"})", true},
  {R"({"f":[{"wildcard":"a\\*b"}]})", R"({"f":"axb"})", false},
  {R"({"f":[{"wildcard":"a\\\\b*"}]})", R"({"f":"a\\bc"})", true},
  {R"({"f":[{"wildcard":"abc"}]})", R"({"f":"abc"})", true},
  {R"({"f":[{"wildcard":"abc"}]})", R"({"f":"abcd"})", false},
  // $or, at the top and nested, with nested objects inside alternatives.
  {R"({"$or":[{"a":["1"]},{"b":["2"]}]})", R"({"b":"2"})", true},
  {R"({"$or":[{"a":["1"]},{"b":["2"]}]})", R"({"b":"3"})", false},
  {R"({"s":["x"],"$or":[{"a":["1"]},{"b":["2"]}]})", R"({"s":"y","a":"1"})", false},
  {R"({"d":{"$or":[{"c":[{"numeric":[">",0]}]},{"t":{"u":["v"]}}]}})", R"({"d":{"t":{"u":"v"}}})", true},
  {R"({"d":{"$or":[{"c":[{"numeric":[">",0]}]},{"t":{"u":["v"]}}]}})", R"({"d":{"c":-1}})", false},
  {R"({"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]})", R"({"c":"3"})", true},
  // Operator names are ordinary field names outside $or.
  {R"({"prefix":["2"]})", R"({"prefix":"2"})", true},
  // Events that are not objects match only patterns satisfied by absence.
  {R"({"a":["1"]})", R"("a")", false},
  {R"({"a":[{"exists":false}]})", R"([1,2])", true},
};

struct BadCase {
  const char* pattern;
  const char* reason;
};

const BadCase kBad[] = {
  {R"(["a"])", "Filter is not an object"},
  {R"("a")", "Filter is not an object"},
  {R"({})", "Empty objects are not allowed"},
  {R"({"a":{}})", "Empty objects are not allowed"},
  {R"({"a":"x"})", "\"a\" must be an object or an array"},
  {R"({"a":{"b":1}})", "\"b\" must be an object or an array"},
  {R"({"a":[]})", "Empty arrays are not allowed"},
  {R"({"a":[["x"]]})", "Match value must be String, number, true, false, or null"},
  {R"({"a":[{}]})", "Match expression name not found"},
  {R"({"a":[{"contains":"x"}]})", "Unrecognized match type contains"},
  {R"({"a":[{"prefix":"x","suffix":"y"}]})", "Only one key allowed in match expression"},
  {R"({"a":[{"prefix":1}]})", "prefix match pattern must be a string"},
  {R"({"a":[{"prefix":{"wildcard":"x"}}]})", "Unsupported prefix pattern: wildcard"},
  {R"({"a":[{"prefix":{"equals-ignore-case":1}}]})", "equals-ignore-case match pattern must be a string"},
  {R"({"a":[{"suffix":null}]})", "suffix match pattern must be a string"},
  {R"({"a":[{"equals-ignore-case":["x"]}]})", "equals-ignore-case match pattern must be a string"},
  {R"({"a":[{"wildcard":5}]})", "wildcard match pattern must be a string"},
  {R"({"a":[{"wildcard":"a**b"}]})", "Consecutive wildcard characters at pos 1"},
  {R"({"a":[{"wildcard":"a\\b"}]})", "Invalid escape character at pos 1"},
  {R"({"a":[{"wildcard":"ab\\"}]})", "Invalid escape character at pos 2"},
  {R"({"a":[{"exists":"true"}]})", "exists match pattern must be either true or false."},
  {R"({"a":[{"numeric":5}]})", "Value of numeric must be an array."},
  {R"({"a":[{"numeric":[]}]})", "Invalid member in numeric match: ]"},
  {R"({"a":[{"numeric":[5]}]})", "Invalid member in numeric match: 5"},
  {R"({"a":[{"numeric":["!=",5]}]})", "Unrecognized numeric range operator: !="},
  {R"({"a":[{"numeric":[">","5"]}]})", "Value of > must be numeric"},
  {R"({"a":[{"numeric":["="]}]})", "Value of equals must be numeric"},
  {R"({"a":[{"numeric":["=",5,"<",6]}]})", "Too many elements in numeric expression"},
  {R"({"a":[{"numeric":["<",5,">",1]}]})", "Too many elements in numeric expression"},
  {R"({"a":[{"numeric":[">",5,">",6]}]})", "Bad numeric range operator: >"},
  {R"({"a":[{"numeric":[">",5,6]}]})", "Bad value in numeric range: 6"},
  {R"({"a":[{"numeric":[">",5,"<","6"]}]})", "Value of < must be numeric"},
  {R"({"a":[{"numeric":[">",5,"<",6,7]}]})", "Too many terms in numeric range expression"},
  {R"({"a":[{"numeric":[">",6e9]}]})", "Value must be between -5.0E9 and 5.0E9, inclusive"},
  {R"({"a":[{"numeric":[">",6,"<",5]}]})", "Bottom must be less than top"},
  {R"({"a":[{"numeric":[">=",5,"<=",5]}]})", "Bottom must be less than top"},
  {R"({"a":[{"cidr":5}]})", "prefix match pattern must be a string"},
  {R"({"a":[{"cidr":"10.0.0.0"}]})", "Malformed CIDR, one '/' required"},
  {R"({"a":[{"cidr":"10.0.0.0/x"}]})", "Malformed CIDR, mask bits must be an integer"},
  {R"({"a":[{"cidr":"10.0.0.0/-1"}]})", "Malformed CIDR, mask bits must not be negative"},
  {R"({"a":[{"cidr":"10.0.0/8"}]})", "Nonstandard IP address: 10.0.0"},
  {R"({"a":[{"cidr":"999.0.0.0/8"}]})", "Invalid IP address: 999.0.0.0"},
  {R"({"a":[{"cidr":"host.example/8"}]})", "Nonstandard IP address: host.example"},
  {R"({"a":[{"cidr":"10.0.0.0/32"}]})", "IPv4 mask bits must be < 32"},
  {R"({"a":[{"cidr":"::/128"}]})", "IPv6 mask bits must be < 128"},
  {R"({"a":[{"anything-but":true}]})", "Value of anything-but must be an array or single string/number value."},
  {R"({"a":[{"anything-but":{}}]})", "Anything-But expression name not found"},
  {R"({"a":[{"anything-but":{"numeric":[">",1]}}]})", "Unsupported anything-but pattern: numeric"},
  {R"({"a":[{"anything-but":{"prefix":""}}]})", "Null prefix/suffix not allowed"},
  {R"({"a":[{"anything-but":{"suffix":1}}]})", "prefix/suffix match pattern must be a string"},
  {R"({"a":[{"anything-but":["a",1]}]})", "Inside anything but list, either all values are number or string, mixed type is not supported"},
  {R"({"a":[{"anything-but":[]}]})", "Inside anything but list, either all values are number or string, mixed type is not supported"},
  {R"({"a":[{"anything-but":[null]}]})", "Inside anything but list, start|null|boolean is not supported."},
  {R"({"a":[{"anything-but":{"equals-ignore-case":[1]}}]})", "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported."},
  {R"({"a":[{"anything-but":{"wildcard":"a**"}}]})", "Consecutive wildcard characters at pos 1"},
  {R"({"$or":{"a":["1"]}})", "It must be an Array followed with $or."},
  {R"({"$or":[{"a":["1"]}]})", "There must have at least 2 Objects in $or relationship."},
  {R"({"$or":[{"a":["1"]},"b"]})", "Only JSON object is allowed in array of $or relationship."},
  {R"({"$or":[{"a":["1"]},{"prefix":["2"]}]})", "prefix is Ruler reserved fieldName which cannot be used inside $or."},
  {R"({"$or":[{"a":["1"]},{"b":{"<=":["2"]}}]})", "<= is Ruler reserved fieldName which cannot be used inside $or."},
};
// clang-format on

boost::json::value event(const char* text) {
  return boost::json::parse(text);
}

TEST(EventPattern, MatchesLikeEventBridge) {
  for (const auto& c : kCases) {
    auto p = EventPattern::parse(c.pattern);
    ASSERT_TRUE(p) << c.pattern << ": " << p.error().message;
    EXPECT_EQ(p->matches(event(c.event)), c.expected) << c.pattern << " vs " << c.event;
  }
}

TEST(EventPattern, RejectsWithEventBridgesReason) {
  for (const auto& c : kBad) {
    auto p = EventPattern::parse(c.pattern);
    ASSERT_FALSE(p) << c.pattern;
    EXPECT_EQ(p.error().code, "InvalidEventPatternException");
    EXPECT_EQ(p.error().http_status, 400);
    EXPECT_EQ(p.error().message, std::string("Event pattern is not valid. Reason: ") + c.reason)
        << c.pattern;
  }
}

TEST(EventPattern, RejectsNonJsonAndHostileInput) {
  EXPECT_FALSE(EventPattern::parse("{\"a\": [1"));
  EXPECT_FALSE(EventPattern::parse(""));
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "{\"a\":";
  deep += "[1]" + std::string(100, '}');
  auto p = EventPattern::parse(deep);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("nested"), std::string::npos) << p.error().message;
  EXPECT_FALSE(EventPattern::parse("{\"a\":[\"" + std::string(70000, 'x') + "\"]}"));
}

TEST(EventPattern, DeepEventArraysDoNotRecurseWithoutBound) {
  auto p = EventPattern::parse(R"({"a":["x"]})");
  ASSERT_TRUE(p);
  boost::json::value v = "x";
  for (int i = 0; i < 10000; ++i) v = boost::json::array{std::move(v)};
  boost::json::object o;
  o["a"] = std::move(v);
  EXPECT_FALSE(p->matches(o));  // past the array depth limit, not a crash
}

TEST(EventPattern, MatchesFromManyThreadsAtOnce) {
  auto p = EventPattern::parse(R"({"n":[{"numeric":[">=",0,"<",50]}],"s":[{"wildcard":"a*z"}]})");
  ASSERT_TRUE(p);
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        boost::json::object e;
        e["n"] = i;
        e["s"] = "abcz";
        if (p->matches(e)) ++hits;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(hits.load(), 4 * 50);
}

TEST(EventPattern, CopiesShareTheCompiledPattern) {
  auto p = EventPattern::parse(R"({"a":[{"prefix":"x"}]})");
  ASSERT_TRUE(p);
  EventPattern copy = *p;
  EXPECT_TRUE(copy.matches(event(R"({"a":"xy"})")));
}

}  // namespace
}  // namespace nimbus::events
