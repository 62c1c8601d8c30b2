// Layers as the runtimes see them: FunctionSpec::layers_dir at /opt in a
// private root, and named by the search paths (PYTHONPATH, NODE_PATH, PATH,
// LD_LIBRARY_PATH) on a host without a mount namespace.
#include <gtest/gtest.h>

#include "runtime/tests/test_env.h"

namespace nimbus::runtime::testing {
namespace {

// A Host without namespaces: the function runs in place, as on a machine
// that cannot unshare a mount namespace.
Host& plain_host() {
  static std::unique_ptr<Host> h = [] {
    HostOptions o;
    o.state_dir = scratch_dir() + "/plain-state";
    o.init_timeout = std::chrono::milliseconds(3000);
    o.isolation.namespaces = false;
    o.clock = &test_clock();
    // No spares: they would stay children of this process, which the leak
    // checks of later tests (wait_quiet) count against the shared host().
    o.spare_sandboxes = 0;
    auto r = Host::create(o);
    if (!r) {
      fprintf(stderr, "Host::create: %s\n", r.error().message.c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return *h;
}

InvokeResult run(Host& host, std::shared_ptr<FunctionSpec> f) {
  auto env = Environment::create(host, std::move(f));
  InvokeResult r = invoke(*env, "{}");
  env->kill();
  return r;
}

std::shared_ptr<FunctionSpec> python_with_layers() {
  auto layers = make_code({{"python/inpath.py", "WHERE = 'python'\n"},
                           {"python/lib/python3.12/site-packages/insite.py", "WHERE = 'site'\n"},
                           {"bin/layer-tool+x", "#!/bin/sh\necho tool\n"}});
  auto code = make_code({{"app.py", R"(
import os, subprocess, inpath, insite
def handler(event, context):
    return {"inpath": inpath.WHERE, "insite": insite.WHERE,
            "tool": subprocess.run(["layer-tool"], capture_output=True, text=True).stdout.strip(),
            "lib": os.environ["LD_LIBRARY_PATH"].split(":")[-1]}
)"}});
  auto f = spec("python3.12", "app.handler", code);
  f->layers_dir = layers;
  return f;
}

TEST(Layers, PythonSeesItsLayersAtOpt) {
  InvokeResult r = run(host(), python_with_layers());
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_EQ(r.payload,
            R"({"inpath": "python", "insite": "site", "tool": "tool", "lib": "/opt/lib"})");
}

TEST(Layers, PythonWithoutAMountNamespaceUsesTheFolder) {
  auto f = python_with_layers();
  InvokeResult r = run(plain_host(), f);
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_EQ(r.payload, R"({"inpath": "python", "insite": "site", "tool": "tool", "lib": ")" +
                           f->layers_dir + R"(/lib"})");
}

TEST(Layers, NodeRequiresFromBothModuleFolders) {
  auto layers =
      make_code({{"nodejs/node_modules/common/index.js", "exports.who = 'common';\n"},
                 {"nodejs/node20/node_modules/versioned/index.js", "exports.who = 'node20';\n"}});
  auto code = make_code({{"index.js", R"(
exports.handler = async () => ({ a: require("common").who, b: require("versioned").who });
)"}});
  for (Host* h : {&host(), &plain_host()}) {
    auto f = spec("nodejs20.x", "index.handler", code);
    f->layers_dir = layers;
    InvokeResult r = run(*h, f);
    ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
    EXPECT_EQ(r.payload, R"({"a":"common","b":"node20"})");
  }
}

TEST(Layers, ProvidedRunsALayersBootstrap) {
  auto layers = make_code({{"bootstrap+x", R"(#!/bin/sh
set -e
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
  id=$(curl -sS -D - -o /dev/null "$api/next" | tr -d '\r' | sed -n 's/^Lambda-Runtime-Aws-Request-Id: //ip')
  curl -sS -X POST -d '"from opt"' "$api/$id/response" > /dev/null
done
)"}});
  auto code = make_code({{"README", "no bootstrap here\n"}});
  auto f = spec("provided.al2023", "ignored", code);
  f->layers_dir = layers;
  InvokeResult r = run(host(), f);
  ASSERT_EQ(r.status, InvokeStatus::kOk) << r.payload << r.log_tail;
  EXPECT_EQ(r.payload, "\"from opt\"");
}

}  // namespace
}  // namespace nimbus::runtime::testing
