// How a large body reaches the disk in sync durability: the flushes behind
// the writes (every 32 MiB, on another worker) and the commit's fsync, made
// to fail or to wait through the engine's FileSync. A failed flush or fsync
// fails the PUT with a 500 and leaves no object, no file and no descriptor;
// a client that goes away while a flush runs leaves nothing either; and the
// flushes running at once are bounded by half the worker pool.
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>

#include "services/s3/blob_sink.h"
#include "services/s3/test_helpers.h"

namespace nimbus::services::s3 {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testing::file_sized;
using testing::S3Test;

constexpr uint64_t kMiB = 1 << 20;

// Piece `i` of a test body: 1 MiB of one letter.
std::string piece_of(uint64_t i) {
  return std::string(kMiB, static_cast<char>('a' + i % 26));
}

std::string body_of(uint64_t total) {
  std::string out;
  for (uint64_t i = 0; out.size() < total; ++i) out += piece_of(i);
  out.resize(total);
  return out;
}

// A request body as the edge streams it: `total` bytes in 1 MiB pieces,
// made when asked for. A read past `hold_at` bytes waits for the test:
// close_connection() then answers it as a closed connection does.
class ArrivingBody final : public http::BodySource {
 public:
  explicit ArrivingBody(uint64_t total, uint64_t hold_at = std::numeric_limits<uint64_t>::max())
      : total_(total), hold_at_(hold_at) {}

  std::optional<uint64_t> size() const override { return total_; }

  void read(http::BodyCallback next) override {
    std::string piece;
    {
      std::lock_guard lock(mu_);
      if (sent_ >= hold_at_) {
        pending_ = std::move(next);
        return;
      }
      if (sent_ < total_) {
        piece = piece_of(sent_ / kMiB);
        piece.resize(std::min<uint64_t>(piece.size(), total_ - sent_));
        sent_ += piece.size();
      }
    }
    next(std::move(piece));
  }

  bool waiting() {
    std::lock_guard lock(mu_);
    return static_cast<bool>(pending_);
  }

  // The client goes away: the read that waits gets the edge's error.
  void close_connection() {
    http::BodyCallback next;
    {
      std::lock_guard lock(mu_);
      next = std::move(pending_);
      pending_ = nullptr;
    }
    if (next) {
      next(Error::make("RequestBodyUnavailable",
                       "The request body cannot be read: the connection closed", 400));
    }
  }

 private:
  const uint64_t total_;
  const uint64_t hold_at_;
  std::mutex mu_;
  uint64_t sent_ = 0;
  http::BodyCallback pending_;
};

// The disk as the engine's FileSync sees it: the system's calls, unless a
// test sets an errno to fail with or holds the flushes until release().
// Counts the calls and the most flushes that ran at once.
struct Disk {
  std::atomic<int> flush_error{0};
  std::atomic<int> sync_error{0};
  std::atomic<int> flushes{0};
  std::atomic<int> syncs{0};
  std::atomic<int> flushing{0};
  std::atomic<int> most_flushing{0};
  std::mutex mu;
  std::condition_variable cv;
  bool held = false;

  void hold() {
    std::lock_guard lock(mu);
    held = true;
  }
  void release() {
    {
      std::lock_guard lock(mu);
      held = false;
    }
    cv.notify_all();
  }

  int flush(int fd) {
    ++flushes;
    int now = ++flushing;
    for (int most = most_flushing.load(); now > most;) {
      if (most_flushing.compare_exchange_weak(most, now)) break;
    }
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, 20s, [&] { return !held; });
    }
    int err = flush_error.load();
    if (err == 0) err = FileSync::system_fdatasync(fd);
    --flushing;
    return err;
  }

  static FileSync file_sync(const std::shared_ptr<Disk>& disk) {
    FileSync fs;
    fs.flush = [disk](int fd) { return disk->flush(fd); };
    fs.sync = [disk](int fd) {
      ++disk->syncs;
      int err = disk->sync_error.load();
      return err != 0 ? err : FileSync::system_fsync(fd);
    };
    return fs;
  }
};

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Sync durability (flushes behind the writes only happen there), and four
// workers: at most two flushes behind at once, and a held flush leaves
// others for the lanes.
class S3SyncTest : public S3Test {
 protected:
  S3SyncTest() : S3Test(options_of()) {}

  static services::testing::FixtureOptions options_of() {
    services::testing::FixtureOptions o;
    o.durability = storage::Durability::kSync;
    o.workers = 4;
    return o;
  }

  void SetUp() override {
    S3Test::SetUp();
    make_bucket("bkt");
    svc->engine().set_file_sync(Disk::file_sync(disk));
    // The first body file makes a batch of slots; counted after it.
    put("bkt", "warm", file_sized("warm"));
    descriptors = open_descriptors();
  }

  // A PutObject of `body` as a streamed request body.
  Output put_streamed(const std::string& key, std::shared_ptr<http::BodySource> body) {
    CallContext c = ctx("PutObject");
    c.payload->request = std::move(body);
    return try_call(*svc, c, {{"Bucket", "bkt"}, {"Key", key}});
  }

  std::future<Output> put_streamed_async(const std::string& key,
                                         std::shared_ptr<http::BodySource> body) {
    return std::async(std::launch::async,
                      [this, key, body] { return put_streamed(key, std::move(body)); });
  }

  // What a client sees of a PUT that failed, and what is left of it: no
  // object, no body file but the warm-up's, no descriptor, no flush.
  void expect_nothing_left(const std::string& key) {
    expect_error("HeadObject", {{"Bucket", "bkt"}, {"Key", key}}, "NoSuchKey");
    auto list = call("ListObjectsV2", {{"Bucket", "bkt"}, {"Prefix", key}});
    EXPECT_EQ(list["KeyCount"].to_number<int64_t>(), 0);
    EXPECT_TRUE(eventually([&] { return body_files() == 1; })) << body_files();
    EXPECT_TRUE(eventually([&] { return svc->engine().flush_budget().running() == 0; }));
    EXPECT_TRUE(eventually([&] { return open_descriptors() == descriptors; }))
        << open_descriptors() << " descriptors open, " << descriptors << " before";
  }

  // The next large PUT works, flushes behind its writes and reads back.
  void expect_a_put_works(const std::string& key) {
    disk->flush_error = 0;
    disk->sync_error = 0;
    int flushes = disk->flushes;
    auto out = put_streamed(key, std::make_shared<ArrivingBody>(40 * kMiB));
    ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
    std::string want = body_of(40 * kMiB);
    EXPECT_EQ(s((*out)["ETag"]), "\"" + hex(md5_of(want)) + "\"");
    EXPECT_GT(disk->flushes, flushes);
    EXPECT_TRUE(get("bkt", key).body == want);
  }

  std::shared_ptr<Disk> disk = std::make_shared<Disk>();
  size_t descriptors = 0;
};

TEST_F(S3SyncTest, AFailedCommitFsyncIsAServerErrorAndLeavesNothing) {
  disk->sync_error = EIO;
  auto out = put_streamed("k", std::make_shared<ArrivingBody>(2 * kMiB));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "InternalFailure");
  EXPECT_EQ(out.error().http_status, 500);
  EXPECT_NE(out.error().message.find("fsync"), std::string::npos) << out.error().message;
  expect_nothing_left("k");
  expect_a_put_works("k");
}

// The flush at 32 MiB fails: the PUT fails as a failed fsync does, even
// though the commit's fsync would succeed (it shares the open file and
// would not see the flush's error again).
TEST_F(S3SyncTest, AFailedFlushIsAServerErrorAndLeavesNothing) {
  disk->flush_error = EIO;
  auto out = put_streamed("k", std::make_shared<ArrivingBody>(40 * kMiB));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "InternalFailure");
  EXPECT_EQ(out.error().http_status, 500);
  EXPECT_EQ(disk->flushes, 1);
  expect_nothing_left("k");
  expect_a_put_works("k");
}

// Its answer does not wait for the rest of the body, which the client is
// still sending, and the client closing its connection afterwards changes
// nothing.
TEST_F(S3SyncTest, AFailedFlushFailsThePutAtOnce) {
  disk->flush_error = EIO;
  auto body = std::make_shared<ArrivingBody>(64 * kMiB, /*hold_at=*/40 * kMiB);
  auto out = put_streamed("k", body);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "InternalFailure");
  EXPECT_EQ(out.error().http_status, 500);
  EXPECT_NE(out.error().message.find("fdatasync"), std::string::npos) << out.error().message;
  EXPECT_EQ(disk->flushes, 1);
  EXPECT_EQ(disk->syncs, 1);  // the warm-up's: no commit
  body->close_connection();
  expect_nothing_left("k");
  expect_a_put_works("k");
}

// The client goes away while a flush runs, and the flush then fails.
TEST_F(S3SyncTest, AClientThatLeavesDuringAFailingFlushLeavesNothing) {
  disk->flush_error = EIO;
  disk->hold();
  auto body = std::make_shared<ArrivingBody>(64 * kMiB, /*hold_at=*/40 * kMiB);
  auto put = put_streamed_async("k", body);
  ASSERT_TRUE(eventually([&] { return disk->flushing == 1 && body->waiting(); }));
  body->close_connection();
  ASSERT_EQ(put.wait_for(30s), std::future_status::ready);
  auto out = put.get();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "RequestBodyUnavailable");
  disk->release();
  expect_nothing_left("k");
  expect_a_put_works("k");
}

// Four 40 MiB PUTs at once on four workers: two flush behind their writes
// (held here, as a slow disk would), the other two find no place, skip
// their flush and finish without waiting for them. Every PUT still ends
// with its fsync.
TEST_F(S3SyncTest, FlushesBehindTheWritesTakeAtMostHalfTheWorkers) {
  EXPECT_EQ(svc->engine().flush_budget().limit(), 2u);
  disk->hold();
  int syncs = disk->syncs;
  std::vector<std::future<Output>> puts;
  for (int i = 0; i < 4; ++i) {
    puts.push_back(
        put_streamed_async("k" + std::to_string(i), std::make_shared<ArrivingBody>(40 * kMiB)));
  }
  auto answered = [&] {
    int n = 0;
    for (auto& p : puts) n += p.wait_for(0s) == std::future_status::ready;
    return n;
  };
  EXPECT_TRUE(eventually([&] { return answered() == 2; }, 30s)) << answered();
  EXPECT_EQ(disk->flushes, 2);
  EXPECT_EQ(disk->most_flushing, 2);
  disk->release();
  std::string want = "\"" + hex(md5_of(body_of(40 * kMiB))) + "\"";
  for (auto& p : puts) {
    ASSERT_EQ(p.wait_for(30s), std::future_status::ready);
    auto out = p.get();
    ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
    EXPECT_EQ(s((*out)["ETag"]), want);
  }
  EXPECT_EQ(disk->syncs - syncs, 4);
  EXPECT_EQ(disk->most_flushing, 2);
  EXPECT_EQ(svc->engine().flush_budget().running(), 0u);
  EXPECT_TRUE(eventually([&] { return open_descriptors() == descriptors; }));
}

}  // namespace
}  // namespace nimbus::services::s3
