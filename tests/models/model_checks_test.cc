// Checks of the services against the embedded AWS models (whichever botocore
// the build took them from):
//   - every operation a service registers exists in its model, so a handler
//     is never unreachable because of a misspelt or renamed operation;
//   - every error code a service answers with exists in its model as an
//     error shape (or its awsQuery code), or is one of AWS's documented
//     common errors, so clients map it to their modelled exception.
// Error codes are found by scanning the service's sources for
// Error::make("Code", ...) (errors.h helpers and inline calls alike): a scan
// sees every code without services adopting generated names, and it keeps
// working as services are reshaped. A code must therefore be written as a
// literal in Error::make.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "common/clock.h"
#include "common/metrics.h"
#include "common/scheduler.h"
#include "common/worker_pool.h"
#include "protocol/engine.h"
#include "protocol/model.h"
#include "services/registry.h"
#include "storage/storage.h"
#include "storage/test_dir.h"

namespace nimbus {
namespace {

namespace fs = std::filesystem;

// AWS's common errors (the "Common Errors" page every API reference links):
// any service may answer them, so models do not list them.
const std::set<std::string>& common_errors() {
  static const std::set<std::string> codes = {"AccessDeniedException",
                                              "IncompleteSignature",
                                              "InternalFailure",
                                              "InvalidAction",
                                              "InvalidClientTokenId",
                                              "InvalidParameterCombination",
                                              "InvalidParameterValue",
                                              "InvalidQueryParameter",
                                              "MalformedQueryString",
                                              "MissingAction",
                                              "MissingAuthenticationToken",
                                              "MissingParameter",
                                              "NotAuthorized",
                                              "OptInRequired",
                                              "RequestExpired",
                                              "SerializationException",
                                              "ServiceUnavailable",
                                              "ThrottlingException",
                                              "ValidationError",
                                              "ValidationException",
                                              "UnrecognizedClientException"};
  return codes;
}

// Errors a service documents but its model leaves out, by model name. S3
// models a handful of its errors and lists the rest on its "Error
// responses" page (List of error codes); clients read them by code.
const std::set<std::string>& documented_errors(const std::string& service) {
  static const std::map<std::string, std::set<std::string>> codes = {
      {"s3",
       {"EntityTooLarge", "EntityTooSmall", "IncorrectNumberOfFilesInPostRequest",
        "InvalidArgument", "InvalidPolicyDocument", "InvalidTag", "MalformedPOSTRequest",
        "MalformedPolicy", "MalformedXML"}},
      // IAM decides AssumeRole's trust policy and GetSessionToken's caller;
      // STS answers AccessDenied for them, as AWS does.
      {"iam", {"AccessDenied"}},
      // Code.Location links stand for presigned S3 URLs, so a missing or
      // removed zip gets S3's NoSuchKey (code_download.cc), not a Lambda error.
      {"lambda", {"NoSuchKey"}},
      // A processing Lambda its role may not invoke: the errorCode of the
      // processing-failed records (Lambda.InvokeAccessDenied), never an answer;
      // AssumeRoleAccessDenied when the role does not trust Firehose (its
      // Lambda.AssumeRoleAccessDenied, and the S3.AssumeRoleAccessDenied it logs).
      {"firehose", {"InvokeAccessDenied", "AssumeRoleAccessDenied"}},
      {"sts", {"AccessDenied"}}};
  static const std::set<std::string> none;
  auto it = codes.find(service);
  return it == codes.end() ? none : it->second;
}

// The codes a model's clients recognise: error shape names and their
// awsQuery codes (error.code).
std::set<std::string> model_error_codes(const protocol::ServiceModel& model) {
  std::set<std::string> codes;
  const auto* shapes = model.model().if_contains("shapes");
  if (shapes == nullptr || !shapes->is_object()) return codes;
  for (const auto& [name, shape] : shapes->get_object()) {
    if (!shape.is_object() || !shape.get_object().contains("exception")) continue;
    codes.emplace(name);
    const auto* err = shape.get_object().if_contains("error");
    if (err != nullptr && err->is_object()) {
      const auto* code = err->get_object().if_contains("code");
      if (code != nullptr && code->is_string()) codes.emplace(code->get_string());
    }
  }
  return codes;
}

// Error::make("Code" in a service's own sources (tests and test helpers
// excluded), with the file each code was seen in.
std::map<std::string, std::string> codes_in_sources(const fs::path& folder) {
  static const std::regex make_call(R"re(Error::make\(\s*"([^"]+)")re");
  std::map<std::string, std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    auto name = entry.path().filename().string();
    auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
    if (name.ends_with("_test.cc") || name.starts_with("test_") ||
        entry.path().string().find("/testing/") != std::string::npos) {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto s = text.str();
    for (std::sregex_iterator it(s.begin(), s.end(), make_call), end; it != end; ++it) {
      found.emplace((*it)[1].str(), entry.path().filename().string());
    }
  }
  return found;
}

class ModelChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = storage::Storage::open(storage::Options{dir.path(), storage::Durability::kAsync});
    ASSERT_TRUE(s.is_ok()) << s.error().message;
    storage = std::move(*s);
    settings.data_dir = dir.path();
    env = std::make_unique<services::Environment>(services::Environment{
        settings, clock, storage.get(), workers, scheduler, metrics, targets});
    registry = std::make_unique<services::Registry>(*env);
  }
  void TearDown() override {
    registry.reset();
    if (storage) (void)storage->close();
  }

  storage::testing::TempDir dir;
  services::Settings settings;
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
  WorkerPool workers{1};
  SystemClock timer_clock;  // timers on real time; the clock above moves when told
  Scheduler scheduler{timer_clock};
  Metrics metrics;
  events::Targets targets;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<services::Environment> env;
  std::unique_ptr<services::Registry> registry;
  protocol::ModelRegistry models;
};

TEST_F(ModelChecks, EveryRegisteredOperationIsInTheModel) {
  ASSERT_FALSE(registry->all().empty());
  for (const auto& service : registry->all()) {
    const auto* model = models.by_name(service->model_name());
    ASSERT_NE(model, nullptr) << service->model_name() << " has no embedded model";
    auto operations = service->operations();
    EXPECT_FALSE(operations.empty()) << service->model_name();
    for (const auto& op : operations) {
      EXPECT_NE(model->operation(op), nullptr)
          << service->model_name() << " registers " << op << ", which its model ("
          << protocol::ModelRegistry::botocore_version() << ") does not have";
    }
  }
}

// Every operation names its resources for IAM, even from an input that
// lacks the members it reads them from (validation answers the client).
TEST_F(ModelChecks, EveryOperationNamesItsResources) {
  for (const auto& service : registry->all()) {
    for (const auto& op : service->operations()) {
      services::CallContext ctx;
      ctx.service = service->model_name();
      ctx.operation = op;
      ctx.region = "us-east-1";
      ctx.account_id = "000000000000";
      auto resources = service->resources(op, ctx, {});
      ASSERT_TRUE(resources.has_value()) << service->model_name() << " " << op;
      for (const auto& arn : *resources) {
        EXPECT_TRUE(arn.empty() || arn.starts_with("arn:aws:"))
            << service->model_name() << " " << op << ": " << arn;
      }
    }
  }
}

TEST_F(ModelChecks, EveryErrorCodeIsInTheModelOrCommon) {
  const char* source = std::getenv("NIMBUS_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "run through ctest (NIMBUS_SOURCE_DIR)";
  std::size_t seen = 0;  // STS answers none of its own; SQS, Lambda and Logs do
  for (const auto& service : registry->all()) {
    const auto* model = models.by_name(service->model_name());
    ASSERT_NE(model, nullptr);
    // A folder serves its model's name, except where one folder serves two
    // models (apigateway/ has REST and HTTP APIs: its README says why).
    std::string name =
        service->model_name() == "apigatewayv2" ? "apigateway" : service->model_name();
    auto folder = fs::path(source) / "src" / "services" / name;
    ASSERT_TRUE(fs::is_directory(folder)) << folder;
    auto known = model_error_codes(*model);
    auto codes = codes_in_sources(folder);
    seen += codes.size();
    for (const auto& [code, file] : codes) {
      EXPECT_TRUE(known.contains(code) || common_errors().contains(code) ||
                  documented_errors(service->model_name()).contains(code))
          << service->model_name() << " answers " << code << " (" << file
          << "), which is neither an error of its model ("
          << protocol::ModelRegistry::botocore_version() << ") nor a common error";
    }
  }
  EXPECT_GT(seen, 10U) << "the scan for Error::make(\"Code\" found almost nothing";
}

}  // namespace
}  // namespace nimbus
