// Kinesis handlers for resharding: SplitShard, MergeShards, UpdateShardCount.
// The changes run under the engine's lock (Engine::update), so a closed
// shard's ending sequence covers every record routed to it.
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"
#include "services/kinesis/reshard.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

// The open shard `id` of `s`, or AWS's error.
Result<uint32_t> open_shard(const Stream& s, const std::string& id, const std::string& account) {
  auto idx = parse_shard_id(id);
  if (!idx || *idx >= s.shards.size()) {
    return Error::make("ResourceNotFoundException", "Could not find shard " + id + " in stream " +
                                                        s.name + " under account " + account + ".");
  }
  if (!s.shards[*idx].open()) {
    return errors::invalid("Shard " + shard_id(*idx) + " in stream " + s.name + " under account " +
                           account +
                           " has already been merged or split, and thus is not eligible for "
                           "merging or splitting.");
  }
  return *idx;
}

Status provisioned(const Stream& s, const std::string& account) {
  if (s.mode == "ON_DEMAND") {
    return errors::validation("Request is invalid. Stream " + s.name + " under account " + account +
                              " is in On-Demand mode.");
  }
  return Status::ok();
}

}  // namespace

std::function<uint64_t(uint32_t)> KinesisService::last_seq_of(const Stream& s) const {
  return [this, &s](uint32_t shard) { return engine_->next_seq(s, shard) - 1; };
}

void KinesisService::split_shard(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  std::string target = str(in, "ShardToSplit");
  std::string start_text = str(in, "NewStartingHashKey");
  auto start = parse_hash_key(start_text);
  if (!start) {
    return respond(errors::pattern(start_text, "newStartingHashKey", "0|([1-9]\\d{0,38})"));
  }
  const std::string& account = engine_->account();
  size_t open = engine_->open_shards();
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        if (auto st = provisioned(s, account); !st) return st;
        auto idx = open_shard(s, target, account);
        if (!idx) return idx.take_error();
        const Shard& sh = s.shards[*idx];
        if (*start <= sh.start_hash || *start > sh.end_hash) {
          return errors::invalid(
              "NewStartingHashKey " + start_text + " used in SplitShard() on shard " +
              shard_id(*idx) + " in stream " + s.name + " under account " + account +
              " is not both greater than the shard's StartingHashKey " + to_decimal(sh.start_hash) +
              " and not greater than the shard's EndingHashKey " + to_decimal(sh.end_hash) + ".");
        }
        if (open + 1 > kAccountShardLimit) {
          return errors::limit_exceeded(
              "This request would exceed the shard limit for the account " + account +
              ". Limit: 500.");
        }
        kinesis::split_shard(s, *idx, *start, engine_->now_ms(), last_seq_of(s));
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void KinesisService::merge_shards(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  std::string first = str(in, "ShardToMerge");
  std::string second = str(in, "AdjacentShardToMerge");
  const std::string& account = engine_->account();
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        if (auto st = provisioned(s, account); !st) return st;
        auto a = open_shard(s, first, account);
        if (!a) return a.take_error();
        auto b = open_shard(s, second, account);
        if (!b) return b.take_error();
        const Shard& x = s.shards[*a];
        const Shard& y = s.shards[*b];
        bool touching = (x.end_hash != kMaxHashKey && x.end_hash + 1 == y.start_hash) ||
                        (y.end_hash != kMaxHashKey && y.end_hash + 1 == x.start_hash);
        if (!touching) {
          return errors::invalid("Shards " + shard_id(*a) + " and " + shard_id(*b) + " in stream " +
                                 s.name + " under account " + account +
                                 " are not an adjacent pair of shards eligible for merging");
        }
        kinesis::merge_shards(s, *a, *b, engine_->now_ms(), last_seq_of(s));
        return Status::ok();
      },
      answer_empty(std::move(respond)));
}

void KinesisService::update_shard_count(const CallContext&, json::object in, Respond respond) {
  auto name = input::stream_name(in);
  if (!name) return respond(name.take_error());
  if (std::string scaling = str(in, "ScalingType"); scaling != "UNIFORM_SCALING") {
    return respond(errors::validation(
        "1 validation error detected: Value '" + scaling +
        "' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: "
        "[UNIFORM_SCALING]"));
  }
  int64_t target = integer(in, "TargetShardCount").value_or(0);
  const std::string& account = engine_->account();
  size_t all_open = engine_->open_shards();
  auto current = std::make_shared<size_t>(0);
  engine_->update(
      *name,
      [&](Stream& s) -> Status {
        if (auto st = provisioned(s, account); !st) return st;
        size_t open = s.open_shards();
        *current = open;
        if (target < 1 || static_cast<size_t>(target) > 2 * open ||
            static_cast<size_t>(target) * 2 < open) {
          return errors::invalid("UpdateShardCount to " + std::to_string(target) +
                                 " shards for stream " + s.name + " under account " + account +
                                 " is out of range: a stream with " + std::to_string(open) +
                                 " open shards can scale to between half and double that count.");
        }
        if (all_open - open + static_cast<size_t>(target) > kAccountShardLimit) {
          return errors::limit_exceeded(
              "This request would exceed the shard limit for the account " + account +
              ". Limit: 500.");
        }
        scale_uniformly(s, static_cast<uint32_t>(target), engine_->now_ms(), last_seq_of(s));
        return Status::ok();
      },
      [respond = std::move(respond), current, target, name = *name,
       arn = input::stream_arn(env_, *name)](Status st) {
        if (!st) return respond(st.take_error());
        respond(json::object{{"StreamName", name},
                             {"CurrentShardCount", *current},
                             {"TargetShardCount", target},
                             {"StreamARN", arn}});
      });
}

}  // namespace nimbus::services::kinesis
