// CloudWatch Logs handlers for log streams.
#include <algorithm>

#include "services/logs/input.h"
#include "services/logs/logs_service.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

json::object describe(const StreamInfo& s, const std::string& group_arn) {
  json::object o{{"logStreamName", s.name},
                 {"creationTime", s.created_ms},
                 {"arn", group_arn + ":log-stream:" + s.name},
                 {"storedBytes", s.stored_bytes}};
  if (s.first_event_ms >= 0) {
    o["firstEventTimestamp"] = s.first_event_ms;
    o["lastEventTimestamp"] = s.last_event_ms;
    o["lastIngestionTime"] = s.last_ingestion_ms;
  }
  o["uploadSequenceToken"] = std::to_string(s.next_seq);
  return o;
}

}  // namespace

void LogsService::create_log_stream(const CallContext&, json::object in, Respond respond) {
  auto group = input::group_name(in);
  if (!group) return respond(group.take_error());
  auto stream = input::stream_name(in);
  if (!stream) return respond(stream.take_error());
  store_->create_stream(*group, *stream, answer_empty(std::move(respond)));
}

void LogsService::delete_log_stream(const CallContext&, json::object in, Respond respond) {
  auto group = input::group_name(in);
  if (!group) return respond(group.take_error());
  auto stream = input::stream_name(in);
  if (!stream) return respond(stream.take_error());
  store_->delete_stream(*group, *stream, answer_empty(std::move(respond)));
}

Output LogsService::describe_log_streams(const CallContext& ctx, const json::object& in) const {
  auto name = input::group_name(in);
  if (!name) return name.take_error();
  auto g = store_->group(*name);
  if (!g) return errors::group_not_found();
  std::string prefix = input::str(in, "logStreamNamePrefix");
  bool by_time = input::str(in, "orderBy") == "LastEventTime";
  bool descending = input::boolean(in, "descending");
  if (by_time && !prefix.empty()) {
    return errors::invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  size_t limit = static_cast<size_t>(input::integer(in, "limit").value_or(50));
  std::vector<const StreamInfo*> streams;
  for (const auto& [n, s] : g->streams) {
    if (n.compare(0, prefix.size(), prefix) == 0) streams.push_back(&s);
  }
  if (by_time) {
    std::stable_sort(streams.begin(), streams.end(),
                     [](auto* a, auto* b) { return a->last_event_ms < b->last_event_ms; });
  }
  if (descending) std::reverse(streams.begin(), streams.end());
  // Tokens: the offset into this order. Streams created between pages may
  // shift it, as AWS's own tokens may skip or repeat under change.
  size_t offset = 0;
  if (std::string token = input::str(in, "nextToken"); !token.empty()) {
    if (token.rfind("o/", 0) != 0 || token.size() < 3 ||
        token.find_first_not_of("0123456789", 2) != std::string::npos) {
      return errors::invalid("The specified nextToken is invalid.");
    }
    offset = std::stoull(token.substr(2));
  }
  std::string arn = input::group_arn(ctx, env_, *name);
  json::array out_streams;
  size_t i = offset;
  for (; i < streams.size() && out_streams.size() < limit; ++i) {
    out_streams.push_back(describe(*streams[i], arn));
  }
  json::object out{{"logStreams", std::move(out_streams)}};
  if (i < streams.size()) out["nextToken"] = "o/" + std::to_string(i);
  return out;
}

}  // namespace nimbus::services::logs
