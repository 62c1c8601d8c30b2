// CloudWatch Logs: the service, its LogWriter, and the handlers for log
// groups and retention. Streams are in stream_handlers.cc, events in
// event_handlers.cc and filter_handler.cc.
#include "services/logs/logs_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

#include "services/logs/input.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

// Queued bytes beyond which the writer drops lines rather than grow without
// bound (a function writing faster than the disk takes it).
constexpr size_t kMaxPendingBytes = 64 << 20;

class StoreWriter final : public LogWriter {
 public:
  StoreWriter(LogStore& store, Metrics& metrics)
      : store_(store),
        written_(metrics.counter("nimbus_logs_writer_events", {},
                                 "log events other services wrote through the LogWriter")),
        dropped_(metrics.counter("nimbus_logs_writer_dropped_events", {},
                                 "log events dropped because more than 64 MB were queued")) {}

  void put(const std::string& group, const std::string& stream,
           std::vector<LogEvent> events) override {
    if (events.empty()) return;
    if (store_.pending_bytes() > kMaxPendingBytes) {
      if (dropped_.value() == 0) {
        spdlog::warn("logs: writer falling behind; dropping lines for {}", group);
      }
      dropped_.add(events.size());
      return;
    }
    written_.add(events.size());
    for (auto& e : events) {
      if (e.message.empty()) e.message = " ";  // CloudWatch rejects empty messages
      e.timestamp_ms = std::max<int64_t>(0, e.timestamp_ms);
    }
    // Lines arrive in write order; a clock step backwards must not reorder them.
    for (size_t i = 1; i < events.size(); ++i) {
      events[i].timestamp_ms = std::max(events[i].timestamp_ms, events[i - 1].timestamp_ms);
    }
    store_.append(group, stream, std::move(events), LogStore::Appender::kWriter, [](Status st) {
      if (!st) spdlog::error("logs: writer: {}", st.error().message);
    });
  }

 private:
  LogStore& store_;
  Counter& written_;
  Counter& dropped_;
};

const int kRetentionDays[] = {1,   3,   5,   7,   14,   30,   60,   90,   120,  150,  180,
                              365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

// The ARNs each operation touches, as the service authorization reference
// lists them: the log group (arn:aws:logs:REGION:ACCOUNT:log-group:NAME) or
// the log stream (...:log-group:NAME:log-stream:STREAM).
std::string group_arn(const CallContext& ctx, const json::object& in) {
  std::string name = input::str(in, "logGroupName");
  if (name.empty()) name = input::str(in, "logGroupIdentifier");
  return "arn:aws:logs:" + ctx.region + ":" + ctx.account_id + ":log-group:" + name;
}
Resources by_group(const CallContext& ctx, const json::object& in) {
  return {group_arn(ctx, in)};
}
Resources by_stream(const CallContext& ctx, const json::object& in) {
  return {group_arn(ctx, in) + ":log-stream:" + input::str(in, "logStreamName")};
}
// TagResource & co. name the group by resourceArn.
Resources by_resource(const CallContext&, const json::object& in) {
  return {input::str(in, "resourceArn")};
}
Resources all_groups(const CallContext& ctx, const json::object&) {
  return {"arn:aws:logs:" + ctx.region + ":" + ctx.account_id + ":log-group:*"};
}

}  // namespace

const Operation<LogsService> LogsService::kOperations[] = {
    // logs_service.cc
    {"CreateLogGroup", &LogsService::create_log_group, by_group},
    {"DeleteLogGroup", &LogsService::delete_log_group, by_group},
    {"PutRetentionPolicy", &LogsService::put_retention_policy, by_group},
    {"DeleteRetentionPolicy", &LogsService::delete_retention_policy, by_group},
    {"DescribeLogGroups", &LogsService::describe_log_groups, all_groups},
    // tag_handlers.cc
    {"TagLogGroup", &LogsService::tag_log_group, by_group},
    {"UntagLogGroup", &LogsService::untag_log_group, by_group},
    {"ListTagsLogGroup", &LogsService::list_tags_log_group, by_group},
    {"TagResource", &LogsService::tag_resource, by_resource},
    {"UntagResource", &LogsService::untag_resource, by_resource},
    {"ListTagsForResource", &LogsService::list_tags_for_resource, by_resource},
    // stream_handlers.cc
    {"CreateLogStream", &LogsService::create_log_stream, by_group},
    {"DeleteLogStream", &LogsService::delete_log_stream, by_stream},
    {"DescribeLogStreams", &LogsService::describe_log_streams, by_group},
    // event_handlers.cc, filter_handler.cc
    {"PutLogEvents", &LogsService::put_log_events, by_stream},
    {"GetLogEvents", &LogsService::get_log_events, by_stream},
    {"FilterLogEvents", &LogsService::filter_log_events, by_group},
};

LogsService::LogsService(Environment& env)
    : Service("logs"), env_(env), store_(std::make_unique<LogStore>(env)) {
  writer_ = std::make_unique<StoreWriter>(*store_, env.metrics);
  serve(*this, kOperations);
}

Status LogsService::start() {
  return store_->recover();
}

LogsService::~LogsService() = default;

LogWriter& LogsService::writer() {
  return *writer_;
}

void LogsService::delete_log_group(const CallContext&, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  store_->delete_group(*name, answer_empty(std::move(respond)));
}

void LogsService::put_retention_policy(const CallContext&, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  auto days = input::integer(in, "retentionInDays").value_or(0);
  if (std::find(std::begin(kRetentionDays), std::end(kRetentionDays), days) ==
      std::end(kRetentionDays)) {
    return respond(errors::invalid(
        "1 validation error detected: Value '" + std::to_string(days) +
        "' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value "
        "set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, "
        "2192, 2557, 2922, 3288, 3653]"));
  }
  store_->set_retention(*name, static_cast<int>(days), answer_empty(std::move(respond)));
}

void LogsService::delete_retention_policy(const CallContext&, json::object in, Respond respond) {
  auto name = input::group_name(in);
  if (!name) return respond(name.take_error());
  store_->set_retention(*name, std::nullopt, answer_empty(std::move(respond)));
}

Output LogsService::describe_log_groups(const CallContext& ctx, const json::object& in) const {
  std::string prefix = input::str(in, "logGroupNamePrefix");
  std::string pattern = input::str(in, "logGroupNamePattern");
  if (!prefix.empty() && !pattern.empty()) {
    return errors::invalid("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive.");
  }
  std::string lower_pattern = pattern;
  std::transform(lower_pattern.begin(), lower_pattern.end(), lower_pattern.begin(), ::tolower);
  size_t limit = static_cast<size_t>(input::integer(in, "limit").value_or(50));
  std::string after = input::str(in, "nextToken");
  if (!after.empty()) {
    if (after.rfind("g/", 0) != 0) return errors::invalid("The specified nextToken is invalid.");
    after = after.substr(2);
  }
  json::array groups;
  std::string last;
  bool more = false;
  for (const auto& g : store_->list_groups()) {
    if (g.name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!lower_pattern.empty()) {
      std::string lower = g.name;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower.find(lower_pattern) == std::string::npos) continue;
    }
    if (!after.empty() && g.name <= after) continue;
    if (groups.size() == limit) {
      more = true;
      break;
    }
    json::object o{{"logGroupName", g.name},
                   {"creationTime", g.created_ms},
                   {"metricFilterCount", 0},
                   {"arn", input::group_arn(ctx, env_, g.name) + ":*"},
                   {"storedBytes", g.stored_bytes}};
    if (g.retention_days) o["retentionInDays"] = *g.retention_days;
    groups.push_back(std::move(o));
    last = g.name;
  }
  json::object out{{"logGroups", std::move(groups)}};
  if (more) out["nextToken"] = "g/" + last;
  return out;
}

}  // namespace nimbus::services::logs
