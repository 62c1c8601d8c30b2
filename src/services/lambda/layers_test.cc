// Lambda layers: publish / get / list / delete, version numbers, filters and
// paging, layer permissions, errors, and the table across a restart.
#include "services/lambda/test_helpers.h"

namespace nimbus::services::lambda::testing {
namespace {

const std::string kArn = "arn:aws:lambda:us-east-1:000000000000:layer:";

std::string layer_zip(const std::string& text) {
  return make_zip({{"python/mod.py", {"VALUE = '" + text + "'\n"}}});
}

class LayersTest : public LambdaTest {
 protected:
  json::object publish(const std::string& name, const std::string& text, json::object extra = {}) {
    json::object in{{"LayerName", name}, {"Content", json::object{{"ZipFile", layer_zip(text)}}}};
    for (auto& [k, v] : extra) in[k] = v;
    return call("PublishLayerVersion", std::move(in));
  }
};

TEST_F(LayersTest, PublishGetListDelete) {
  auto v1 = publish("deps", "one",
                    {{"Description", "first"},
                     {"CompatibleRuntimes", json::array{"python3.11"}},
                     {"CompatibleArchitectures", json::array{"x86_64"}},
                     {"LicenseInfo", "MIT"}});
  EXPECT_EQ(s(v1["LayerArn"]), kArn + "deps");
  EXPECT_EQ(s(v1["LayerVersionArn"]), kArn + "deps:1");
  EXPECT_EQ(v1["Version"].as_int64(), 1);
  EXPECT_EQ(s(v1["Description"]), "first");
  EXPECT_EQ(s(v1["LicenseInfo"]), "MIT");
  auto& content = v1["Content"].as_object();
  EXPECT_EQ(s(content["CodeSha256"]).size(), 44u);
  EXPECT_EQ(content["CodeSize"].as_int64(), static_cast<int64_t>(layer_zip("one").size()));
  EXPECT_FALSE(v1.contains("Code"));
  auto v2 = publish("deps", "two", {{"CompatibleRuntimes", json::array{"nodejs20.x"}}});
  EXPECT_EQ(v2["Version"].as_int64(), 2);
  EXPECT_NE(s(v2["Content"].as_object()["CodeSha256"]), s(content["CodeSha256"]));

  auto g = call("GetLayerVersion", {{"LayerName", "deps"}, {"VersionNumber", 1}});
  EXPECT_EQ(s(g["Description"]), "first");
  EXPECT_EQ(s(g["Content"].as_object()["CodeSha256"]), s(content["CodeSha256"]));
  auto by_arn = call("GetLayerVersionByArn", {{"Arn", kArn + "deps:2"}});
  EXPECT_EQ(by_arn["Version"].as_int64(), 2);
  auto by_layer_arn = call("GetLayerVersion", {{"LayerName", kArn + "deps"}, {"VersionNumber", 2}});
  EXPECT_EQ(s(by_layer_arn["LayerVersionArn"]), kArn + "deps:2");

  auto all = call("ListLayerVersions", {{"LayerName", "deps"}})["LayerVersions"].as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].as_object().at("Version").as_int64(), 2);  // newest first
  auto py = call("ListLayerVersions", {{"LayerName", "deps"}, {"CompatibleRuntime", "python3.11"}});
  ASSERT_EQ(py["LayerVersions"].as_array().size(), 1u);
  EXPECT_EQ(py["LayerVersions"].as_array()[0].as_object().at("Version").as_int64(), 1);
  auto page = call("ListLayerVersions", {{"LayerName", "deps"}, {"MaxItems", 1}});
  ASSERT_EQ(page["LayerVersions"].as_array().size(), 1u);
  ASSERT_TRUE(page.contains("NextMarker"));
  auto rest = call("ListLayerVersions",
                   {{"LayerName", "deps"}, {"MaxItems", 1}, {"Marker", page["NextMarker"]}});
  ASSERT_EQ(rest["LayerVersions"].as_array().size(), 1u);
  EXPECT_EQ(rest["LayerVersions"].as_array()[0].as_object().at("Version").as_int64(), 1);
  EXPECT_FALSE(rest.contains("NextMarker"));

  publish("other", "x");
  auto layers = call("ListLayers", {})["Layers"].as_array();
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(s(layers[0].as_object().at("LayerName")), "deps");
  EXPECT_EQ(layers[0].as_object().at("LatestMatchingVersion").as_object().at("Version").as_int64(),
            2);
  auto matching = call("ListLayers", {{"CompatibleRuntime", "python3.11"}})["Layers"].as_array();
  ASSERT_EQ(matching.size(), 1u);
  EXPECT_EQ(
      matching[0].as_object().at("LatestMatchingVersion").as_object().at("Version").as_int64(), 1);
  auto first = call("ListLayers", {{"MaxItems", 1}});
  ASSERT_EQ(first["Layers"].as_array().size(), 1u);
  auto second = call("ListLayers", {{"MaxItems", 1}, {"Marker", first["NextMarker"]}});
  ASSERT_EQ(second["Layers"].as_array().size(), 1u);
  EXPECT_EQ(s(second["Layers"].as_array()[0].as_object().at("LayerName")), "other");

  call("DeleteLayerVersion", {{"LayerName", "deps"}, {"VersionNumber", 2}});
  call("DeleteLayerVersion", {{"LayerName", "deps"}, {"VersionNumber", 2}});  // idempotent
  EXPECT_EQ(error_code("GetLayerVersion", {{"LayerName", "deps"}, {"VersionNumber", 2}}),
            "ResourceNotFoundException");
  EXPECT_EQ(publish("deps", "three")["Version"].as_int64(), 3);  // numbers are not reused
}

TEST_F(LayersTest, Errors) {
  auto missing = try_call("GetLayerVersion", {{"LayerName", "none"}, {"VersionNumber", 1}});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.error().code, "ResourceNotFoundException");
  EXPECT_EQ(missing.error().message, "The resource you requested does not exist.");
  EXPECT_EQ(
      error_code("PublishLayerVersion", {{"LayerName", "bad name"},
                                         {"Content", json::object{{"ZipFile", layer_zip("x")}}}}),
      "ValidationException");
  auto bad_zip = try_call("PublishLayerVersion",
                          {{"LayerName", "l"}, {"Content", json::object{{"ZipFile", "nope"}}}});
  ASSERT_FALSE(bad_zip.is_ok());
  EXPECT_EQ(bad_zip.error().message,
            "Could not unzip uploaded file. Please check your file, then try to upload again.");
  EXPECT_EQ(
      error_code("PublishLayerVersion", {{"LayerName", "l"},
                                         {"Content", json::object{{"ZipFile", layer_zip("x")}}},
                                         {"CompatibleArchitectures", json::array{"sparc"}}}),
      "ValidationException");
  EXPECT_EQ(error_code("GetLayerVersionByArn", {{"Arn", "arn:aws:lambda:us-east-1:1:layer:l"}}),
            "ValidationException");
  EXPECT_EQ(error_code("ListLayers", {{"MaxItems", 51}}), "ValidationException");
  // Nothing of the failed calls was stored.
  EXPECT_TRUE(call("ListLayers", {})["Layers"].as_array().empty());
}

TEST_F(LayersTest, Permissions) {
  publish("shared", "x");
  json::object key{{"LayerName", "shared"}, {"VersionNumber", 1}};
  auto none = try_call("GetLayerVersionPolicy", key);
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.error().message, "No policy is associated with the given resource.");
  json::object add = key;
  add["StatementId"] = "everyone";
  add["Action"] = "lambda:GetLayerVersion";
  add["Principal"] = "*";
  auto st = call("AddLayerVersionPermission", add);
  auto statement = json::parse(s(st["Statement"])).as_object();
  EXPECT_EQ(s(statement["Resource"]), kArn + "shared:1");
  EXPECT_EQ(s(statement["Principal"]), "*");
  EXPECT_EQ(error_code("AddLayerVersionPermission", add), "ResourceConflictException");
  json::object account = add;
  account["StatementId"] = "one";
  account["Principal"] = "111122223333";
  call("AddLayerVersionPermission", account);
  account["Principal"] = "someone";
  account["StatementId"] = "two";
  EXPECT_EQ(error_code("AddLayerVersionPermission", account), "ValidationException");
  auto policy = call("GetLayerVersionPolicy", key);
  auto doc = json::parse(s(policy["Policy"])).as_object();
  ASSERT_EQ(doc["Statement"].as_array().size(), 2u);
  EXPECT_EQ(s(doc["Statement"].as_array()[1].as_object()["Principal"].as_object()["AWS"]),
            "arn:aws:iam::111122223333:root");
  EXPECT_EQ(s(policy["RevisionId"]).size(), 36u);
  json::object stale = add;
  stale["StatementId"] = "three";
  stale["RevisionId"] = "not-it";
  EXPECT_EQ(error_code("AddLayerVersionPermission", stale), "PreconditionFailedException");
  json::object remove = key;
  remove["StatementId"] = "everyone";
  call("RemoveLayerVersionPermission", remove);
  auto gone = try_call("RemoveLayerVersionPermission", remove);
  ASSERT_FALSE(gone.is_ok());
  EXPECT_EQ(gone.error().message, "Statement everyone is not found in resource policy.");
  json::object other{{"LayerName", "shared"},
                     {"VersionNumber", 9},
                     {"StatementId", "s"},
                     {"Action", "lambda:GetLayerVersion"},
                     {"Principal", "*"}};
  EXPECT_EQ(error_code("AddLayerVersionPermission", other), "ResourceNotFoundException");
}

TEST_F(LayersTest, SurvivesRestart) {
  auto v1 = publish("kept", "x");
  call("AddLayerVersionPermission", {{"LayerName", "kept"},
                                     {"VersionNumber", 1},
                                     {"StatementId", "s"},
                                     {"Action", "lambda:GetLayerVersion"},
                                     {"Principal", "*"}});
  publish("kept", "y");
  call("DeleteLayerVersion", {{"LayerName", "kept"}, {"VersionNumber", 2}});
  reopen();
  auto g = call("GetLayerVersion", {{"LayerName", "kept"}, {"VersionNumber", 1}});
  EXPECT_EQ(s(g["Content"].as_object()["CodeSha256"]), s(v1["Content"].as_object()["CodeSha256"]));
  call("GetLayerVersionPolicy", {{"LayerName", "kept"}, {"VersionNumber", 1}});
  EXPECT_EQ(publish("kept", "z")["Version"].as_int64(), 3);
}

}  // namespace
}  // namespace nimbus::services::lambda::testing
