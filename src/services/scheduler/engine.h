// The Scheduler engine: schedule groups and schedules in memory and in
// storage, their durable timers, and each firing handed to the schedule's
// target through events::TargetQueue (the retries and dead-letter queue
// EventBridge rules use too).
//
// State: namespace `scheduler`, one JSON record per group (key `g`/name) and
// per schedule (key `s`/group/name); every change is one batch of partition
// = the group's name, committed before the API answers. In memory under one
// mutex, read back in start().
//
// Firings: namespace `scheduler.timers`, one timer per enabled schedule
// (kind `s`, id group/name, payload the nominal firing time in seconds) due
// at that time plus the flexible window's random delay. The handler queues
// the delivery durably (namespace `scheduler.deliveries`, id
// group/name/nominal), then replaces its timer by the next firing (or, after
// the last one, deletes the schedule when ActionAfterCompletion is DELETE)
// and only then acknowledges: a crash in between fires the same nominal
// time again (at least once). A firing missed while the server was down
// fires once after the restart; later ones resume from the current time.
//
// Threads: every method from any thread; timer handlers on the Scheduler's
// thread; nothing blocks.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "events/target_queue.h"
#include "services/scheduler/schedule_def.h"
#include "services/service.h"
#include "storage/timers.h"

namespace nimbus::services::cloudwatch {
class MetricPublisher;
}

namespace nimbus::services::scheduler {

struct Group {
  std::string name;
  std::string arn;
  int64_t created_ms = 0;
  int64_t modified_ms = 0;
  std::vector<std::pair<std::string, std::string>> tags;
  std::string client_token;

  boost::json::object describe() const;
  std::string encode() const;
  static std::optional<Group> decode(std::string_view text);
};

class Engine {
 public:
  using Done = std::function<void(Status)>;
  // A uniform random number in [0, bound]: the flexible window's delay.
  using Random = std::function<int64_t(int64_t bound)>;

  explicit Engine(Environment& env);
  ~Engine();

  Status start();
  // Deliveries are checked against the schedule's RoleArn (set before
  // start(); events::TargetQueue::set_role_check).
  void set_role_check(::nimbus::events::RoleCheck check) {
    queue_.set_role_check(std::move(check));
  }
  // AWS/Scheduler's metrics (aws_metrics.h) go to `metrics` (CloudWatch's
  // publisher; null: none). Set before serving.
  void use_metrics(cloudwatch::MetricPublisher* metrics) { metrics_ = metrics; }
  // Replaces the random source (tests). Not synchronized: set it before
  // creating the schedules it should serve.
  void set_random(Random r) { random_ = std::move(r); }

  std::string group_arn(std::string_view name) const;
  std::string schedule_arn(std::string_view group, std::string_view name) const;

  std::optional<Group> group(std::string_view name) const;
  std::vector<Group> groups() const;
  void put_group(Group g, Done done);
  // Deletes the group and every schedule in it.
  void delete_group(const std::string& name, Done done);

  SchedulePtr schedule(std::string_view group, std::string_view name) const;
  // Every schedule, by group and name ("" = all groups).
  std::vector<SchedulePtr> schedules(std::string_view group) const;
  // Creates or replaces; arms its timer (enabled) or cancels it.
  void put_schedule(ScheduleDef s, Done done);
  void delete_schedule(const std::string& group, const std::string& name, Done done);

  // Timers waiting (firings armed) and deliveries waiting (tests, metrics).
  size_t armed() const { return timers_ ? timers_->size() : 0; }
  size_t pending_deliveries() const { return queue_.pending(); }

 private:
  void arm(const ScheduleDef& s, std::optional<int64_t> after, Done done);
  void on_timer(storage::DueTimer t, storage::Timers::Ack ack);
  void fire(SchedulePtr s, int64_t nominal, storage::Timers::Ack ack);
  void commit(storage::WriteBatch b, Done done);

  Environment& env_;
  Random random_;
  mutable Mutex mu_;
  std::map<std::string, Group, std::less<>> groups_ GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, SchedulePtr, std::less<>>, std::less<>> schedules_
      GUARDED_BY(mu_);
  ::nimbus::events::TargetQueue queue_;
  cloudwatch::MetricPublisher* metrics_ = nullptr;  // set before serving
  std::unique_ptr<storage::Timers> timers_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::services::scheduler
