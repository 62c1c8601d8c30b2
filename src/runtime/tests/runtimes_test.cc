// The built-in runtimes: Python and Node.js bootstraps, provided.* with a
// shell script, and the Runtime API surface they see.
#include <gtest/gtest.h>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

TEST(Python, EchoWithContext) {
  auto code = make_code({{"app.py", R"(
import os
def handler(event, context):
    return {"event": event, "id": context.aws_request_id, "fn": context.function_name,
            "mem": context.memory_limit_in_mb, "arn": context.invoked_function_arn,
            "group": context.log_group_name, "stream": context.log_stream_name,
            "left": context.get_remaining_time_in_millis() > 0, "cwd": os.getcwd()}
)"}});
  auto f = spec("python3.12", "app.handler", code);
  InvokeResult r = invoke_once(f, R"({"a":1})");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_NE(r.payload.find(R"("event": {"a": 1})"), std::string::npos) << r.payload;
  EXPECT_NE(r.payload.find(R"("fn": ")" + f->name), std::string::npos);
  EXPECT_NE(r.payload.find(R"("mem": "128")"), std::string::npos);
  EXPECT_NE(r.payload.find(R"("left": true)"), std::string::npos);
  EXPECT_NE(r.payload.find(R"("group": "/aws/lambda/)" + f->name), std::string::npos);
  EXPECT_NE(r.payload.find(R"("cwd": "/var/task")"), std::string::npos) << r.payload;
}

TEST(Python, HandlerExceptionIsFunctionError) {
  auto code = make_code({{"app.py", "def handler(e, c):\n    raise ValueError('bad input')\n"}});
  InvokeResult r = invoke_once(spec("python3.12", "app.handler", code), "{}");
  ASSERT_EQ(r.status, InvokeStatus::kFunctionError) << r.payload;
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(r.error_type, "ValueError");
  EXPECT_NE(r.payload.find(R"("errorMessage": "bad input")"), std::string::npos) << r.payload;
  EXPECT_NE(r.payload.find("stackTrace"), std::string::npos);
}

TEST(Python, MissingModuleIsInitError) {
  auto code = make_code({{"other.py", "x = 1\n"}});
  InvokeResult r = invoke_once(spec("python3.12", "app.handler", code), "{}");
  EXPECT_EQ(r.status, InvokeStatus::kInitError) << r.payload;
  EXPECT_EQ(r.error_type, "Runtime.ImportModuleError") << r.payload;
}

TEST(Node, CommonJsAsync) {
  auto code = make_code({{"index.js", R"(
exports.handler = async (event, context) => ({
  event, id: context.awsRequestId, fn: context.functionName,
  left: context.getRemainingTimeInMillis() > 0, arn: context.invokedFunctionArn });
)"}});
  auto f = spec("nodejs20.x", "index.handler", code);
  InvokeResult r = invoke_once(f, R"({"b":2})");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_NE(r.payload.find(R"("event":{"b":2})"), std::string::npos) << r.payload;
  EXPECT_NE(r.payload.find(R"("left":true)"), std::string::npos);
  EXPECT_NE(r.payload.find(f->arn), std::string::npos);
}

TEST(Node, EsModuleAndCallbackHandlers) {
  auto code = make_code(
      {{"esm.mjs", "export const handler = async (e) => ({esm: e});\n"},
       {"cb.js", "exports.handler = (e, ctx, cb) => setTimeout(() => cb(null, {cb: e}), 5);\n"},
       {"fail.js", "exports.handler = async () => { throw new TypeError('nope'); };\n"}});
  InvokeResult esm = invoke_once(spec("nodejs22.x", "esm.handler", code), "1");
  ASSERT_EQ(esm.status, InvokeStatus::kOk) << esm.payload << esm.log_tail;
  EXPECT_EQ(esm.payload, R"({"esm":1})");
  InvokeResult cb = invoke_once(spec("nodejs18.x", "cb.handler", code), "2");
  ASSERT_EQ(cb.status, InvokeStatus::kOk) << cb.payload;
  EXPECT_EQ(cb.payload, R"({"cb":2})");
  InvokeResult fail = invoke_once(spec("nodejs20.x", "fail.handler", code), "3");
  ASSERT_EQ(fail.status, InvokeStatus::kFunctionError);
  EXPECT_EQ(fail.error_type, "TypeError");
  EXPECT_NE(fail.payload.find(R"("errorMessage":"nope")"), std::string::npos) << fail.payload;
}

// A provided runtime in shell: curl against the Runtime API, and every
// variable Lambda sets, echoed back.
TEST(Provided, ShellBootstrapSeesLambdaEnvironment) {
  auto code = make_code({{"bootstrap+x", R"(#!/bin/sh
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "$API/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
  echo "handling $ID"
  env | sort > /tmp/env.txt
  curl -sS -X POST "$API/invocation/$ID/response" --data-binary @/tmp/env.txt > /dev/null
  rm -f "$HEADERS"
done
)"}});
  auto f = spec("provided.al2023", "unused", code);
  f->environment = {{"MY_SETTING", "42"}};
  InvokeResult r = invoke_once(f, "{}");
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  for (const char* var : {"AWS_LAMBDA_FUNCTION_NAME=",
                          "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
                          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
                          "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/",
                          "AWS_LAMBDA_LOG_STREAM_NAME=",
                          "AWS_LAMBDA_RUNTIME_API=127.0.0.1:",
                          "_HANDLER=unused",
                          "LAMBDA_TASK_ROOT=/var/task",
                          "LAMBDA_RUNTIME_DIR=/var/runtime",
                          "AWS_REGION=us-east-1",
                          "AWS_DEFAULT_REGION=us-east-1",
                          "AWS_ACCESS_KEY_ID=AKIDTEST",
                          "AWS_SECRET_ACCESS_KEY=secret",
                          "AWS_SESSION_TOKEN=token",
                          "TZ=:UTC",
                          "LANG=en_US.UTF-8",
                          "PATH=",
                          "LD_LIBRARY_PATH=",
                          "AWS_ENDPOINT_URL=http://127.0.0.1:4566",
                          "MY_SETTING=42"})
    EXPECT_NE(r.payload.find(var), std::string::npos) << var << "\n" << r.payload;
  EXPECT_NE(r.log_tail.find("handling 00000000-"), std::string::npos) << r.log_tail;
}

TEST(Provided, MissingOrNonExecutableBootstrap) {
  InvokeResult missing =
      invoke_once(spec("provided.al2", "x", make_code({{"readme", "hi"}})), "{}");
  EXPECT_EQ(missing.status, InvokeStatus::kInitError);
  EXPECT_EQ(missing.error_type, "Runtime.InvalidEntrypoint");
  InvokeResult noexec =
      invoke_once(spec("provided.al2", "x", make_code({{"bootstrap", "#!/bin/sh\n"}})), "{}");
  EXPECT_EQ(noexec.status, InvokeStatus::kInitError);
  EXPECT_EQ(noexec.error_type, "Runtime.InvalidEntrypoint");
  InvokeResult unknown = invoke_once(spec("cobol85", "x", make_code({})), "{}");
  EXPECT_EQ(unknown.status, InvokeStatus::kInitError);
  EXPECT_EQ(unknown.error_type, "InvalidRuntimeException");
}

}  // namespace
}  // namespace nimbus::runtime::testing
