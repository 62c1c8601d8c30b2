// Functions with Layers: the configuration (Layers [{Arn, CodeSize}]),
// Lambda's errors, what the function sees at run time (later layers win,
// the python/ folder and the site directory on the path), published
// versions keeping theirs, and the merged tree rebuilt after a restart.
#include <filesystem>

#include "services/lambda/test_helpers.h"

namespace nimbus::services::lambda::testing {
namespace {

const std::string kArn = "arn:aws:lambda:us-east-1:000000000000:layer:";

const char* kHandler =
    "import os, mod, shared, sitemod\n"
    "def handler(event, context):\n"
    "    return {'mod': mod.VALUE, 'shared': shared.WHO, 'site': sitemod.OK,\n"
    "            'opt': os.path.exists('/opt/python/mod.py')}\n";

class FunctionLayersTest : public LambdaTest {
 protected:
  std::string publish(const std::string& name, const std::map<std::string, ZipEntry>& files) {
    auto out = call("PublishLayerVersion",
                    {{"LayerName", name}, {"Content", json::object{{"ZipFile", make_zip(files)}}}});
    return s(out["LayerVersionArn"]);
  }
  // Two layers: `a` (mod.VALUE = text, shared.WHO = 'a') and `b`
  // (shared.WHO = 'b', sitemod in the site directory of python3.12).
  std::string publish_a(const std::string& text) {
    return publish("a", {{"python/mod.py", {"VALUE = '" + text + "'\n"}},
                         {"python/shared.py", {"WHO = 'a'\n"}}});
  }
  std::string publish_b() {
    return publish("b", {{"python/shared.py", {"WHO = 'b'\n"}},
                         {"python/lib/python3.12/site-packages/sitemod.py", {"OK = True\n"}}});
  }
  json::object invoke(const std::string& qualifier = "") {
    json::object in{{"FunctionName", "f"}, {"Payload", "{}"}};
    if (!qualifier.empty()) in["Qualifier"] = qualifier;
    auto out = call("Invoke", std::move(in));
    EXPECT_FALSE(out.contains("FunctionError")) << s(out["Payload"]);
    return json::parse(s(out["Payload"])).as_object();
  }
  std::string error_message(const std::string& op, json::object in) {
    auto out = try_call(op, std::move(in));
    return out ? std::string("(ok)") : out.error().code + ": " + out.error().message;
  }
};

TEST_F(FunctionLayersTest, RunsWithItsLayersInOrder) {
  std::string a1 = publish_a("one"), b1 = publish_b();
  auto created = create("f", python_zip(kHandler), "python3.12", "app.handler",
                        {{"Layers", json::array{a1, b1}}});
  ASSERT_TRUE(created["Layers"].is_array());
  auto shown = created["Layers"].as_array();
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(s(shown[0].as_object()["Arn"]), a1);
  EXPECT_GT(shown[0].as_object()["CodeSize"].as_int64(), 0);
  auto got = call("GetFunction", {{"FunctionName", "f"}});
  EXPECT_EQ(got["Configuration"].as_object()["Layers"], created["Layers"]);

  auto out = invoke();
  EXPECT_EQ(s(out["mod"]), "one");
  EXPECT_EQ(s(out["shared"]), "b");  // the later layer's file wins
  EXPECT_TRUE(out["site"].as_bool());
  EXPECT_EQ(out["opt"].as_bool(), shared_host().isolation().mount_ns);

  // A published version keeps its layers; $LATEST moves to a:2 alone.
  call("PublishVersion", {{"FunctionName", "f"}});
  std::string a2 = publish_a("two");
  auto updated =
      call("UpdateFunctionConfiguration", {{"FunctionName", "f"}, {"Layers", json::array{a2, b1}}});
  EXPECT_EQ(s(updated["Layers"].as_array()[0].as_object()["Arn"]), a2);
  EXPECT_EQ(s(invoke()["mod"]), "two");
  EXPECT_EQ(s(invoke("1")["mod"]), "one");
  auto v1 = call("GetFunctionConfiguration", {{"FunctionName", "f"}, {"Qualifier", "1"}});
  EXPECT_EQ(s(v1["Layers"].as_array()[0].as_object()["Arn"]), a1);

  // A deleted layer version stays usable by the versions that name it.
  call("DeleteLayerVersion", {{"LayerName", "a"}, {"VersionNumber", 1}});
  EXPECT_EQ(s(invoke("1")["mod"]), "one");

  // Layers [] removes them all.
  auto none =
      call("UpdateFunctionConfiguration", {{"FunctionName", "f"}, {"Layers", json::array{}}});
  EXPECT_FALSE(none.contains("Layers"));
  auto bare = try_call("Invoke", {{"FunctionName", "f"}, {"Payload", "{}"}});
  ASSERT_TRUE(bare.is_ok());
  EXPECT_EQ(s((*bare)["FunctionError"]), "Unhandled");  // mod is gone
}

TEST_F(FunctionLayersTest, MergedTreeIsRebuiltAfterARestart) {
  std::string a1 = publish_a("one"), b1 = publish_b();
  create("f", python_zip(kHandler), "python3.12", "app.handler", {{"Layers", json::array{a1, b1}}});
  EXPECT_EQ(s(invoke()["shared"]), "b");
  reopen();
  // The cache is node-local: remove every unpacked tree, layers included.
  namespace fs = std::filesystem;
  std::error_code ec;
  size_t removed = 0;
  for (auto& e : fs::directory_iterator(fs::path(dir.path()) / "lambda" / "code", ec)) {
    for (auto& d : fs::recursive_directory_iterator(e.path(), ec))
      if (d.is_directory()) fs::permissions(d.path(), fs::perms::owner_all, ec);
    fs::permissions(e.path(), fs::perms::owner_all, ec);
    removed += fs::remove_all(e.path(), ec) > 0 ? 1 : 0;
  }
  EXPECT_GE(removed, 4u);  // function, two layers, their merged tree
  auto out = invoke();
  EXPECT_EQ(s(out["mod"]), "one");
  EXPECT_EQ(s(out["shared"]), "b");
}

TEST_F(FunctionLayersTest, ErrorsChangeNothing) {
  std::string a1 = publish_a("one"), b1 = publish_b();
  std::string a2 = publish_a("two");
  auto attempt = [&](json::array layers) {
    json::object in{{"FunctionName", "f"},
                    {"Runtime", "python3.12"},
                    {"Role", "arn:aws:iam::000000000000:role/r"},
                    {"Handler", "app.handler"},
                    {"Code", json::object{{"ZipFile", python_zip(kHandler)}}},
                    {"Layers", std::move(layers)}};
    return error_message("CreateFunction", std::move(in));
  };
  EXPECT_EQ(attempt({kArn + "nope:1"}),
            "InvalidParameterValueException: Layer version " + kArn + "nope:1 does not exist.");
  EXPECT_EQ(attempt({kArn + "a:9"}),
            "InvalidParameterValueException: Layer version " + kArn + "a:9 does not exist.");
  EXPECT_EQ(attempt({"arn:aws:lambda:us-east-1:111111111111:layer:a:1"}),
            "InvalidParameterValueException: Layer version "
            "arn:aws:lambda:us-east-1:111111111111:layer:a:1 does not exist.");
  EXPECT_EQ(attempt({"arn:aws:lambda:eu-west-1:000000000000:layer:a:1"}),
            "InvalidParameterValueException: Layers are not in the same region as the function. "
            "Layers are expected to be in region us-east-1.");
  EXPECT_EQ(attempt({a1, b1, a2}),
            "InvalidParameterValueException: Two different versions of the same layer are not "
            "allowed to be referenced in the same function. " +
                a1 + " and " + a2 + " are versions of the same layer.");
  EXPECT_EQ(attempt({a1, a1, a1, a1, a1, a1}),
            "InvalidParameterValueException: Cannot reference more than 5 layers.");
  std::string bad = "ValidationException: 1 validation error detected: Value '[" + kArn +
                    "a]' at 'layers' failed to satisfy constraint: ";
  EXPECT_EQ(attempt({kArn + "a"}).substr(0, bad.size()), bad);
  EXPECT_EQ(error_code("GetFunction", {{"FunctionName", "f"}}), "ResourceNotFoundException");

  create("f", python_zip(kHandler), "python3.12", "app.handler", {{"Layers", json::array{a1}}});
  EXPECT_EQ(error_code("UpdateFunctionConfiguration",
                       {{"FunctionName", "f"}, {"Layers", json::array{kArn + "a:7"}}}),
            "InvalidParameterValueException");
  auto c = call("GetFunctionConfiguration", {{"FunctionName", "f"}});
  ASSERT_EQ(c["Layers"].as_array().size(), 1u);
  EXPECT_EQ(s(c["Layers"].as_array()[0].as_object()["Arn"]), a1);
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
