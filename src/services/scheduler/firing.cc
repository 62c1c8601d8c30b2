#include "services/scheduler/firing.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "common/json_fields.h"
#include "common/time_format.h"

namespace nimbus::services::scheduler {

namespace json = boost::json;

namespace {

uint64_t fnv1a(std::string_view text, uint64_t h) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

std::string execution_id(std::string_view schedule_arn, int64_t nominal) {
  std::string key = std::string(schedule_arn) + "@" + std::to_string(nominal);
  uint64_t a = fnv1a(key, 14695981039346656037ULL);
  uint64_t b = fnv1a(key, a ^ 0x9e3779b97f4a7c15ULL);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     ((b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffULL);
}

std::string expand_input(std::string_view input, std::string_view schedule_arn,
                         std::string_view scheduled_time, std::string_view execution_id) {
  std::string out(input);
  replace_all(out, "<aws.scheduler.schedule-arn>", schedule_arn);
  replace_all(out, "<aws.scheduler.scheduled-time>", scheduled_time);
  replace_all(out, "<aws.scheduler.execution-id>", execution_id);
  return out;
}

void with_attempt(::nimbus::events::Delivery& d, int64_t attempt) {
  replace_all(d.body, "<aws.scheduler.attempt-number>", std::to_string(attempt));
}

::nimbus::events::QueuedDelivery delivery_for(const ScheduleDef& s, int64_t nominal,
                                              const Settings& settings) {
  std::string id = execution_id(s.arn, nominal);
  std::string time = utc_millis(nominal * 1000);
  time = time.substr(0, 19) + "Z";  // whole seconds, as Scheduler writes them
  std::string input =
      s.target.input ? expand_input(*s.target.input, s.arn, time, id) : std::string("{}");
  ::nimbus::events::QueuedDelivery q;
  q.target = s.target.arn;
  q.delivery.source_arn = s.arn;
  q.delivery.id = id;
  std::string kind = s.target.kind();
  if (kind == "events") {
    json::value detail = json::object{};
    if (auto o = parse_object(input)) detail = std::move(*o);
    q.delivery.body = json::serialize(json::object{{"version", "0"},
                                                   {"id", id},
                                                   {"detail-type", s.target.detail_type},
                                                   {"source", s.target.source},
                                                   {"account", settings.account_id},
                                                   {"time", time},
                                                   {"region", settings.region},
                                                   {"resources", json::array{json::value(s.arn)}},
                                                   {"detail", std::move(detail)}});
  } else {
    q.delivery.body = std::move(input);
  }
  if (kind == "sqs" && s.target.arn.ends_with(".fifo")) {
    q.delivery.group_id = s.target.group_id;
    q.delivery.dedup_id = id;
  }
  q.max_retries = s.target.max_retries;
  q.max_age_ms = s.target.max_age_s * 1000;
  q.dead_letter = s.target.dead_letter;
  q.role_arn = s.target.role_arn;
  q.dead_letter_attributes = {{"SCHEDULE_ARN", s.arn},
                              {"SCHEDULED_TIME", time},
                              {"EXECUTION_ID", id},
                              {"IS_PAYLOAD_TRUNCATED", "false"}};
  return q;
}

}  // namespace nimbus::services::scheduler
