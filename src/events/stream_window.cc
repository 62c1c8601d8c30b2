#include "events/stream_window.h"

#include <boost/json.hpp>
#include <ctime>

namespace nimbus::events {

namespace json = boost::json;

namespace {

// 2020-12-09T07:04:00Z (whole seconds, as Lambda writes window bounds).
std::string utc_seconds(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace

int64_t window_start(int64_t arrival_ms, int window_seconds) {
  int64_t len = int64_t{window_seconds} * 1000;
  if (len <= 0) return arrival_ms;
  int64_t q = arrival_ms / len;
  if (arrival_ms < 0 && arrival_ms % len != 0) --q;
  return q * len;
}

std::string encode_checkpoint(const std::string& position, const WindowState& w) {
  if (!w.open()) return position;
  json::object doc{{"start", w.start_ms}, {"early", w.early}};
  boost::system::error_code ec;
  auto state = json::parse(w.state, ec);
  doc["state"] = !ec && state.is_object() ? std::move(state) : json::object{};
  return position + "\n" + json::serialize(doc);
}

void decode_checkpoint(std::string_view stored, std::string& position, WindowState& w) {
  w = WindowState{};
  auto nl = stored.find('\n');
  position = std::string(stored.substr(0, nl));
  if (nl == std::string_view::npos) return;
  boost::system::error_code ec;
  auto doc = json::parse(stored.substr(nl + 1), ec);
  if (ec || !doc.is_object()) return;
  const auto& o = doc.as_object();
  const auto* start = o.if_contains("start");
  const auto* state = o.if_contains("state");
  if (start == nullptr || !start->is_int64() || start->as_int64() < 0) return;
  if (state == nullptr || !state->is_object()) return;
  w.start_ms = start->as_int64();
  w.state = json::serialize(*state);
  if (const auto* e = o.if_contains("early"); e && e->is_bool()) w.early = e->as_bool();
}

std::string window_members(const StreamEventContext& c, const WindowState& w, int window_seconds,
                           bool final) {
  json::object window{{"start", utc_seconds(w.start_ms)},
                      {"end", utc_seconds(w.start_ms + int64_t{window_seconds} * 1000)}};
  std::string out = ",\"window\":" + json::serialize(window);
  out += ",\"state\":" + (w.early ? std::string("{}") : w.state);
  out += ",\"shardId\":" + json::serialize(json::string(c.shard_id));
  out += ",\"eventSourceARN\":" + json::serialize(json::string(c.stream_arn));
  out += ",\"isFinalInvokeForWindow\":" + std::string(final ? "true" : "false");
  out += ",\"isWindowTerminatedEarly\":" + std::string(w.early ? "true" : "false");
  return out;
}

std::optional<std::string> answered_state(std::string_view response) {
  boost::system::error_code ec;
  auto doc = json::parse(response, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* s = doc.as_object().if_contains("state");
  if (s == nullptr || !s->is_object()) return std::nullopt;
  return json::serialize(*s);
}

}  // namespace nimbus::events
