// Timers: due timers reach their handler, stay until acknowledged, and
// survive restarts; cancel and replace.
#include "storage/timers.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include "common/worker_pool.h"
#include "storage/test_dir.h"

namespace nimbus::storage {
namespace {

using namespace std::chrono_literals;

// What handlers received, with their acks, for the test to inspect.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<DueTimer, Timers::Ack>> got;

  void push(DueTimer t, Timers::Ack ack) {
    std::lock_guard lock(mu);
    got.emplace_back(std::move(t), std::move(ack));
    cv.notify_all();
  }
  std::pair<DueTimer, Timers::Ack> pop() {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return !got.empty(); })) << "no timer handed out";
    if (got.empty()) return {};
    auto front = std::move(got.front());
    got.pop_front();
    return front;
  }
  size_t size() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

class TimersTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open() {
    auto s = Storage::open(Options{dir_.path(), Durability::kSync});
    ASSERT_TRUE(s) << s.error().message;
    storage_ = std::move(*s);
    timers_ = std::make_unique<Timers>(
        *storage_, clock_, scheduler_,
        [this](std::function<void()> f) { pool_.post(std::move(f)); },
        Timers::Options{"test.timers", 20ms});
    timers_->on("retry",
                [this](DueTimer t, Timers::Ack ack) { inbox_.push(std::move(t), std::move(ack)); });
    ASSERT_TRUE(timers_->start());
  }
  void close() {
    timers_.reset();
    storage_.reset();
  }
  Status schedule(std::string id, Clock::time_point due, std::string payload,
                  std::string kind = "retry") {
    std::promise<Status> done;
    timers_->schedule(kind, id, due, std::move(payload),
                      [&](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }
  Status cancel(std::string id) {
    std::promise<Status> done;
    timers_->cancel("retry", id, [&](Status s) { done.set_value(std::move(s)); });
    return done.get_future().get();
  }
  void ack(Timers::Ack& a, Status s = Status::ok()) {
    a(std::move(s));
    // The removal is a commit: wait for it through a commit queued after it.
    ASSERT_TRUE(storage_->commit_sync(WriteBatch()));
  }

  testing::TempDir dir_;
  ManualClock clock_{Clock::time_point(1'700'000'000'000ms)};
  // Timers run on real time here, as before the Scheduler took a clock.
  SystemClock timer_clock_;
  Scheduler scheduler_{timer_clock_};
  WorkerPool pool_{2};
  Inbox inbox_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Timers> timers_;
};

TEST_F(TimersTest, DueTimerIsHandedOutAndRemovedOnAck) {
  ASSERT_TRUE(schedule("msg-1", clock_.now(), "payload-1"));
  auto [t, a] = inbox_.pop();
  EXPECT_EQ(t.kind, "retry");
  EXPECT_EQ(t.id, "msg-1");
  EXPECT_EQ(t.payload, "payload-1");
  EXPECT_EQ(t.due, clock_.now());
  EXPECT_EQ(timers_->size(), 1u);  // until acknowledged
  ack(a);
  EXPECT_EQ(timers_->size(), 0u);
  close();
  open();
  EXPECT_EQ(timers_->size(), 0u);
}

TEST_F(TimersTest, FailedHandlerGetsTheTimerAgain) {
  ASSERT_TRUE(schedule("msg-1", clock_.now(), "p"));
  auto first = inbox_.pop();
  ack(first.second, Error::internal("target down"));
  EXPECT_EQ(inbox_.size(), 0u);
  clock_.advance(20ms);  // retry_after
  auto second = inbox_.pop();
  EXPECT_EQ(second.first.id, "msg-1");
  ack(second.second);
  EXPECT_EQ(timers_->size(), 0u);
}

TEST_F(TimersTest, FutureTimersSurviveRestartAndFireWhenDue) {
  ASSERT_TRUE(schedule("later", clock_.now() + 1h, "wait state"));
  ASSERT_TRUE(schedule("sooner", clock_.now() + 30min, "retry 2"));
  EXPECT_EQ(inbox_.size(), 0u);
  close();
  clock_.advance(45min);  // the process was down while "sooner" fell due
  open();
  auto [t, a] = inbox_.pop();
  EXPECT_EQ(t.id, "sooner");
  EXPECT_EQ(t.payload, "retry 2");
  ack(a);
  EXPECT_EQ(timers_->size(), 1u);
  EXPECT_EQ(inbox_.size(), 0u);
}

TEST_F(TimersTest, UnacknowledgedTimerIsHandedOutAgainAfterRestart) {
  ASSERT_TRUE(schedule("msg-1", clock_.now(), "p"));
  auto [t, a] = inbox_.pop();  // the handler "crashes": never acknowledges
  close();
  open();
  auto again = inbox_.pop();
  EXPECT_EQ(again.first.id, "msg-1");
  ack(again.second);
  a(Status::ok());  // the stale ack of the first delivery is ignored
  EXPECT_EQ(timers_->size(), 0u);
}

TEST_F(TimersTest, CancelAndReplace) {
  ASSERT_TRUE(schedule("a", clock_.now() + 1h, "a1"));
  ASSERT_TRUE(schedule("b", clock_.now() + 1h, "b1"));
  ASSERT_TRUE(cancel("a"));
  ASSERT_TRUE(cancel("never-scheduled"));
  ASSERT_TRUE(schedule("b", clock_.now(), "b2"));  // replaces: due now, new payload
  auto [t, ack_b] = inbox_.pop();
  EXPECT_EQ(t.id, "b");
  EXPECT_EQ(t.payload, "b2");
  ack(ack_b);
  EXPECT_EQ(timers_->size(), 0u);
  close();
  open();
  EXPECT_EQ(timers_->size(), 0u);
}

TEST_F(TimersTest, ContainsWhatIsStored) {
  ASSERT_TRUE(schedule("a", clock_.now() + 1h, "a1"));
  ASSERT_TRUE(schedule("b", clock_.now() + 1h, "b1", "deliver"));
  EXPECT_TRUE(timers_->contains("retry", "a"));
  EXPECT_TRUE(timers_->contains("deliver", "b"));
  EXPECT_FALSE(timers_->contains("deliver", "a"));  // another kind
  EXPECT_FALSE(timers_->contains("retry", "c"));
  ASSERT_TRUE(cancel("a"));
  EXPECT_FALSE(timers_->contains("retry", "a"));
  close();
  open();  // loaded back by start()
  EXPECT_TRUE(timers_->contains("deliver", "b"));
  EXPECT_FALSE(timers_->contains("retry", "a"));
}

TEST_F(TimersTest, KindWithoutHandlerStaysStored) {
  ASSERT_TRUE(schedule("x", clock_.now(), "p", "unknown-kind"));
  ASSERT_TRUE(schedule("y", clock_.now(), "p"));
  auto [t, a] = inbox_.pop();
  EXPECT_EQ(t.id, "y");
  ack(a);
  EXPECT_EQ(timers_->size(), 1u);
}

}  // namespace
}  // namespace nimbus::storage
