// What a function sees from nimbus's Python and Node.js bootstraps beyond a
// plain echo: the context's client context, identity and trace id, large
// and non-ASCII payloads over the bootstraps' own HTTP clients, many
// invocations on one warm environment, module kinds, and the init and
// marshalling errors Lambda reports.
#include <gtest/gtest.h>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

// Invoke's ClientContext as the Lambda service hands it on: decoded JSON.
constexpr const char* kClientContext = "{\"custom\":{\"k\":\"v\xc3\xa9\"}}";  // "vé" in UTF-8
constexpr const char* kIdentity = R"({"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool"})";
constexpr const char* kTrace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";

InvokeRequest detailed(const std::string& payload) {
  InvokeRequest r = request(payload);
  r.client_context = kClientContext;
  r.cognito_identity = kIdentity;
  r.trace_id = kTrace;
  return r;
}

// A JSON string of n bytes with non-ASCII characters at both ends.
std::string big_payload(size_t n) {
  return "\"\xc3\xa9" + std::string(n, 'x') + "\xe2\x82\xac\"";
}

TEST(PythonBootstrap, ContextDetailsLargePayloadsAndWarmReuse) {
  auto code = make_code({{"app.py", R"(
import os
count = 0
def handler(event, context):
    global count
    count += 1
    if isinstance(event, str):
        return {"len": len(event), "first": event[0], "last": event[-1], "count": count}
    cc, who = context.client_context, context.identity
    return {"cc": cc and cc.custom, "who": [who.cognito_identity_id, who.cognito_identity_pool_id],
            "trace": os.environ.get("_X_AMZN_TRACE_ID"), "count": count, "event": event}
)"}});
  auto env = Environment::create(host(), spec("python3.12", "app.handler", code));
  InvokeResult r = invoke(*env, detailed(R"({"k": "\u00e9\u20ac"})"));
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_EQ(r.payload, R"({"cc": {"k": "v\u00e9"}, "who": ["id-1", "pool"], "trace": ")" +
                           std::string(kTrace) +
                           R"(", "count": 1, "event": {"k": "\u00e9\u20ac"}})");
  // 3 MB each way through the bootstrap's HTTP client, several times.
  for (int i = 2; i <= 4; ++i) {
    InvokeResult big = invoke(*env, big_payload(3 << 20));
    ASSERT_EQ(big.status, InvokeStatus::kOk) << big.payload.substr(0, 200) << big.log_tail;
    EXPECT_EQ(big.payload, R"({"len": )" + std::to_string((3 << 20) + 2) +
                               R"(, "first": "\u00e9", "last": "\u20ac", "count": )" +
                               std::to_string(i) + "}");
  }
  // Without a trace id the variable is gone again.
  InvokeResult plain = invoke(*env, "null");
  ASSERT_EQ(plain.status, InvokeStatus::kOk) << plain.payload;
  EXPECT_NE(plain.payload.find(R"("trace": null, "count": 5, "event": null)"), std::string::npos)
      << plain.payload;
  env->kill();
}

TEST(PythonBootstrap, InitAndMarshalErrors) {
  auto code = make_code({{"app.py", "def handler(e, c):\n    return {1, 2}\n"},
                         {"broken.py", "def handler(e, c)\n    return 1\n"},
                         {"raises.py", "raise KeyError('boom')\n"}});
  InvokeResult marshal = invoke_once(spec("python3.12", "app.handler", code), "{}");
  ASSERT_EQ(marshal.status, InvokeStatus::kFunctionError) << marshal.payload;
  EXPECT_EQ(marshal.error_type, "Runtime.MarshalError");
  EXPECT_NE(marshal.payload.find("Unable to marshal response: Object of type set is not JSON "
                                 "serializable"),
            std::string::npos)
      << marshal.payload;

  InvokeResult missing = invoke_once(spec("python3.12", "app.nope", code), "{}");
  EXPECT_EQ(missing.status, InvokeStatus::kInitError);
  EXPECT_EQ(missing.error_type, "Runtime.HandlerNotFound") << missing.payload;
  EXPECT_NE(missing.payload.find("Handler 'nope' missing on module 'app'"), std::string::npos)
      << missing.payload;

  InvokeResult syntax = invoke_once(spec("python3.12", "broken.handler", code), "{}");
  EXPECT_EQ(syntax.status, InvokeStatus::kInitError);
  EXPECT_EQ(syntax.error_type, "Runtime.UserCodeSyntaxError") << syntax.payload;

  InvokeResult raises = invoke_once(spec("python3.12", "raises.handler", code), "{}");
  EXPECT_EQ(raises.status, InvokeStatus::kInitError);
  EXPECT_NE(raises.payload.find(R"("errorType": "KeyError")"), std::string::npos) << raises.payload;
  EXPECT_NE(raises.payload.find("stackTrace"), std::string::npos);
}

TEST(NodeBootstrap, ContextDetailsLargePayloadsAndWarmReuse) {
  auto code = make_code({{"index.js", R"(
let count = 0;
exports.handler = async (event, context) => {
  count++;
  if (typeof event === "string")
    return { len: event.length, first: event[0], last: event[event.length - 1], count };
  return { cc: context.clientContext, who: context.identity,
           trace: process.env._X_AMZN_TRACE_ID ?? null, count, event };
};
)"}});
  auto env = Environment::create(host(), spec("nodejs20.x", "index.handler", code));
  InvokeResult r = invoke(*env, detailed(R"({"k":"\u00e9\u20ac"})"));
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_EQ(r.payload,
            "{\"cc\":{\"custom\":{\"k\":\"v\xc3\xa9\"}},"
            R"("who":{"cognitoIdentityId":"id-1",)"
            R"("cognitoIdentityPoolId":"pool"},"trace":")" +
                std::string(kTrace) + "\",\"count\":1,\"event\":{\"k\":\"\xc3\xa9\xe2\x82\xac\"}}");
  for (int i = 2; i <= 4; ++i) {
    InvokeResult big = invoke(*env, big_payload(3 << 20));
    ASSERT_EQ(big.status, InvokeStatus::kOk) << big.payload.substr(0, 200) << big.log_tail;
    EXPECT_EQ(big.payload, R"({"len":)" + std::to_string((3 << 20) + 2) +
                               ","
                               R"("first":")"
                               "\xc3\xa9"
                               R"(","last":")"
                               "\xe2\x82\xac"
                               R"(",)"
                               R"("count":)" +
                               std::to_string(i) + "}");
  }
  InvokeResult plain = invoke(*env, "null");
  ASSERT_EQ(plain.status, InvokeStatus::kOk) << plain.payload;
  EXPECT_EQ(plain.payload, R"({"trace":null,"count":5,"event":null})") << plain.payload;
  env->kill();
}

TEST(NodeBootstrap, ModuleKindsCallbacksAndErrors) {
  auto code = make_code({{"cjs.cjs", "module.exports.handler = async (e) => ({cjs: e});\n"},
                         {"esm/package.json", R"({"type": "module"})"},
                         {"esm/index.js", "export const handler = async (e) => ({esm: e});\n"},
                         {"succeed.js", "exports.handler = (e, ctx) => ctx.succeed({ok: e});\n"},
                         {"str.js", "exports.handler = async () => { throw 'plain'; };\n"},
                         {"load.js", "throw new RangeError('at load');\n"}});
  InvokeResult cjs = invoke_once(spec("nodejs20.x", "cjs.handler", code), "1");
  ASSERT_EQ(cjs.status, InvokeStatus::kOk) << cjs.payload << cjs.log_tail;
  EXPECT_EQ(cjs.payload, R"({"cjs":1})");
  InvokeResult esm = invoke_once(spec("nodejs20.x", "esm/index.handler", code), "2");
  ASSERT_EQ(esm.status, InvokeStatus::kOk) << esm.payload << esm.log_tail;
  EXPECT_EQ(esm.payload, R"({"esm":2})");
  InvokeResult ok = invoke_once(spec("nodejs20.x", "succeed.handler", code), "3");
  ASSERT_EQ(ok.status, InvokeStatus::kOk) << ok.payload << ok.log_tail;
  EXPECT_EQ(ok.payload, R"({"ok":3})");
  InvokeResult str = invoke_once(spec("nodejs20.x", "str.handler", code), "4");
  ASSERT_EQ(str.status, InvokeStatus::kFunctionError) << str.payload;
  EXPECT_EQ(str.error_type, "string");
  EXPECT_NE(str.payload.find(R"("errorMessage":"plain")"), std::string::npos) << str.payload;
  InvokeResult load = invoke_once(spec("nodejs20.x", "load.handler", code), "5");
  EXPECT_EQ(load.status, InvokeStatus::kInitError);
  EXPECT_EQ(load.error_type, "RangeError") << load.payload;
  EXPECT_NE(load.payload.find("at load"), std::string::npos) << load.payload;
  InvokeResult missing = invoke_once(spec("nodejs20.x", "cjs.nothing", code), "6");
  EXPECT_EQ(missing.status, InvokeStatus::kInitError);
  EXPECT_EQ(missing.error_type, "Runtime.HandlerNotFound") << missing.payload;
}

TEST(NodeBootstrap, AResultThatCannotBeSerializedIsAMarshalErrorAndTheEnvironmentLives) {
  auto code = make_code({{"index.js",
                          "exports.handler = async (e) => { if (e === 'cycle') "
                          "{ const o = {}; o.o = o; return o; } return {ok: e}; };\n"}});
  auto env = Environment::create(host(), spec("nodejs20.x", "index.handler", code));
  InvokeResult bad = invoke(*env, R"("cycle")");
  ASSERT_EQ(bad.status, InvokeStatus::kFunctionError) << bad.payload << bad.log_tail;
  EXPECT_EQ(bad.error_type, "Runtime.MarshalError") << bad.payload;
  InvokeResult good = invoke(*env, R"("again")");
  ASSERT_EQ(good.status, InvokeStatus::kOk) << good.payload << good.log_tail;
  EXPECT_EQ(good.payload, R"({"ok":"again"})");
  EXPECT_FALSE(good.cold_start);
  env->kill();
}

}  // namespace
}  // namespace nimbus::runtime::testing
