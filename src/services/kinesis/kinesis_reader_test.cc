// The in-process events::StreamSource: positions as checkpoints, starting
// positions, reading across a split in order, waiting for records.
#include <atomic>

#include "services/kinesis/test_helpers.h"

namespace nimbus::services::kinesis::testing {
namespace {

using events::ShardBatch;
using events::StartingPosition;

constexpr char kArn[] = "arn:aws:kinesis:us-east-1:000000000000:stream/s";
constexpr char kShard0[] = "shardId-000000000000";

std::vector<std::string> data(const ShardBatch& b) {
  std::vector<std::string> out;
  for (const auto& r : b.records) out.push_back(r.data);
  return out;
}

TEST_F(KinesisTest, ReaderReadsAfterCheckpointsAndFollowsChildren) {
  make_stream("s");
  put("s", "a", "1");
  clock.advance(std::chrono::seconds(5));
  put("s", "a", "2");
  events::StreamSource& reader = svc->reader();
  auto start = reader.start(kArn, kShard0, StartingPosition::kTrimHorizon);
  ASSERT_TRUE(start);
  auto first = reader.read(kArn, kShard0, *start, 1, 1 << 20);
  ASSERT_TRUE(first);
  EXPECT_EQ(data(*first), std::vector<std::string>{"1"});
  EXPECT_EQ(first->last_sequence, first->records[0].sequence_number);
  // The checkpoint survives a restart and resumes after the record.
  std::string checkpoint = first->last_sequence;
  reopen();
  events::StreamSource& again = svc->reader();
  EXPECT_EQ(data(*again.read(kArn, kShard0, checkpoint, 10, 1 << 20)),
            std::vector<std::string>{"2"});
  auto at = again.start(kArn, kShard0, StartingPosition::kAtTimestamp, 1'700'000'003'000);
  EXPECT_EQ(data(*again.read(kArn, kShard0, *at, 10, 1 << 20)), std::vector<std::string>{"2"});
  auto latest = again.start(kArn, kShard0, StartingPosition::kLatest);
  EXPECT_TRUE(again.read(kArn, kShard0, *latest, 10, 1 << 20)->records.empty());

  call("SplitShard", {{"StreamName", "s"},
                      {"ShardToSplit", kShard0},
                      {"NewStartingHashKey", "170141183460469231731687303715884105728"}});
  put("s", "a", "3");
  auto end = again.read(kArn, kShard0, *latest, 10, 1 << 20);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->ended);
  EXPECT_EQ(end->children,
            (std::vector<std::string>{"shardId-000000000001", "shardId-000000000002"}));
  auto shards = again.shards(kArn);
  ASSERT_TRUE(shards);
  ASSERT_EQ(shards->size(), 3u);
  EXPECT_FALSE((*shards)[0].open);
  EXPECT_EQ((*shards)[1].parent_shard_id, kShard0);
  auto child = again.start(kArn, "shardId-000000000001", StartingPosition::kTrimHorizon);
  EXPECT_EQ(data(*again.read(kArn, "shardId-000000000001", *child, 10, 1 << 20)),
            std::vector<std::string>{"3"});

  // A position of another shard or stream is refused.
  EXPECT_FALSE(again.read(kArn, "shardId-000000000002", checkpoint, 10, 1 << 20));
  EXPECT_FALSE(again.shards("arn:aws:kinesis:us-east-1:000000000000:stream/none"));
}

TEST_F(KinesisTest, ReaderWaitWakesOnAPut) {
  make_stream("s");
  events::StreamSource& reader = svc->reader();
  auto latest = reader.start(kArn, kShard0, StartingPosition::kLatest);
  ASSERT_TRUE(latest);
  std::atomic<int> woke{-1};
  reader.wait(kArn, kShard0, *latest, clock.now() + std::chrono::seconds(20),
              [&](bool ready) { woke = ready ? 1 : 0; });
  EXPECT_EQ(woke.load(), -1);
  put("s", "k", "x");
  EXPECT_TRUE(eventually([&] { return woke.load() == 1; }));
  std::atomic<int> timed_out{-1};
  auto after = reader.read(kArn, kShard0, *latest, 10, 1 << 20)->last_sequence;
  reader.wait(kArn, kShard0, after, clock.now() + std::chrono::seconds(20),
              [&](bool ready) { timed_out = ready ? 1 : 0; });
  clock.advance(std::chrono::seconds(21));
  EXPECT_TRUE(eventually([&] { return timed_out.load() == 0; }));
}

}  // namespace
}  // namespace nimbus::services::kinesis::testing
