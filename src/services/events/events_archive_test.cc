// Archives and replays: which events an archive keeps, replays sending them
// again (only to the rules asked for, marked with replay-name, never
// archived twice), a replay cancelled before it finished, retention on the
// simulated clock, the state after a restart, and EventBridge's errors for
// bad input (nothing changes).
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

#include "services/events/archive.h"

#include "services/events/test_helpers.h"

namespace nimbus::services::eventbridge {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr char kBus[] = "arn:aws:events:us-east-1:000000000000:event-bus/default";
constexpr char kArchive[] = "arn:aws:events:us-east-1:000000000000:archive/keep";

class EventsArchiveTest : public testing::EventsTest {
 protected:
  double now_s() { return static_cast<double>(clock.now_millis()) / 1000.0; }
  json::object archive() { return call("DescribeArchive", {{"ArchiveName", "keep"}}); }
  std::string replay_state(const std::string& name) {
    return s(call("DescribeReplay", {{"ReplayName", name}})["State"]);
  }
  bool replay_ends(const std::string& name) {
    return eventually([&] {
      auto st = replay_state(name);
      return st == "COMPLETED" || st == "FAILED" || st == "CANCELLED";
    });
  }
  json::object replay(const std::string& name, double from, double to, json::array filters = {}) {
    json::object dest{{"Arn", kBus}};
    if (!filters.empty()) dest["FilterArns"] = std::move(filters);
    return call("StartReplay", {{"ReplayName", name},
                                {"EventSourceArn", kArchive},
                                {"EventStartTime", from},
                                {"EventEndTime", to},
                                {"Destination", dest}});
  }
};

TEST_F(EventsArchiveTest, AnArchiveKeepsMatchingEventsAndAReplaySendsThemAgain) {
  auto out = call("CreateArchive", {{"ArchiveName", "keep"},
                                    {"EventSourceArn", kBus},
                                    {"EventPattern", R"({"source":["shop"]})"}});
  EXPECT_EQ(s(out["ArchiveArn"]), kArchive);
  auto q = queue("q");
  auto other = queue("other");
  put_rule("orders", R"({"source":["shop"]})");
  put_target("orders", {{"Id", "q"}, {"Arn", arn_of(q)}});
  put_rule("audit", R"({"source":["shop"]})");
  put_target("audit", {{"Id", "o"}, {"Arn", arn_of(other)}});
  double from = now_s();
  put_event("shop", R"({"n":1})");
  put_event("elsewhere", R"({"n":2})");  // no match: not archived
  put_event("shop", R"({"n":3})");
  EXPECT_EQ(receive(q, 2).size(), 2u);
  EXPECT_EQ(receive(other, 2).size(), 2u);
  auto a = archive();
  EXPECT_EQ(a["EventCount"].as_int64(), 2);
  EXPECT_GT(a["SizeBytes"].as_int64(), 100);
  clock.advance(2min);

  out = replay("again", from, now_s(),
               json::array{"arn:aws:events:us-east-1:000000000000:rule/orders"});
  EXPECT_EQ(s(out["State"]), "STARTING");
  ASSERT_TRUE(replay_ends("again"));
  EXPECT_EQ(replay_state("again"), "COMPLETED");
  auto got = receive(q, 2);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& m : got) {
    auto event = json::parse(s(m.at("Body"))).as_object();
    EXPECT_EQ(s(event["replay-name"]), "again");
    EXPECT_EQ(s(event["source"]), "shop");
  }
  // The rule the filter left out got nothing again, and nothing replayed
  // was archived a second time.
  EXPECT_TRUE(receive(other, 1, 10ms, 20).empty());
  EXPECT_EQ(archive()["EventCount"].as_int64(), 2);
  auto d = call("DescribeReplay", {{"ReplayName", "again"}});
  EXPECT_TRUE(d.contains("EventLastReplayedTime"));
  EXPECT_TRUE(d.contains("ReplayEndTime"));
  EXPECT_EQ(call("ListReplays", {{"State", "COMPLETED"}})["Replays"].as_array().size(), 1u);
  expect_error("CancelReplay", {{"ReplayName", "again"}}, "IllegalStatusException");
}

// A replay cancelled before it finished: CANCELLING at once, then
// CANCELLED, none of its events sent again. The worker pool is kept busy
// so that the replay cannot send a page before the cancel lands.
TEST_F(EventsArchiveTest, ACancelledReplayStopsWithoutSendingItsEvents) {
  call("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}});
  auto q = queue("q");
  put_rule("orders", R"({"source":["shop"]})");
  put_target("orders", {{"Id", "q"}, {"Arn", arn_of(q)}});
  double from = now_s();
  put_event("shop", R"({"n":1})");
  ASSERT_EQ(receive(q, 1).size(), 1u);
  clock.advance(2min);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto busy = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 2; ++i) {  // the fixture's two workers
    workers.post([busy, released] {
      ++*busy;
      released.wait();
    });
  }
  ASSERT_TRUE(eventually([&] { return busy->load() == 2; }));
  EXPECT_EQ(s(replay("stopped", from, now_s())["State"]), "STARTING");
  EXPECT_EQ(s(call("CancelReplay", {{"ReplayName", "stopped"}})["State"]), "CANCELLING");
  EXPECT_EQ(replay_state("stopped"), "CANCELLING");
  release.set_value();
  ASSERT_TRUE(replay_ends("stopped"));
  EXPECT_EQ(replay_state("stopped"), "CANCELLED");
  EXPECT_TRUE(receive(q, 1, 10ms, 20).empty());
  expect_error("CancelReplay", {{"ReplayName", "stopped"}}, "IllegalStatusException");
}

TEST_F(EventsArchiveTest, ArchivesSurviveARestartAndAgeOutByRetention) {
  call("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}, {"RetentionDays", 1}});
  put_event("a", "{}");
  put_event("b", "{}");
  reopen();
  EXPECT_EQ(archive()["EventCount"].as_int64(), 2);
  EXPECT_EQ(archive()["RetentionDays"].as_int64(), 1);
  clock.advance(12h);
  put_event("c", "{}");
  // The hourly sweep after a day deletes the first two, keeps the third.
  EXPECT_TRUE(advance_until([&] { return archive()["EventCount"].as_int64() == 1; }, 1h, 40));
  call("UpdateArchive", {{"ArchiveName", "keep"}, {"Description", "d"}});
  EXPECT_EQ(s(archive()["Description"]), "d");
  EXPECT_EQ(archive()["EventCount"].as_int64(), 1);  // an update keeps the counters
  call("DeleteArchive", {{"ArchiveName", "keep"}});
  expect_error("DescribeArchive", {{"ArchiveName", "keep"}}, "ResourceNotFoundException");
  call("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}});
  EXPECT_EQ(archive()["EventCount"].as_int64(), 0);
}

TEST_F(EventsArchiveTest, AReplayCutMidwayKeepsItsBinaryCursorAcrossARestart) {
  call("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}});
  // A replay as a crash leaves it: RUNNING, its cursor a storage key (bytes
  // that are not UTF-8), an end in the past so nothing sends meanwhile.
  Replay r;
  r.name = "cut";
  r.arn = "arn:aws:events:us-east-1:000000000000:replay/cut";
  r.archive = "keep";
  r.source_arn = kArchive;
  r.destination_arn = kBus;
  r.state = "RUNNING";
  r.cursor = std::string("a\0\xff\x80\x01z", 6);
  std::promise<Status> kept;
  svc->engine().archives().put_replay(r, [&](Status st) { kept.set_value(std::move(st)); });
  ASSERT_TRUE(kept.get_future().get().is_ok());
  auto stored = svc->engine().archives().replay("cut");
  ASSERT_TRUE(stored);
  reopen();  // the server starts, and the replay goes on from its cursor
  EXPECT_TRUE(replay_ends("cut"));
  EXPECT_EQ(replay_state("cut"), "COMPLETED");
}

TEST_F(EventsArchiveTest, BadArchivesAndReplaysAreRefused) {
  expect_error("CreateArchive", {{"ArchiveName", "bad name"}, {"EventSourceArn", kBus}},
               "ValidationException");
  expect_error("CreateArchive",
               {{"ArchiveName", "k"},
                {"EventSourceArn", "arn:aws:events:us-east-1:000000000000:event-bus/nope"}},
               "ResourceNotFoundException");
  expect_error("CreateArchive",
               {{"ArchiveName", "k"}, {"EventSourceArn", kBus}, {"EventPattern", "{"}},
               "InvalidEventPatternException");
  call("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}});
  expect_error("CreateArchive", {{"ArchiveName", "keep"}, {"EventSourceArn", kBus}},
               "ResourceAlreadyExistsException");
  expect_error("ListArchives", {{"NamePrefix", "k"}, {"State", "ENABLED"}}, "ValidationException");
  EXPECT_EQ(call("ListArchives", {})["Archives"].as_array().size(), 1u);

  clock.advance(1min);
  double now = now_s();
  json::object dest{{"Arn", kBus}};
  expect_error("StartReplay",
               {{"ReplayName", "r"},
                {"EventSourceArn", kArchive},
                {"EventStartTime", now - 10},
                {"EventEndTime", now - 20},
                {"Destination", dest}},
               "ValidationException");
  expect_error("StartReplay",
               {{"ReplayName", "r"},
                {"EventSourceArn", kArchive},
                {"EventStartTime", now - 10},
                {"EventEndTime", now + 60},
                {"Destination", dest}},
               "ValidationException");
  call("CreateEventBus", {{"Name", "other"}});
  expect_error(
      "StartReplay",
      {{"ReplayName", "r"},
       {"EventSourceArn", kArchive},
       {"EventStartTime", now - 10},
       {"EventEndTime", now},
       {"Destination", {{"Arn", "arn:aws:events:us-east-1:000000000000:event-bus/other"}}}},
      "ValidationException");
  expect_error("StartReplay",
               {{"ReplayName", "r"},
                {"EventSourceArn", kArchive},
                {"EventStartTime", now - 10},
                {"EventEndTime", now},
                {"Destination",
                 {{"Arn", kBus},
                  {"FilterArns", json::array{"arn:aws:events:us-east-1:000000000000:rule/no"}}}}},
               "ValidationException");
  expect_error("StartReplay",
               {{"ReplayName", "r"},
                {"EventSourceArn", "arn:aws:events:us-east-1:000000000000:archive/nope"},
                {"EventStartTime", now - 10},
                {"EventEndTime", now},
                {"Destination", dest}},
               "ResourceNotFoundException");
  EXPECT_TRUE(call("ListReplays", {})["Replays"].as_array().empty());
  replay("r", now - 10, now);
  expect_error("StartReplay",
               {{"ReplayName", "r"},
                {"EventSourceArn", kArchive},
                {"EventStartTime", now - 10},
                {"EventEndTime", now},
                {"Destination", dest}},
               "ResourceAlreadyExistsException");
  expect_error("DescribeReplay", {{"ReplayName", "nope"}}, "ResourceNotFoundException");
  ASSERT_TRUE(replay_ends("r"));
}

}  // namespace
}  // namespace nimbus::services::eventbridge
