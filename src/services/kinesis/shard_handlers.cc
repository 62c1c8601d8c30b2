// Kinesis handlers for shards: ListShards (resharding is in reshard_handlers.cc).
#include <cmath>

#include "common/encoding.h"
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr int64_t kTokenLifetimeMs = 300'000;

// What a page of ListShards continues: the stream, the filter, the last shard
// index listed, and when the token was issued (tokens expire after 300 s).
struct Page {
  std::string stream;
  std::string filter;
  int64_t filter_ms = 0;
  int64_t after = -1;
  int64_t issued_ms = 0;
};

std::string encode(const Page& p) {
  return base64_encode(json::serialize(json::object{
      {"s", p.stream}, {"f", p.filter}, {"fm", p.filter_ms}, {"a", p.after}, {"t", p.issued_ms}}));
}

std::optional<Page> decode(const std::string& token) {
  auto text = base64_decode(token);
  auto o = text ? parse_object(*text) : std::nullopt;
  if (!o) return std::nullopt;
  Page p{str(*o, "s"), str(*o, "f"), integer(*o, "fm").value_or(0), integer(*o, "a").value_or(-1),
         integer(*o, "t").value_or(0)};
  if (!input::valid_name(p.stream)) return std::nullopt;
  return p;
}

// Whether `sh` passes the filter: open during [from, to] in stream time.
bool open_during(const Shard& sh, int64_t from, int64_t to) {
  return sh.created_ms <= to && (!sh.closed_ms || *sh.closed_ms >= from);
}

}  // namespace

Output KinesisService::list_shards(const CallContext&, const json::object& in) const {
  int64_t now = engine_->now_ms();
  Page page;
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    if (has(in, "StreamName") || has(in, "StreamARN")) {
      return errors::invalid("NextToken and StreamName cannot be provided together.");
    }
    auto p = decode(token);
    if (!p) return errors::invalid("Invalid NextToken.");
    if (now - p->issued_ms > kTokenLifetimeMs) {
      return Error::make(
          "ExpiredNextTokenException",
          "The timestamp of the NextToken (" + std::to_string(p->issued_ms) + ") has expired.");
    }
    page = *p;
  } else {
    auto name = input::stream_name(in);
    if (!name) return name.take_error();
    page.stream = *name;
    if (std::string start = str(in, "ExclusiveStartShardId"); !start.empty()) {
      auto idx = parse_shard_id(start);
      if (!idx) return errors::shard_not_found(start, *name, engine_->account());
      page.after = *idx;
    }
    if (const auto* f = in.if_contains("ShardFilter"); f && f->is_object()) {
      const auto& filter = f->as_object();
      page.filter = str(filter, "Type");
      if (page.filter == "AFTER_SHARD_ID") {
        auto idx = parse_shard_id(str(filter, "ShardId"));
        if (!idx) return errors::invalid("ShardId is required for the AFTER_SHARD_ID filter.");
        page.after = *idx;
      } else if (page.filter == "AT_TIMESTAMP" || page.filter == "FROM_TIMESTAMP") {
        const auto* ts = filter.if_contains("Timestamp");
        if (ts == nullptr || !ts->is_number()) {
          return errors::invalid("Timestamp is required for the " + page.filter + " filter.");
        }
        page.filter_ms = static_cast<int64_t>(std::floor(ts->to_number<double>() * 1000.0));
      } else if (page.filter != "AT_TRIM_HORIZON" && page.filter != "FROM_TRIM_HORIZON" &&
                 page.filter != "AT_LATEST") {
        return errors::validation(
            "1 validation error detected: Value '" + page.filter +
            "' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum "
            "value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, "
            "AT_TIMESTAMP, FROM_TIMESTAMP]");
      }
    }
  }
  auto s = engine_->find(page.stream);
  if (!s) return errors::stream_not_found(page.stream, engine_->account());
  int64_t horizon = now - int64_t{s->retention_hours} * 3'600'000;
  auto keep = [&](const Shard& sh) {
    if (page.filter == "AT_LATEST") return sh.open();
    if (page.filter == "AT_TRIM_HORIZON") return open_during(sh, horizon, horizon);
    if (page.filter == "AT_TIMESTAMP") return open_during(sh, page.filter_ms, page.filter_ms);
    if (page.filter == "FROM_TIMESTAMP") {
      return open_during(sh, std::max(page.filter_ms, horizon), now);
    }
    return open_during(sh, horizon, now);  // FROM_TRIM_HORIZON, the default
  };
  size_t limit = static_cast<size_t>(integer(in, "MaxResults").value_or(1000));
  json::array shards;
  bool more = false;
  for (const auto& sh : s->shards) {
    if (static_cast<int64_t>(sh.index) <= page.after || s->expired(sh, now) || !keep(sh)) {
      continue;
    }
    if (shards.size() == limit) {
      more = true;
      break;
    }
    shards.push_back(input::shard_json(*s, sh));
    page.after = sh.index;
  }
  json::object out{{"Shards", std::move(shards)}};
  if (more) {
    page.issued_ms = now;
    out["NextToken"] = encode(page);
  }
  return out;
}

}  // namespace nimbus::services::kinesis
