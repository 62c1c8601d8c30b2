// The in-process events::StreamSource over the engine: positions are sequence
// numbers, resolved to Log sequences of one stream and shard. A consumer ARN
// (an event source mapping on an enhanced fan-out consumer) reads its stream
// while the consumer is registered.
#include "events/stream_source.h"
#include "services/kinesis/engine.h"
#include "services/kinesis/errors.h"
#include "services/kinesis/input.h"
#include "services/kinesis/sequence.h"

namespace nimbus::services::kinesis {

namespace {

using events::ShardBatch;
using events::ShardInfo;
using events::StartingPosition;

struct Resolved {
  uint64_t stream_id = 0;
  uint32_t shard = 0;
  std::string partition;
};

class Reader final : public events::StreamSource {
 public:
  explicit Reader(Engine& engine) : engine_(engine) {}

  std::optional<std::vector<ShardInfo>> shards(const std::string& arn) const override {
    auto s = engine_.find(input::name_in_arn(arn));
    if (!s || !input::consumer_registered(arn, *s)) return std::nullopt;
    std::vector<ShardInfo> out;
    int64_t now = engine_.now_ms();
    for (const auto& sh : s->shards) {
      if (s->expired(sh, now)) continue;
      out.push_back({shard_id(sh.index), sh.parent ? shard_id(*sh.parent) : "",
                     sh.adjacent_parent ? shard_id(*sh.adjacent_parent) : "", sh.open()});
    }
    return out;
  }

  Result<std::string> start(const std::string& arn, const std::string& shard, StartingPosition from,
                            int64_t timestamp_ms) override {
    auto r = resolve(arn, shard);
    if (!r) return r.take_error();
    uint64_t next = 1;
    if (from == StartingPosition::kLatest) {
      auto info = engine_.log().info(r->partition);
      next = info ? info->next_seq : 1;
    } else if (from == StartingPosition::kAtTimestamp) {
      auto at = engine_.log().seq_at_time(r->partition, timestamp_ms);
      if (!at) return at.take_error();
      next = at->value_or(1);
    }
    return format_sequence({r->stream_id, r->shard, next - 1});
  }

  Result<ShardBatch> read(const std::string& arn, const std::string& shard,
                          const std::string& position, size_t max_records,
                          size_t max_bytes) override {
    auto r = resolve(arn, shard);
    if (!r) return r.take_error();
    auto after = after_seq(*r, position);
    if (!after) return after.take_error();
    auto got = engine_.read_from(r->stream_id, r->shard, *after + 1, max_records, max_bytes);
    if (!got) return got.take_error();
    ShardBatch out;
    out.records.reserve(got->records.size());
    for (auto& rec : got->records) {
      out.records.push_back({format_sequence({got->stream_id, got->shard, rec.seq}), rec.arrival_ms,
                             rec.partition_key_string(), rec.data_string()});
    }
    out.last_sequence = format_sequence({r->stream_id, r->shard, got->next_seq - 1});
    out.millis_behind = got->millis_behind;
    out.ended = got->ended;
    for (const auto& c : got->children) out.children.push_back(shard_id(c.index));
    return out;
  }

  uint64_t wait(const std::string& arn, const std::string& shard, const std::string& position,
                Clock::time_point deadline, std::function<void(bool)> wake) override {
    auto r = resolve(arn, shard);
    auto after = r ? after_seq(*r, position) : Result<uint64_t>(r.take_error());
    if (!after) {
      wake(false);
      return 0;
    }
    return engine_.log().wait(r->partition, *after, deadline,
                              [wake = std::move(wake)](storage::Log::WaitOutcome o) {
                                wake(o == storage::Log::WaitOutcome::kReady);
                              });
  }

  bool cancel_wait(uint64_t id) override { return id != 0 && engine_.log().cancel_wait(id); }

 private:
  Result<Resolved> resolve(const std::string& arn, const std::string& shard) const {
    std::string name = input::name_in_arn(arn);
    auto s = engine_.find(name);
    if (!s || !input::consumer_registered(arn, *s)) {
      return errors::stream_not_found(name, engine_.account());
    }
    auto idx = parse_shard_id(shard);
    if (!idx || *idx >= s->shards.size()) {
      return errors::shard_not_found(shard, name, engine_.account());
    }
    return Resolved{s->id, *idx, s->partition(*idx)};
  }

  static Result<uint64_t> after_seq(const Resolved& r, const std::string& position) {
    auto seq = parse_sequence(position);
    if (!seq || seq->stream_id != r.stream_id || seq->shard != r.shard) {
      return errors::invalid("Position " + position + " is not a sequence number of " +
                             shard_id(r.shard) + " of this stream.");
    }
    return seq->seq;
  }

  Engine& engine_;
};

}  // namespace

std::unique_ptr<events::StreamSource> make_reader(Engine& engine) {
  return std::make_unique<Reader>(engine);
}

}  // namespace nimbus::services::kinesis
