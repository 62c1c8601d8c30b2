// The EventBridge engine: event buses, rules with their targets, routing of
// events to the targets of matching rules, and the timers of schedule rules.
//
// State: namespace `events`, one JSON record per bus (key `b`/name) and per
// rule with its targets (key `r`/bus/name); every change is one batch of
// partition = the bus's name, committed before the API answers. In memory
// under one mutex, read back in start().
//
// Deliveries go through events::TargetQueue (namespace `events.deliveries`):
// durable before PutEvents answers, retried and dead-lettered per target.
// Schedule rules have one storage::Timers timer each (namespace
// `events.schedules`, kind `r`, id the rule's name) due at the next firing;
// a firing missed while the server was down fires once at start.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "events/pattern.h"
#include "events/schedule.h"
#include "events/target_queue.h"
#include "services/events/archive.h"
#include "services/events/destinations.h"
#include "services/events/transform.h"
#include "services/service.h"

namespace nimbus::services::eventbridge {

struct RuleTarget {
  std::string id;
  std::string arn;
  std::optional<std::string> input;       // Input (JSON text)
  std::optional<std::string> input_path;  // InputPath
  std::optional<Transformer> transformer;
  std::string group_id;            // SqsParameters.MessageGroupId
  std::string partition_key_path;  // KinesisParameters.PartitionKeyPath ("" = the event id)
  int64_t max_retries = 185;
  int64_t max_age_s = 86400;
  std::string dead_letter;
  std::string role_arn;  // RoleArn: the role EventBridge delivers as ("" none)
  std::optional<boost::json::object> http_parameters;  // HttpParameters (API destinations)
  boost::json::object raw;  // as PutTargets gave it, for ListTargetsByRule

  // Validates a Target of PutTargets' input (EventBridge's messages).
  static Result<RuleTarget> from(const boost::json::object& in);
};

struct Rule {
  std::string name;
  std::string bus;
  std::string arn;
  std::string description;
  std::string role_arn;
  std::string state = "ENABLED";
  std::string pattern_text;
  std::string schedule_text;
  std::optional<::nimbus::events::EventPattern> pattern;
  std::optional<::nimbus::events::Schedule> schedule;
  int64_t anchor_s = 0;  // rate(): fires at anchor + k * period
  std::vector<RuleTarget> targets;
  std::map<std::string, std::string> tags;
};
using RulePtr = std::shared_ptr<const Rule>;

struct Bus {
  std::string name;
  std::string arn;
  std::string description;
  std::string policy;  // the resource policy (PutPermission), JSON text
  int64_t created_s = 0;
  std::map<std::string, std::string> tags;
};

class Engine {
 public:
  using Done = std::function<void(Status)>;
  explicit Engine(Environment& env);
  ~Engine();

  Status start();
  // Deliveries to targets with a RoleArn are checked against the role (set
  // before start(); events::TargetQueue::set_role_check).
  void set_role_check(::nimbus::events::RoleCheck check) {
    queue_.set_role_check(std::move(check));
  }

  std::string bus_arn(std::string_view name) const;
  std::string rule_arn(std::string_view bus, std::string_view rule) const;
  // A bus name or ARN to its name; "" for an empty one (the default bus).
  static std::string bus_name(std::string_view name_or_arn);

  std::optional<Bus> bus(std::string_view name) const;
  std::vector<Bus> buses() const;
  void put_bus(Bus b, Done done);
  void delete_bus(const std::string& name, Done done);

  RulePtr rule(std::string_view bus, std::string_view name) const;
  std::vector<RulePtr> rules(std::string_view bus) const;
  void put_rule(Rule r, Done done);
  void delete_rule(const std::string& bus, const std::string& name, Done done);

  // Delivers `event` (the full envelope) to the targets of every enabled
  // rule of `bus` whose pattern matches, and keeps it in the bus's matching
  // archives; `done` once all are queued and stored durably. A replayed
  // event (one with "replay-name") goes only to the rules in `only` (all
  // when empty) and is not archived again.
  void route(const std::string& bus, const boost::json::value& event, Done done,
             const std::vector<std::string>& only = {});

  Archives& archives() { return *archives_; }
  Destinations& destinations() { return *destinations_; }
  // Sends a replay's events (replay.cc) on the worker pool, a page at a
  // time, until it completes, is cancelled or fails; a replay cut by a
  // restart is taken up again by start().
  void run_replay(const std::string& name);

 private:
  void deliver(const Rule& rule, const boost::json::value& event, const std::string& event_id,
               std::function<void(Status)> done);
  void arm(const Rule& r, int64_t after_s);
  void on_schedule(storage::DueTimer t, storage::Timers::Ack ack);
  void on_sweep(storage::DueTimer t, storage::Timers::Ack ack);
  // One page of a replay (replay.cc); false when the replay is over.
  bool replay_page(const std::string& name);
  void commit(storage::WriteBatch b, Done done);

  Environment& env_;
  std::string region_;
  std::string account_;
  mutable Mutex mu_;
  std::map<std::string, Bus, std::less<>> buses_ GUARDED_BY(mu_);
  std::map<std::string, std::map<std::string, RulePtr, std::less<>>, std::less<>> rules_
      GUARDED_BY(mu_);
  std::unique_ptr<Archives> archives_;
  std::unique_ptr<Destinations> destinations_;
  ::nimbus::events::TargetQueue queue_;
  std::unique_ptr<storage::Timers> schedules_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::services::eventbridge
