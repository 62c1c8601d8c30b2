#include "services/dynamodb/stream_reader.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "services/dynamodb/errors.h"
#include "services/dynamodb/stream_records.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

json::array key_schema_json(const KeySchema& k) {
  json::array out{json::object{{"AttributeName", k.hash.name}, {"KeyType", "HASH"}}};
  if (k.range) out.push_back(json::object{{"AttributeName", k.range->name}, {"KeyType", "RANGE"}});
  return out;
}

Error stream_not_found(const std::string& arn) {
  return Error::make("ResourceNotFoundException",
                     "Requested resource not found: Stream: " + arn + " not found");
}

// "arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL" in parts.
struct ArnParts {
  std::string region, account, table, label;
};
std::optional<ArnParts> parse_arn(const std::string& arn) {
  // arn : partition : service : region : account : resource
  std::vector<std::string> f;
  size_t from = 0;
  for (int i = 0; i < 5; ++i) {
    auto colon = arn.find(':', from);
    if (colon == std::string::npos) return std::nullopt;
    f.push_back(arn.substr(from, colon - from));
    from = colon + 1;
  }
  std::string resource = arn.substr(from);
  if (f[0] != "arn" || f[2] != "dynamodb" || resource.rfind("table/", 0) != 0) return std::nullopt;
  auto stream = resource.find("/stream/", 6);
  if (stream == std::string::npos) return std::nullopt;
  return ArnParts{f[3], f[4], resource.substr(6, stream - 6), resource.substr(stream + 8)};
}

}  // namespace

StreamReader::Named StreamReader::find(const std::string& arn) const {
  auto parts = parse_arn(arn);
  if (!parts || log_ == nullptr) return {};
  TablePtr t = tables_.find(parts->table);
  if (t && !t->stream_label.empty() && t->stream_label == parts->label) return {t, parts->region};
  // A stream the table no longer has (deleted, or replaced by a new one).
  if (auto old = tables_.old_stream(parts->table, parts->label)) {
    return {old->table, parts->region};
  }
  return {};
}

StreamDescription StreamReader::description(const TableDef& t, const std::string& region,
                                            const std::string& account) const {
  StreamDescription d;
  d.arn = t.stream_arn(region, account);
  d.label = t.stream_label;
  d.table_name = t.name;
  d.status = t.stream_enabled ? "ENABLED" : "DISABLED";
  d.view_type = t.stream_view_type;
  d.key_schema = key_schema_json(t.key);
  std::string partition = stream_partition(t.name, t.stream_label);
  auto info = log_->info(partition);
  d.created = info ? static_cast<double>(info->created_ms) / 1000.0 : t.created;
  uint64_t horizon = info ? std::max<uint64_t>(info->first_seq, 1) : 1;
  auto spans = StreamShards(*log_, t, shard_period_ms_, clock_.now_millis()).all();
  if (!spans) {
    spdlog::error("dynamodb: the shards of stream {}: {}", d.arn, spans.error().message);
    return d;
  }
  for (const auto& s : *spans) {
    StreamShard shard{s.id, s.parent_id, sequence_number(std::max(s.first, horizon)), ""};
    // An empty closed shard shows a range of its one would-be sequence number.
    if (s.last) shard.ending_sequence = sequence_number(std::max({*s.last, s.first, horizon}));
    d.shards.push_back(std::move(shard));
  }
  return d;
}

std::vector<StreamDescription> StreamReader::list(const std::string& table,
                                                  const std::string& region,
                                                  const std::string& account) const {
  std::vector<StreamDescription> out;
  if (log_ == nullptr) return out;
  auto add = [&](const TablePtr& t) {
    if (t && !t->stream_label.empty()) out.push_back(description(*t, region, account));
  };
  if (!table.empty()) {
    add(tables_.find(table));
  } else {
    bool more = false;
    for (const auto& name : tables_.names("", SIZE_MAX, more)) add(tables_.find(name));
  }
  for (const auto& old : tables_.old_streams(table)) add(old.table);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.arn < b.arn; });
  return out;
}

std::optional<StreamDescription> StreamReader::describe(const std::string& arn) const {
  auto parts = parse_arn(arn);
  auto named = find(arn);
  if (!named.table) return std::nullopt;
  return description(*named.table, parts->region, parts->account);
}

std::optional<std::vector<events::ShardInfo>> StreamReader::shards(
    const std::string& stream_arn) const {
  auto d = describe(stream_arn);
  if (!d) return std::nullopt;
  std::vector<events::ShardInfo> out;
  for (const auto& s : d->shards) {
    out.push_back(events::ShardInfo{s.shard_id, s.parent_shard_id, "", s.ending_sequence.empty()});
  }
  return out;
}

Result<StreamReader::Located> StreamReader::locate(const std::string& arn,
                                                   const std::string& shard_id) const {
  auto named = find(arn);
  if (!named.table) return stream_not_found(arn);
  auto span =
      StreamShards(*log_, *named.table, shard_period_ms_, clock_.now_millis()).find(shard_id);
  if (!span) return span.take_error();
  if (!*span) {
    return Error::make("ResourceNotFoundException",
                       "Requested resource not found: Shard does not exist");
  }
  return Located{named.table, named.region, std::move(**span)};
}

Result<std::string> StreamReader::start(const std::string& stream_arn, const std::string& shard_id,
                                        events::StartingPosition from, int64_t timestamp_ms) {
  auto at = locate(stream_arn, shard_id);
  if (!at) return at.take_error();
  const ShardSpan& shard = at->shard;
  std::string partition = stream_partition(at->table->name, at->table->stream_label);
  auto info = log_->info(partition);
  uint64_t first = std::max<uint64_t>(info ? info->first_seq : 1, 1);
  uint64_t next = std::max<uint64_t>(info ? info->next_seq : 1, 1);
  // Positions are "the last sequence read": from before the shard's first
  // record to its last.
  uint64_t low = std::max(first, shard.first) - 1;
  uint64_t high = std::max(low, shard.last ? *shard.last : next - 1);
  switch (from) {
    case events::StartingPosition::kTrimHorizon:
      return sequence_number(low);
    case events::StartingPosition::kLatest:
      return sequence_number(high);
    case events::StartingPosition::kAtTimestamp: {
      auto seq = log_->seq_at_time(partition, timestamp_ms);
      if (!seq) return seq.take_error();
      uint64_t s = seq->value_or(next);
      return sequence_number(std::clamp<uint64_t>(s == 0 ? 0 : s - 1, low, high));
    }
  }
  return sequence_number(high);
}

Result<events::ShardBatch> StreamReader::read(const std::string& stream_arn,
                                              const std::string& shard_id,
                                              const std::string& position, size_t max_records,
                                              size_t max_bytes) {
  auto after = parse_sequence_number(position);
  if (!after) return errors::validation("Invalid SequenceNumber: " + position);
  auto at = locate(stream_arn, shard_id);
  if (!at) return at.take_error();
  const ShardSpan& shard = at->shard;
  std::string partition = stream_partition(at->table->name, at->table->stream_label);
  uint64_t from = std::max(*after + 1, shard.first);
  auto records = log_->read(partition, from, storage::ReadLimits{max_records, max_bytes});
  if (!records) return records.take_error();
  events::ShardBatch batch;
  batch.last_sequence = position;
  // How far the shard is read: to here, past what was trimmed, past the
  // last record read, or to its end once a record of a later shard shows.
  uint64_t reach = from - 1;
  auto info = log_->info(partition);
  if (info && info->first_seq > 0) reach = std::max(reach, info->first_seq - 1);
  for (const auto& r : *records) {
    bool later =
        (shard.last && r.seq > *shard.last) || (shard.end_ms && r.arrival_ms >= *shard.end_ms);
    if (later) {
      if (shard.last) reach = std::max(reach, *shard.last);
      break;
    }
    auto out = stream_record_out(r, at->region);
    if (!out) return out.take_error();
    events::StreamRecord rec;
    rec.sequence_number = sequence_number(r.seq);
    rec.arrival_ms = r.arrival_ms;
    rec.partition_key = json::serialize((*out)["dynamodb"].as_object()["Keys"]);
    rec.data = json::serialize(*out);
    batch.last_sequence = rec.sequence_number;
    batch.records.push_back(std::move(rec));
    reach = std::max(reach, r.seq);
  }
  uint64_t next = info ? info->next_seq : 0;
  if (!batch.records.empty() && reach + 1 < next) {
    batch.millis_behind =
        std::max<int64_t>(0, clock_.now_millis() - batch.records.back().arrival_ms);
  }
  batch.ended = shard.last && reach >= *shard.last;
  if (batch.ended && shard.child_id) batch.children.push_back(*shard.child_id);
  return batch;
}

uint64_t StreamReader::wait(const std::string& stream_arn, const std::string& shard_id,
                            const std::string& position, Clock::time_point deadline,
                            std::function<void(bool ready)> wake) {
  auto after = parse_sequence_number(position);
  auto at = locate(stream_arn, shard_id);
  if (!at || !after) {
    wake(false);
    return 0;
  }
  const ShardSpan& shard = at->shard;
  if (shard.last && *after >= *shard.last) {
    wake(true);  // read to its end: the next read says so
    return 0;
  }
  // An open shard closes at its end time without a record to wake on.
  if (shard.end_ms && !shard.last) {
    auto closes = Clock::from_millis(*shard.end_ms);
    if (closes > clock_.now()) deadline = std::min(deadline, closes);
  }
  return log_->wait(stream_partition(at->table->name, at->table->stream_label), *after, deadline,
                    [wake = std::move(wake)](storage::Log::WaitOutcome o) {
                      wake(o == storage::Log::WaitOutcome::kReady);
                    });
}

bool StreamReader::cancel_wait(uint64_t id) {
  return id != 0 && log_->cancel_wait(id);
}

}  // namespace nimbus::services::dynamodb
