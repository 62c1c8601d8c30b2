// CloudWatch Logs FilterLogEvents: events of several streams of a group,
// merged in (timestamp, stream id, sequence) order and matched against a
// filter pattern.
//
// nextToken "n/<ts>/<stream id>/<seq>" is the last position examined, so a
// page can end on the scan budget with few or no matches (as AWS's pages
// do) and the next call resumes exactly there. Memory is bounded by the
// response caps and one small read-ahead per stream.
#include <charconv>
#include <cstdio>
#include <limits>
#include <queue>

#include "services/logs/filter_pattern.h"
#include "services/logs/input.h"
#include "services/logs/logs_service.h"

namespace nimbus::services::logs {

namespace json = boost::json;

namespace {

constexpr size_t kMaxFilterResponseBytes = 1'048'576;
constexpr size_t kScanBudget = 200'000;  // events examined per call
constexpr size_t kReadAhead = 64;
constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();

struct Cursor {
  const StreamInfo* stream;
  std::vector<StoredEvent> buf;
  size_t at = 0;
  int64_t after_ts;
  uint64_t after_seq;
  bool exhausted = false;
};

struct Resume {
  int64_t ts = -1;
  uint64_t sid = 0;
  uint64_t seq = 0;
};

std::optional<Resume> parse_filter_token(const std::string& t) {
  Resume r;
  if (t.rfind("n/", 0) != 0) return std::nullopt;
  const char* p = t.data() + 2;
  const char* end = t.data() + t.size();
  auto a = std::from_chars(p, end, r.ts);
  if (a.ec != std::errc() || a.ptr == end || *a.ptr != '/') return std::nullopt;
  auto b = std::from_chars(a.ptr + 1, end, r.sid);
  if (b.ec != std::errc() || b.ptr == end || *b.ptr != '/') return std::nullopt;
  auto c = std::from_chars(b.ptr + 1, end, r.seq);
  if (c.ec != std::errc() || c.ptr != end || r.ts < 0) return std::nullopt;
  return r;
}

std::string event_id(int64_t ts, uint64_t sid, uint64_t seq) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%020lld%016llu%020llu", static_cast<long long>(ts),
                static_cast<unsigned long long>(sid), static_cast<unsigned long long>(seq));
  return buf;
}

}  // namespace

Output LogsService::filter_log_events(const CallContext&, const json::object& in) const {
  auto name = input::group_name(in);
  if (!name) return name.take_error();
  auto g = store_->group(*name);
  if (!g) return errors::group_not_found();
  auto pattern = FilterPattern::parse(input::str(in, "filterPattern"));
  if (!pattern) return errors::invalid("Invalid filter pattern");
  std::string prefix = input::str(in, "logStreamNamePrefix");
  std::set<std::string> names;
  if (const auto* v = in.if_contains("logStreamNames"); v && v->is_array()) {
    for (const auto& n : v->as_array()) {
      if (n.is_string()) names.emplace(n.as_string());
    }
  }
  if (!names.empty() && !prefix.empty()) {
    return errors::invalid("You cannot specify both logStreamNames and logStreamNamePrefix.");
  }
  int64_t start =
      std::max(input::integer(in, "startTime").value_or(0), store_->retention_cutoff(*g));
  int64_t end = input::integer(in, "endTime").value_or(std::numeric_limits<int64_t>::max() - 1);
  size_t limit = static_cast<size_t>(input::integer(in, "limit").value_or(10000));
  std::optional<Resume> resume;
  if (std::string t = input::str(in, "nextToken"); !t.empty()) {
    resume = parse_filter_token(t);
    if (!resume) return errors::invalid("The specified nextToken is invalid.");
  }

  std::vector<Cursor> cursors;
  json::array searched;
  for (const auto& [n, s] : g->streams) {
    if (!names.empty() && !names.count(n)) continue;
    if (n.compare(0, prefix.size(), prefix) != 0) continue;
    searched.push_back(json::object{{"logStreamName", n}, {"searchedCompletely", true}});
    if (s.first_event_ms < 0 || s.last_event_ms < start || s.first_event_ms >= end) continue;
    Cursor c{&s, {}, 0, start > 0 ? start - 1 : 0, start > 0 ? kMaxSeq : 0};
    if (resume) {
      // Strictly after (ts, sid, seq) in the merged order.
      int64_t ts = resume->ts;
      uint64_t seq = s.id < resume->sid ? kMaxSeq : s.id == resume->sid ? resume->seq : 0;
      if (s.id > resume->sid) {
        ts = ts > 0 ? ts - 1 : 0;
        seq = resume->ts > 0 ? kMaxSeq : 0;
      }
      if (std::make_pair(ts, seq) > std::make_pair(c.after_ts, c.after_seq)) {
        c.after_ts = ts;
        c.after_seq = seq;
      }
    }
    cursors.push_back(std::move(c));
  }

  auto refill = [&](Cursor& c) -> Status {
    if (c.at < c.buf.size() || c.exhausted) return Status::ok();
    auto r = store_->read(c.stream->id, c.after_ts, c.after_seq, end, kReadAhead);
    if (!r) return r.status();
    c.buf = std::move(*r);
    c.at = 0;
    if (c.buf.size() < kReadAhead) c.exhausted = true;
    if (!c.buf.empty()) {
      c.after_ts = c.buf.back().timestamp_ms;
      c.after_seq = c.buf.back().seq;
    }
    return Status::ok();
  };
  using Key = std::tuple<int64_t, uint64_t, uint64_t, size_t>;  // ts, sid, seq, cursor
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> heap;
  for (size_t i = 0; i < cursors.size(); ++i) {
    NIMBUS_TRY(refill(cursors[i]));
    if (!cursors[i].buf.empty()) {
      const auto& e = cursors[i].buf[0];
      heap.emplace(e.timestamp_ms, cursors[i].stream->id, e.seq, i);
    }
  }

  json::array events;
  size_t bytes = 0, scanned = 0;
  std::optional<Resume> last;
  while (!heap.empty()) {
    if (events.size() >= limit || bytes >= kMaxFilterResponseBytes || scanned >= kScanBudget) break;
    auto [ts, sid, seq, i] = heap.top();
    heap.pop();
    Cursor& c = cursors[i];
    StoredEvent e = std::move(c.buf[c.at++]);
    ++scanned;
    last = Resume{ts, sid, seq};
    if (pattern->matches(e.message)) {
      bytes += e.message.size() + 100;
      events.push_back(json::object{{"logStreamName", c.stream->name},
                                    {"timestamp", e.timestamp_ms},
                                    {"message", std::move(e.message)},
                                    {"ingestionTime", e.ingestion_ms},
                                    {"eventId", event_id(ts, sid, seq)}});
    }
    NIMBUS_TRY(refill(c));
    if (c.at < c.buf.size()) {
      const auto& n = c.buf[c.at];
      heap.emplace(n.timestamp_ms, sid, n.seq, i);
    }
  }
  json::object out{{"events", std::move(events)}, {"searchedLogStreams", std::move(searched)}};
  if (!heap.empty() && last) {
    out["nextToken"] = "n/" + std::to_string(last->ts) + "/" + std::to_string(last->sid) + "/" +
                       std::to_string(last->seq);
  }
  return out;
}

}  // namespace nimbus::services::logs
