// CloudWatch Logs handlers PutLogEvents and GetLogEvents.
//
// GetLogEvents tokens: "f/<ts>/<seq>" reads events after that position,
// "b/<ts>/<seq>" events before it. A read that finds nothing answers the
// token it was given, so a reader polling forward sees the same token until
// something new arrives (what `aws logs get-log-events` loops rely on).
#include <charconv>
#include <cstdio>
#include <deque>
#include <limits>

#include "services/logs/input.h"
#include "services/logs/logs_service.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxBatchBytes = 1'048'576;
constexpr int64_t kEventOverhead = 26;
constexpr int64_t kDayMs = 86'400'000;
constexpr size_t kMaxResponseBytes = 1'048'576;
constexpr size_t kChunk = 512;

struct Pos {
  int64_t ts = 0;
  uint64_t seq = 0;
  bool operator<(const Pos& o) const { return ts != o.ts ? ts < o.ts : seq < o.seq; }
};

std::string token(char dir, Pos p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%c/%020lld/%020llu", dir, static_cast<long long>(p.ts),
                static_cast<unsigned long long>(p.seq));
  return buf;
}

std::optional<std::pair<char, Pos>> parse_token(const std::string& t) {
  if (t.size() < 5 || (t[0] != 'f' && t[0] != 'b') || t[1] != '/') return std::nullopt;
  auto slash = t.find('/', 2);
  if (slash == std::string::npos) return std::nullopt;
  Pos p;
  const char* end = t.data() + t.size();
  auto r1 = std::from_chars(t.data() + 2, t.data() + slash, p.ts);
  auto r2 = std::from_chars(t.data() + slash + 1, end, p.seq);
  if (r1.ec != std::errc() || r1.ptr != t.data() + slash || r2.ec != std::errc() || r2.ptr != end ||
      p.ts < 0) {
    return std::nullopt;
  }
  return std::make_pair(t[0], p);
}

json::object out_event(const StoredEvent& e) {
  return {{"timestamp", e.timestamp_ms}, {"message", e.message}, {"ingestionTime", e.ingestion_ms}};
}

// Events with position in (after, before) and timestamp >= floor, keeping
// the first (or last) `limit` of them within the response size cap.
Result<std::deque<StoredEvent>> read_range(const LogStore& store, uint64_t sid, Pos after,
                                           Pos before, size_t limit, bool keep_last) {
  std::deque<StoredEvent> out;
  size_t bytes = 0;
  while (true) {
    auto rows = store.read(sid, after.ts, after.seq, before.ts + 1, kChunk);
    if (!rows) return rows.take_error();
    for (auto& e : *rows) {
      if (!(Pos{e.timestamp_ms, e.seq} < before)) return out;
      after = {e.timestamp_ms, e.seq};
      bytes += e.message.size() + kEventOverhead;
      out.push_back(std::move(e));
      while (keep_last && (out.size() > limit || bytes > kMaxResponseBytes)) {
        bytes -= out.front().message.size() + kEventOverhead;
        out.pop_front();
      }
      if (!keep_last && (out.size() >= limit || bytes >= kMaxResponseBytes)) return out;
    }
    if (rows->size() < kChunk) return out;
  }
}

}  // namespace

void LogsService::put_log_events(const CallContext&, json::object in, Respond respond) {
  auto group = input::group_name(in);
  if (!group) return respond(group.take_error());
  auto stream = input::stream_name(in);
  if (!stream) return respond(stream.take_error());
  const auto* list = in.if_contains("logEvents");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return respond(errors::invalid("logEvents must not be empty."));
  }
  auto g = store_->group(*group);
  if (!g) return respond(errors::group_not_found());
  std::vector<LogEvent> events;
  int64_t bytes = 0;
  for (const auto& v : list->as_array()) {
    if (!v.is_object()) return respond(errors::invalid("Invalid log event."));
    LogEvent e{input::integer(v.as_object(), "timestamp").value_or(0),
               input::str(v.as_object(), "message")};
    if (!events.empty() && e.timestamp_ms < events.back().timestamp_ms) {
      return respond(errors::invalid(
          "Log events in a single PutLogEvents request must be in chronological order."));
    }
    bytes += static_cast<int64_t>(e.message.size()) + kEventOverhead;
    events.push_back(std::move(e));
  }
  if (bytes > kMaxBatchBytes) {
    return respond(errors::invalid("Upload too large: " + std::to_string(bytes) +
                                   " bytes exceeds limit of " + std::to_string(kMaxBatchBytes)));
  }
  if (events.back().timestamp_ms - events.front().timestamp_ms > kDayMs) {
    return respond(errors::invalid(
        "The batch of log events in a single PutLogEvents request cannot span more than 24 "
        "hours."));
  }
  // Too old (14 days, or past retention) is a prefix, too new (2 hours
  // ahead) a suffix: the batch is sorted. Those are reported, not stored.
  int64_t now = env_.clock.now_millis();
  int64_t too_old = now - 14 * kDayMs;
  int64_t expired = store_->retention_cutoff(*g);
  size_t lo = 0, hi = events.size();
  json::object rejected;
  while (lo < hi && events[lo].timestamp_ms < std::max(too_old, expired)) ++lo;
  while (hi > lo && events[hi - 1].timestamp_ms > now + 2 * 3'600'000) --hi;
  if (lo > 0) {
    size_t last_old = lo;
    while (last_old > 0 && events[last_old - 1].timestamp_ms >= too_old) --last_old;
    if (last_old > 0) rejected["tooOldLogEventEndIndex"] = last_old - 1;
    if (expired > 0 && events[lo - 1].timestamp_ms < expired) {
      rejected["expiredLogEventEndIndex"] = lo - 1;
    }
  }
  if (hi < events.size()) rejected["tooNewLogEventStartIndex"] = hi;
  std::vector<LogEvent> kept(std::make_move_iterator(events.begin() + lo),
                             std::make_move_iterator(events.begin() + hi));
  auto next = std::make_shared<std::string>();
  store_->append(
      *group, *stream, std::move(kept), LogStore::Appender::kApi,
      [respond, next, rejected = std::move(rejected)](Status st) mutable {
        if (!st) return respond(st.take_error());
        json::object out{{"nextSequenceToken", *next}};
        if (!rejected.empty()) out["rejectedLogEventsInfo"] = std::move(rejected);
        respond(std::move(out));
      },
      next.get());
}

Output LogsService::get_log_events(const CallContext&, const json::object& in) const {
  auto name = input::group_name(in);
  if (!name) return name.take_error();
  auto sname = input::stream_name(in);
  if (!sname) return sname.take_error();
  auto g = store_->group(*name);
  if (!g) return errors::group_not_found();
  auto s = g->streams.find(*sname);
  if (s == g->streams.end()) return errors::stream_not_found();
  const StreamInfo& si = s->second;
  int64_t start =
      std::max(input::integer(in, "startTime").value_or(0), store_->retention_cutoff(*g));
  int64_t end = input::integer(in, "endTime").value_or(std::numeric_limits<int64_t>::max() - 1);
  size_t limit = static_cast<size_t>(input::integer(in, "limit").value_or(10000));
  Pos floor = start > 0 ? Pos{start - 1, std::numeric_limits<uint64_t>::max()} : Pos{0, 0};
  Pos ceiling{end, 0};  // events before `end`
  std::string given = input::str(in, "nextToken");
  std::optional<std::pair<char, Pos>> tok;
  if (!given.empty()) {
    tok = parse_token(given);
    if (!tok) return errors::invalid("The specified nextToken is invalid.");
  }
  bool forward = tok ? tok->first == 'f' : input::boolean(in, "startFromHead");
  std::deque<StoredEvent> events;
  if (forward) {
    Pos after = tok && floor < tok->second ? tok->second : floor;
    auto r = read_range(*store_, si.id, after, ceiling, limit, false);
    if (!r) return r.take_error();
    events = std::move(*r);
  } else {
    Pos before = tok ? std::min(tok->second, ceiling) : ceiling;
    if (si.last_event_ms >= 0) before = std::min(before, Pos{si.last_event_ms + 1, 0});
    // No reverse scans in Records: read windows of growing width backwards
    // from `before`, keeping the last `limit` events.
    int64_t width = 60'000;
    while (events.size() < limit && floor < before && si.first_event_ms >= 0) {
      int64_t lo_ts = std::max({int64_t{0}, before.ts - width, floor.ts});
      Pos lo = lo_ts > 0 ? Pos{lo_ts - 1, std::numeric_limits<uint64_t>::max()} : Pos{0, 0};
      if (lo < floor) lo = floor;
      auto r = read_range(*store_, si.id, lo, before, limit - events.size(), true);
      if (!r) return r.take_error();
      for (auto it = r->rbegin(); it != r->rend(); ++it) events.push_front(std::move(*it));
      if (lo_ts <= si.first_event_ms || lo_ts <= floor.ts || lo_ts == 0) break;
      before = Pos{lo_ts, 0};
      width *= 4;
    }
  }
  json::array out_events;
  for (const auto& e : events) out_events.push_back(out_event(e));
  json::object out{{"events", std::move(out_events)}};
  if (events.empty()) {
    Pos at = tok ? tok->second : (forward ? floor : Pos{0, 0});
    out["nextForwardToken"] = tok && tok->first == 'f' ? given : token('f', at);
    out["nextBackwardToken"] = tok && tok->first == 'b' ? given : token('b', at);
  } else {
    out["nextForwardToken"] = token('f', {events.back().timestamp_ms, events.back().seq});
    out["nextBackwardToken"] = token('b', {events.front().timestamp_ms, events.front().seq});
  }
  return out;
}

}  // namespace nimbus::services::logs
