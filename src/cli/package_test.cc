// nimbus deploy's packaging: which template locations name local code, how
// they are pointed at S3, and packages that are the same bytes for the same
// files.
#include "cli/package.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/cloudformation/template/document.h"
#include "storage/test_dir.h"

namespace nimbus::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

json::object parse(const std::string& yaml) {
  auto doc = cfn::parse_document(yaml);
  EXPECT_TRUE(doc.is_ok());
  return doc->as_object();
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// name -> (content, unix mode) of every entry of `zip`.
std::map<std::string, std::pair<std::string, unsigned>> entries(const std::string& zip) {
  std::map<std::string, std::pair<std::string, unsigned>> out;
  zip_error_t error;
  zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &error);
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (za == nullptr) {
    zip_source_free(src);
    ADD_FAILURE() << "not a zip";
    return out;
  }
  for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(za, i, 0, &st);
    std::string body(st.size, '\0');
    zip_file_t* f = zip_fopen_index(za, i, 0);
    zip_fread(f, body.data(), body.size());
    zip_fclose(f);
    zip_uint8_t os = 0;
    zip_uint32_t attr = 0;
    zip_file_get_external_attributes(za, i, 0, &os, &attr);
    out[st.name] = {body, (attr >> 16) & 0777};
  }
  zip_discard(za);
  return out;
}

TEST(DeployPackage, LocalCodeLocationsAndTheirRewrite) {
  auto t = parse(R"(
Globals:
  Function:
    CodeUri: shared/
Resources:
  Own:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./src/own, Handler: a.h, Runtime: python3.11}
  Inherits:
    Type: AWS::Serverless::Function
    Properties: {Handler: a.h, Runtime: python3.11}
  Inline:
    Type: AWS::Serverless::Function
    Properties: {InlineCode: "x", Handler: a.h, Runtime: python3.11}
  Remote:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: s3://b/k.zip, Handler: a.h, Runtime: python3.11}
  Plain:
    Type: AWS::Lambda::Function
    Properties: {Code: fn.py, Handler: a.h, Runtime: python3.11, Role: r}
  Queue:
    Type: AWS::SQS::Queue
  SamLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layers/common}
  CfnLayer:
    Type: AWS::Lambda::LayerVersion
    Properties: {Content: layer.zip}
)");
  auto assets = local_code(t, "/base/app");
  ASSERT_EQ(assets.size(), 5u);
  std::map<std::string, CodeAsset> by_path;
  for (auto& a : assets) by_path[a.path] = a;
  ASSERT_TRUE(by_path.contains("/base/app/src/own"));
  ASSERT_TRUE(by_path.contains("/base/app/fn.py"));
  ASSERT_TRUE(by_path.contains("/base/app/shared"));
  EXPECT_EQ(by_path["/base/app/shared"].functions, std::vector<std::string>{"Inherits"});
  EXPECT_EQ(by_path["/base/app/src/own"].functions, std::vector<std::string>{"Own"});
  EXPECT_TRUE(by_path["/base/app/layers/common"].layer());
  EXPECT_TRUE(by_path["/base/app/layer.zip"].functions.empty());

  for (const auto& a : assets) point_at(t, a, "bkt", "k-" + a.logical_id);
  auto res = t["Resources"].as_object();
  EXPECT_EQ(res["Own"].at("Properties").at("CodeUri"), "s3://bkt/k-Own");
  EXPECT_EQ(res["Plain"].at("Properties").at("Code"),
            (json::object{{"S3Bucket", "bkt"}, {"S3Key", "k-Plain"}}));
  EXPECT_EQ(t["Globals"].at("Function").at("CodeUri"), "s3://bkt/k-");
  EXPECT_EQ(res["Remote"].at("Properties").at("CodeUri"), "s3://b/k.zip");
  EXPECT_EQ(res["SamLayer"].at("Properties").at("ContentUri"), "s3://bkt/k-SamLayer");
  EXPECT_EQ(res["CfnLayer"].at("Properties").at("Content"),
            (json::object{{"S3Bucket", "bkt"}, {"S3Key", "k-CfnLayer"}}));
  EXPECT_TRUE(local_code(t, "/base/app").empty()) << "nothing local is left";
}

TEST(DeployPackage, FoldersZipTheSameWayEveryTime) {
  storage::testing::TempDir dir;
  fs::path fn = fs::path(dir.path()) / "fn";
  write(fn / "app.py", "def handler(e, c):\n  return 1\n");
  write(fn / "lib" / "util.py", "X = 1\n");
  write(fn / "bootstrap", "#!/bin/sh\n");
  fs::permissions(fn / "bootstrap", fs::perms::owner_exec, fs::perm_options::add);
  write(fn / "__pycache__" / "app.cpython-311.pyc", "junk");
  write(fn / "requirements.txt", "# nothing to install\n\n");

  std::ostringstream log;
  auto one = build_package(fn.string(), log);
  ASSERT_TRUE(one.is_ok()) << one.error().message;
  auto files = entries(*one);
  EXPECT_EQ(files.size(), 4u);
  EXPECT_EQ(files["app.py"].first, "def handler(e, c):\n  return 1\n");
  EXPECT_EQ(files["lib/util.py"].second, 0644u);
  EXPECT_EQ(files["bootstrap"].second, 0755u);
  EXPECT_FALSE(files.contains("__pycache__/app.cpython-311.pyc"));
  EXPECT_EQ(log.str(), "") << "a requirements.txt naming nothing runs no pip";

  fs::last_write_time(fn / "app.py", fs::file_time_type::clock::now() - std::chrono::hours(5));
  auto two = build_package(fn.string(), log);
  ASSERT_TRUE(two.is_ok());
  EXPECT_EQ(*one, *two) << "file times do not change the bytes";

  write(fn / "app.py", "def handler(e, c):\n  return 2\n");
  auto three = build_package(fn.string(), log);
  ASSERT_TRUE(three.is_ok());
  EXPECT_NE(*one, *three);
}

TEST(DeployPackage, FilesAndZips) {
  storage::testing::TempDir dir;
  fs::path py = fs::path(dir.path()) / "single.py";
  write(py, "print(1)\n");
  auto zipped = build_package(py.string(), std::cerr);
  ASSERT_TRUE(zipped.is_ok());
  EXPECT_EQ(entries(*zipped)["single.py"].first, "print(1)\n");

  fs::path zip = fs::path(dir.path()) / "ready.zip";
  { std::ofstream(zip, std::ios::binary) << *zipped; }
  auto as_is = build_package(zip.string(), std::cerr);
  ASSERT_TRUE(as_is.is_ok());
  EXPECT_EQ(*as_is, *zipped);

  auto missing = build_package((fs::path(dir.path()) / "nope").string(), std::cerr);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  fs::create_directories(fs::path(dir.path()) / "empty");
  EXPECT_FALSE(build_package((fs::path(dir.path()) / "empty").string(), std::cerr).is_ok());
}

}  // namespace
}  // namespace nimbus::cli
