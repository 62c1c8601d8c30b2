// Distributed Map: items read from (fake) S3 objects as CSV, JSON and JSON
// lines, or a bucket's listing; ItemSelector and ItemBatcher; tolerated
// failures; results written with a manifest; a Map Run across a restart;
// the definitions AWS refuses.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "services/s3/api.h"
#include "services/stepfunctions/task_fakes.h"

namespace nimbus::sfn {
namespace {

namespace json = boost::json;

// S3's in-process interfaces over a map of "bucket/key" to body.
struct FakeObjects final : services::s3::ObjectReader, services::s3::ObjectWriter {
  void get(std::string bucket, std::string key, std::string, uint64_t,
           std::function<void(Result<std::string>)> done) override {
    std::unique_lock lock(mu);
    auto it = objects.find(bucket + "/" + key);
    if (it == objects.end()) {
      lock.unlock();
      return done(Error::make("NoSuchKey", "The specified key does not exist."));
    }
    std::string body = it->second;
    lock.unlock();
    done(std::move(body));
  }
  void put(services::s3::NewObject o, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(mu);
      objects[o.bucket + "/" + o.key] = o.body;
    }
    done(Status::ok());
  }
  std::string at(const std::string& path) {
    std::lock_guard lock(mu);
    auto it = objects.find(path);
    return it == objects.end() ? "" : it->second;
  }
  std::mutex mu;
  std::map<std::string, std::string> objects;
};

class DistributedMapTest : public SfnTest {
 protected:
  DistributedMapTest()
      : SfnTest({[this](services::Environment& env) {
          auto s = std::make_unique<StepFunctionsService>(env, &functions, &calls);
          s->use_objects(objects, objects);
          return s;
        }}) {}

  json::object run(const std::string& definition, const std::string& input,
                   std::chrono::milliseconds step = std::chrono::seconds(1)) {
    std::string x =
        start(create(names++ == 0 ? "dmap" : "dmap" + std::to_string(names), definition), input);
    EXPECT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, step));
    auto d = call("DescribeExecution", {{"executionArn", x}});
    d["history"] = json::value_from(history_types(x));
    return d;
  }

  int names = 0;
  fakes::FakeFunctions functions;
  fakes::FakeCalls calls;
  FakeObjects objects;
};

bool has(const json::value& types, const std::string& type) {
  for (const auto& t : types.as_array()) {
    if (t.is_string() && t.as_string() == type) return true;
  }
  return false;
}

// clang-format off
const char* kCsvBatches = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
    "StartAt":"Count","States":{"Count":{"Type":"Pass",
      "Parameters":{"n.$":"States.ArrayLength($.Items)","first.$":"$.Items[0].name","tag.$":"$.BatchInput.tag"},"End":true}}},
  "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
    "Parameters":{"Bucket":"in","Key.$":"$.key"},"ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"}},
  "ItemSelector":{"name.$":"$$.Map.Item.Value.name","qty.$":"$$.Map.Item.Value.qty"},
  "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"tag.$":"$.tag"}},
  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"runs"}},
  "MaxConcurrency":2,"End":true}}})j";
const char* kTolerant = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
    "StartAt":"Check","States":{
      "Check":{"Type":"Choice","Choices":[{"Variable":"$.bad","BooleanEquals":true,"Next":"Bad"}],"Default":"Good"},
      "Bad":{"Type":"Fail","Error":"BadItem","Cause":"bad"},
      "Good":{"Type":"Pass","End":true}}},
  "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
    "Parameters":{"Bucket":"in","Key":"items.jsonl"},"ReaderConfig":{"InputType":"JSONL"}},
  "ToleratedFailureCount":1,
  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}},
  "Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"ResultPath":"$.error","Next":"TooMany"}],
  "End":true},
  "TooMany":{"Type":"Pass","End":true}}})j";
// clang-format on

TEST_F(DistributedMapTest, CsvItemsInBatchesWithResultsWrittenToS3) {
  objects.objects["in/orders.csv"] =
      "name,qty\r\nann,1\r\n\"bob, jr\",2\r\n\"c\"\"d\",3\r\ndee,4\r\neve,5\r\n";
  auto d = run(kCsvBatches, R"({"key":"orders.csv","tag":"t1"})");
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  auto out = json::parse(s(d["output"]));
  std::string map_run = s(out.at("MapRunArn"));
  EXPECT_TRUE(map_run.starts_with("arn:aws:states:us-east-1:000000000000:mapRun:dmap/Each:"));
  std::string id = map_run.substr(map_run.rfind(':') + 1);
  EXPECT_EQ(out.at("ResultWriterDetails"),
            json::parse(R"({"Bucket":"out","Key":"runs/)" + id + R"(/manifest.json"})"));
  auto manifest = json::parse(objects.at("out/runs/" + id + "/manifest.json"));
  EXPECT_EQ(s(manifest.at("MapRunArn")), map_run);
  EXPECT_EQ(s(manifest.at("ResultFiles").at("SUCCEEDED").as_array()[0].at("Key")),
            "runs/" + id + "/SUCCEEDED_0.json");
  auto succeeded = json::parse(objects.at("out/runs/" + id + "/SUCCEEDED_0.json")).as_array();
  ASSERT_EQ(succeeded.size(), 3u);  // 5 rows in batches of 2
  EXPECT_EQ(json::parse(s(succeeded[0].at("Output"))),
            json::parse(R"({"n":2,"first":"ann","tag":"t1"})"));
  EXPECT_EQ(json::parse(s(succeeded[1].at("Input"))),
            json::parse(R"({"BatchInput":{"tag":"t1"},"Items":[{"name":"c\"d","qty":"3"},)"
                        R"({"name":"dee","qty":"4"}]})"));
  EXPECT_EQ(json::parse(s(succeeded[0].at("Input"))).at("Items").as_array()[1].at("name"),
            "bob, jr");
  EXPECT_EQ(json::parse(s(succeeded[2].at("Output"))).at("n"), 1);
  EXPECT_TRUE(has(d["history"], "MapRunStarted"));
  EXPECT_TRUE(has(d["history"], "MapRunSucceeded"));
  EXPECT_FALSE(has(d["history"], "MapIterationStarted"));
  // The iterations' own states are not the parent's events (on AWS they
  // are the Map Run's child executions'): only the Map's state is there.
  EXPECT_FALSE(has(d["history"], "PassStateEntered"));
  auto described = call("DescribeMapRun", {{"mapRunArn", map_run}});
  EXPECT_EQ(described["executionCounts"].at("resultsWritten"), 3);
  EXPECT_EQ(described["executionCounts"].at("succeeded"), 3);
}

TEST_F(DistributedMapTest, EachBatchIsAChildExecutionWithItsOwnHistory) {
  objects.objects["in/orders.csv"] = "name,qty\r\nann,1\r\nbob,2\r\ncy,3\r\ndee,4\r\neve,5\r\n";
  auto d = run(kCsvBatches, R"({"key":"orders.csv","tag":"t1"})");
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  std::string map_run = s(json::parse(s(d["output"])).at("MapRunArn"));
  auto listed = call("ListExecutions", {{"mapRunArn", map_run}})["executions"].as_array();
  ASSERT_EQ(listed.size(), 3u);  // 5 rows in batches of 2
  int64_t items = 0;
  for (const auto& x : listed) {
    EXPECT_EQ(s(x.at("status")), "SUCCEEDED");
    EXPECT_EQ(s(x.at("mapRunArn")), map_run);
    EXPECT_EQ(s(x.at("stateMachineArn")),
              "arn:aws:states:us-east-1:000000000000:stateMachine:dmap/Each");
    EXPECT_TRUE(s(x.at("executionArn"))
                    .starts_with("arn:aws:states:us-east-1:000000000000:execution:dmap/Each:"));
    items += x.at("itemCount").to_number<int64_t>();
  }
  EXPECT_EQ(items, 5);
  std::string child = s(listed[0].at("executionArn"));
  auto described = call("DescribeExecution", {{"executionArn", child}});
  EXPECT_EQ(s(described["mapRunArn"]), map_run);
  EXPECT_EQ(json::parse(s(described["input"])).at("BatchInput"), json::parse(R"({"tag":"t1"})"));
  EXPECT_EQ(json::parse(s(described["output"])).at("tag"), "t1");
  EXPECT_EQ(history_types(child),
            (std::vector<std::string>{"ExecutionStarted", "PassStateEntered", "PassStateExited",
                                      "ExecutionSucceeded"}));
  auto machine = call("DescribeStateMachineForExecution", {{"executionArn", child}});
  EXPECT_EQ(s(machine["label"]), "Each");
  EXPECT_EQ(json::parse(s(machine["definition"])), json::parse(kCsvBatches));
  EXPECT_EQ(s(machine["mapRunArn"]), map_run);
  expect_error("RedriveExecution", {{"executionArn", child}}, "ExecutionNotRedrivable");
  // The parent's machine lists the parent only.
  auto own = call("ListExecutions", {{"stateMachineArn", s(d["stateMachineArn"])}});
  EXPECT_EQ(own["executions"].as_array().size(), 1u);
  expect_error("ListExecutions",
               {{"mapRunArn", map_run}, {"stateMachineArn", s(d["stateMachineArn"])}},
               "ValidationException");
  expect_error("ListExecutions", {{"mapRunArn", map_run + "x"}}, "ResourceNotFound");
}

TEST_F(DistributedMapTest, ToleratedFailuresAreWrittenAndTooManyFailTheMapRun) {
  objects.objects["in/items.jsonl"] =
      "{\"id\":1,\"bad\":false}\n{\"id\":2,\"bad\":true}\n\n{\"id\":3,\"bad\":false}\n";
  auto d = run(kTolerant, "{}");
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  auto out = json::parse(s(d["output"]));
  ASSERT_TRUE(out.as_object().contains("ResultWriterDetails")) << s(d["output"]);
  std::string key = s(out.at("ResultWriterDetails").at("Key"));
  std::string dir = key.substr(0, key.rfind('/') + 1);
  auto failed = json::parse(objects.at("out/" + dir + "FAILED_0.json")).as_array();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("Error"), "BadItem");
  EXPECT_EQ(json::parse(s(failed[0].at("Input"))), json::parse(R"({"id":2,"bad":true})"));
  EXPECT_EQ(json::parse(objects.at("out/" + dir + "SUCCEEDED_0.json")).as_array().size(), 2u);
  // Express children: no records, none of their events in the parent's.
  std::string map_run = s(out.at("MapRunArn"));
  EXPECT_TRUE(call("ListExecutions", {{"mapRunArn", map_run}})["executions"].as_array().empty());
  EXPECT_FALSE(has(d["history"], "ChoiceStateEntered"));

  objects.objects["in/items.jsonl"] = "{\"bad\":true}\n{\"bad\":true}\n{\"bad\":false}\n";
  auto d2 = run(kTolerant, "{}");
  ASSERT_EQ(s(d2["status"]), "SUCCEEDED");
  EXPECT_EQ(json::parse(s(d2["output"])).at("error").at("Error"),
            "States.ExceedToleratedFailureThreshold");
  EXPECT_TRUE(has(d2["history"], "MapRunFailed"));
}

TEST_F(DistributedMapTest, ReaderFailuresAreCaughtAndJsonAndListingsAreRead) {
  // A missing object: States.ItemReaderFailed, which Catch takes.
  auto d = run(kTolerant, "{}");
  ASSERT_EQ(s(d["status"]), "FAILED");
  EXPECT_EQ(s(d["error"]), "States.ItemReaderFailed");
  EXPECT_NE(s(d["cause"]).find("NoSuchKey"), std::string::npos);

  const char* json_items = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"in","Key":"a.json"},"ReaderConfig":{"InputType":"JSON","MaxItems":2}},
    "End":true}}})j";
  objects.objects["in/a.json"] = R"([{"a":1},{"a":2},{"a":3}])";
  auto j = run(json_items, "{}");
  ASSERT_EQ(s(j["status"]), "SUCCEEDED") << s(j["cause"]);
  EXPECT_EQ(json::parse(s(j["output"])), json::parse(R"([{"a":1},{"a":2}])"));

  // A listing of two pages.
  calls.answer = [](std::string_view model, std::string_view op, const json::object& in) {
    EXPECT_EQ(model, "s3");
    EXPECT_EQ(op, "ListObjectsV2");
    if (!in.contains("ContinuationToken")) {
      return services::Output(json::object{
          {"Contents", json::array{json::object{{"Key", "p/1"}, {"Size", 3}, {"ETag", "\"e1\""}}}},
          {"NextContinuationToken", "next"}});
    }
    return services::Output(json::object{
        {"Contents", json::array{json::object{{"Key", "p/2"}, {"Size", 4}, {"ETag", "\"e2\""}}}}});
  };
  const char* listing = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"k.$":"$.Key"},"End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"in","Prefix":"p/"}},
    "End":true}}})j";
  auto l = run(listing, "{}");
  ASSERT_EQ(s(l["status"]), "SUCCEEDED") << s(l["cause"]);
  EXPECT_EQ(json::parse(s(l["output"])), json::parse(R"([{"k":"p/1"},{"k":"p/2"}])"));
}

TEST_F(DistributedMapTest, AMapRunInFlightGoesOnAfterARestart) {
  objects.objects["in/a.json"] = R"([1,2,3,4])";
  const char* waits = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"in","Key":"a.json"},"ReaderConfig":{"InputType":"JSON"}},
    "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"r"}},
    "MaxConcurrency":2,"End":true}}})j";
  std::string x = start(create("waits", waits), "{}");
  ASSERT_TRUE(eventually([&] {
    auto h = history_types(x);
    return std::count(h.begin(), h.end(), "MapRunStarted") == 1;
  }));
  reopen();
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(10)));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  std::string key = s(json::parse(s(d["output"])).at("ResultWriterDetails").at("Key"));
  EXPECT_NE(objects.at("out/" + key), "");
  // Two at a time, 60 s each: at least two minutes of simulated time.
  auto h = history(x);
  EXPECT_GE(
      h.back().at("timestamp").to_number<double>() - h.front().at("timestamp").to_number<double>(),
      120.0);
  // The children that waited across the restart went on with their
  // histories.
  std::string map_run = s(json::parse(s(d["output"])).at("MapRunArn"));
  auto children = call("ListExecutions", {{"mapRunArn", map_run}})["executions"].as_array();
  ASSERT_EQ(children.size(), 4u);
  for (const auto& c : children) {
    std::string arn = s(c.at("executionArn"));
    EXPECT_EQ(s(c.at("status")), "SUCCEEDED");
    EXPECT_EQ(history_types(arn),
              (std::vector<std::string>{"ExecutionStarted", "WaitStateEntered", "WaitStateExited",
                                        "ExecutionSucceeded"}));
    int64_t id = 0;
    for (const auto& e : history(arn)) EXPECT_EQ(e.at("id").to_number<int64_t>(), ++id);
  }
}

TEST_F(DistributedMapTest, StoppingTheParentAbortsItsChildExecutions) {
  objects.objects["in/a.json"] = R"([1,2,3])";
  const char* waits = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"in","Key":"a.json"},"ReaderConfig":{"InputType":"JSON"}},
    "MaxConcurrency":2,"End":true}}})j";
  std::string x = start(create("stops", waits), "{}");
  std::string map_run;
  ASSERT_TRUE(eventually([&] {
    auto runs = call("ListMapRuns", {{"executionArn", x}})["mapRuns"].as_array();
    if (runs.empty()) return false;
    map_run = s(runs[0].at("mapRunArn"));
    return call("ListExecutions", {{"mapRunArn", map_run}})["executions"].as_array().size() == 2;
  }));
  call("StopExecution", {{"executionArn", x}});
  auto children = call("ListExecutions", {{"mapRunArn", map_run}})["executions"].as_array();
  ASSERT_EQ(children.size(), 2u);
  for (const auto& c : children) {
    EXPECT_EQ(s(c.at("status")), "ABORTED");
    EXPECT_EQ(history_types(s(c.at("executionArn"))).back(), "ExecutionAborted");
  }
}

TEST_F(DistributedMapTest, MapRunsAreListedDescribedAndUpdatedWhileTheyRun) {
  objects.objects["in/a.json"] = R"([1,2,3,4,5,6,7,8])";
  const char* waits = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map","Label":"slow",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"in","Key":"a.json"},"ReaderConfig":{"InputType":"JSON"}},
    "MaxConcurrency":1,"End":true}}})j";
  std::string x = start(create("slow", waits), "{}");
  std::string run;
  ASSERT_TRUE(eventually([&] {
    auto runs = call("ListMapRuns", {{"executionArn", x}})["mapRuns"].as_array();
    if (runs.size() == 1) run = s(runs[0].at("mapRunArn"));
    return !run.empty();
  }));
  EXPECT_NE(run.find(":mapRun:slow/slow:"), std::string::npos);
  auto d = call("DescribeMapRun", {{"mapRunArn", run}});
  EXPECT_EQ(s(d["status"]), "RUNNING");
  EXPECT_EQ(d["maxConcurrency"], 1);
  EXPECT_EQ(d["itemCounts"].at("total"), 8);
  EXPECT_EQ(d["itemCounts"].at("running"), 1);
  EXPECT_EQ(d["itemCounts"].at("pending"), 7);
  // One at a time would take 8 minutes; four at a time, two.
  call("UpdateMapRun", {{"mapRunArn", run}, {"maxConcurrency", 4}});
  EXPECT_EQ(call("DescribeMapRun", {{"mapRunArn", run}})["itemCounts"].at("running"), 4);
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(10)));
  auto h = history(x);
  EXPECT_LE(
      h.back().at("timestamp").to_number<double>() - h.front().at("timestamp").to_number<double>(),
      130.0);
  auto ended = call("DescribeMapRun", {{"mapRunArn", run}});
  EXPECT_EQ(s(ended["status"]), "SUCCEEDED");
  EXPECT_EQ(ended["maxConcurrency"], 4);
  EXPECT_EQ(ended["itemCounts"].at("succeeded"), 8);
  EXPECT_TRUE(ended.contains("stopDate"));
  expect_error("UpdateMapRun", {{"mapRunArn", run}, {"maxConcurrency", 2}}, "ValidationException");
  expect_error("DescribeMapRun", {{"mapRunArn", run + "x"}}, "ResourceNotFound");
  expect_error("DescribeMapRun", {{"mapRunArn", "nope"}}, "InvalidArn");
  expect_error("ListMapRuns", {{"executionArn", x + "x"}}, "ExecutionDoesNotExist");
}

TEST_F(DistributedMapTest, ARedrivenMapRunKeepsItsArnAndWritesItsResults) {
  objects.objects["in/a.json"] = R"([{"n":1},{"n":2}])";
  const char* def = R"j({"StartAt":"Each","States":{"Each":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
      "StartAt":"Double","States":{"Double":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:000000000000:function:double","End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Parameters":{"Bucket":"in","Key":"a.json"},"ReaderConfig":{"InputType":"JSON"}},
    "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out"}},
    "End":true}}})j";
  auto doubles = functions.answer;
  functions.answer = [&](const services::lambda::SyncInvoke& c) {
    if (json::parse(c.payload).at("n") == 2) {
      return Result<services::lambda::SyncResult>(
          services::lambda::SyncResult{true, R"({"errorType":"NotYet"})", "$LATEST"});
    }
    return doubles(c);
  };
  std::string x = start(create("redo", def), "{}");
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  ASSERT_EQ(status(x), "FAILED");
  std::string run =
      s(call("ListMapRuns", {{"executionArn", x}})["mapRuns"].as_array()[0].at("mapRunArn"));
  EXPECT_EQ(s(call("DescribeMapRun", {{"mapRunArn", run}})["status"]), "FAILED");
  functions.answer = doubles;
  call("RedriveExecution", {{"executionArn", x}});
  ASSERT_TRUE(advance_until([&] { return status(x) != "RUNNING"; }, std::chrono::seconds(1)));
  auto d = call("DescribeExecution", {{"executionArn", x}});
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  auto out = json::parse(s(d["output"]));
  EXPECT_EQ(s(out.at("MapRunArn")), run);
  std::string id = run.substr(run.rfind(':') + 1);
  auto succeeded = json::parse(objects.at("out/" + id + "/SUCCEEDED_0.json")).as_array();
  ASSERT_EQ(succeeded.size(), 2u);
  EXPECT_EQ(json::parse(s(succeeded[1].at("Output"))), json::parse(R"({"doubled":4})"));
  EXPECT_EQ(s(call("DescribeMapRun", {{"mapRunArn", run}})["status"]), "SUCCEEDED");
}

TEST_F(DistributedMapTest, AJsonataDistributedMapTakesArguments) {
  objects.objects["in/rows.csv"] = "a,b\n1,2\n3,4\n5,6\n";
  const char* def = R"j({"QueryLanguage":"JSONata","StartAt":"Each","States":{"Each":{
    "Type":"Map","Assign":{"seen":"{% $states.result.MapRunArn %}"},
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
      "StartAt":"Sum","States":{"Sum":{"Type":"Pass",
        "Output":"{% {'sum': $sum($states.input.Items.($number(a) + $number(b))), 'tag': $states.input.BatchInput.tag} %}",
        "End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "Arguments":{"Bucket":"in","Key":"{% $states.input.key %}"},"ReaderConfig":{"InputType":"CSV"}},
    "ItemSelector":"{% $states.context.Map.Item.Value %}",
    "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"tag":"{% $states.input.tag %}"}},
    "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject",
      "Arguments":{"Bucket":"out","Prefix":"{% $states.input.tag %}"}},
    "End":true}}})j";
  auto d = run(def, R"({"key":"rows.csv","tag":"j"})");
  ASSERT_EQ(s(d["status"]), "SUCCEEDED") << s(d["cause"]);
  std::string key = s(json::parse(s(d["output"])).at("ResultWriterDetails").at("Key"));
  EXPECT_TRUE(key.starts_with("j/")) << key;
  std::string dir = key.substr(0, key.rfind('/') + 1);
  auto succeeded = json::parse(objects.at("out/" + dir + "SUCCEEDED_0.json")).as_array();
  ASSERT_EQ(succeeded.size(), 2u);
  EXPECT_EQ(json::parse(s(succeeded[0].at("Output"))), json::parse(R"({"sum":10,"tag":"j"})"));
  EXPECT_EQ(json::parse(s(succeeded[1].at("Output"))), json::parse(R"({"sum":11,"tag":"j"})"));
}

TEST_F(DistributedMapTest, DefinitionsAwsRefusesAreRefused) {
  auto refused = [&](const std::string& def) {
    return error_code("CreateStateMachine",
                      {{"name", "bad"}, {"definition", def}, {"roleArn", kRole}}) ==
           "InvalidDefinition";
  };
  // An ItemReader on an inline Map.
  EXPECT_TRUE(refused(R"j({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},
      "ReaderConfig":{"InputType":"JSON"}},"End":true}}})j"));
  // No ExecutionType; an unknown InputType; a batcher without limits.
  EXPECT_TRUE(refused(R"j({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
    "End":true}}})j"));
  EXPECT_TRUE(refused(R"j({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
    "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},
      "ReaderConfig":{"InputType":"XML"}},"End":true}}})j"));
  EXPECT_TRUE(refused(R"j({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
    "ItemBatcher":{},"End":true}}})j"));
  EXPECT_TRUE(call("ListStateMachines", {})["stateMachines"].as_array().empty());
}

}  // namespace
}  // namespace nimbus::sfn
