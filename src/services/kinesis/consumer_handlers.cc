// Kinesis handlers for enhanced fan-out: RegisterStreamConsumer,
// DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer and
// SubscribeToShard (whose events fanout.h produces).
#include <algorithm>
#include <cmath>

#include "http/event_payload.h"
#include "services/kinesis/input.h"
#include "services/kinesis/kinesis_service.h"

namespace nimbus::services::kinesis {

namespace json = boost::json;

namespace {

constexpr size_t kMaxConsumers = 20;

std::string consumer_arn(const Environment& env, const std::string& stream, const Consumer& c) {
  return input::stream_arn(env, stream) + "/consumer/" + c.name + ":" +
         std::to_string(c.created_ms / 1000);
}

Error consumer_not_found(const std::string& name, const std::string& stream,
                         const std::string& account) {
  return Error::make("ResourceNotFoundException", "Consumer " + name + " under stream " + stream +
                                                      " under account " + account + " not found.");
}

json::object consumer_json(const Environment& env, const std::string& stream, const Consumer& c,
                           const char* status) {
  return json::object{{"ConsumerName", c.name},
                      {"ConsumerARN", consumer_arn(env, stream, c)},
                      {"ConsumerStatus", status},
                      {"ConsumerCreationTimestamp", input::seconds(c.created_ms)}};
}

// The stream named by StreamARN (required where the model says so).
Result<std::string> stream_of(const json::object& in) {
  std::string arn = str(in, "StreamARN");
  std::string name = input::name_in_arn(arn);
  if (name.empty()) {
    return errors::pattern(arn, "streamARN", "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
  }
  return name;
}

Result<uint32_t> shard_of(const Stream& s, const std::string& shard, const std::string& account,
                          int64_t now_ms) {
  auto idx = parse_shard_id(shard);
  if (!idx || *idx >= s.shards.size() || s.expired(s.shards[*idx], now_ms)) {
    return errors::shard_not_found(shard, s.name, account);
  }
  return *idx;
}

}  // namespace

// The stream and consumer a request names: ConsumerARN, or StreamARN and
// ConsumerName.
Result<std::pair<Stream, Consumer>> KinesisService::consumer_of(const json::object& in) const {
  std::string arn = str(in, "ConsumerARN");
  std::string stream, name, created;
  if (!arn.empty()) {
    auto ref = input::parse_consumer_arn(arn);
    if (!ref) {
      return errors::pattern(arn, "consumerARN",
                             "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/"
                             "consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
    }
    stream = ref->stream, name = ref->name, created = ref->created;
  } else {
    std::string consumer_name = str(in, "ConsumerName");
    if (str(in, "StreamARN").empty() || consumer_name.empty()) {
      return errors::invalid(
          "Either ConsumerARN or both ConsumerName and StreamARN must be given.");
    }
    auto s = stream_of(in);
    if (!s) return s.take_error();
    stream = *s, name = consumer_name;
  }
  auto s = engine_->find(stream);
  if (!s) return errors::stream_not_found(stream, engine_->account());
  const Consumer* c = s->consumer(name);
  // An ARN of an earlier consumer of that name names nothing now.
  if (c == nullptr || (!created.empty() && std::to_string(c->created_ms / 1000) != created)) {
    return consumer_not_found(name, stream, engine_->account());
  }
  Consumer found = *c;
  return std::make_pair(std::move(*s), std::move(found));
}

void KinesisService::register_stream_consumer(const CallContext&, json::object in,
                                              Respond respond) {
  auto stream = stream_of(in);
  if (!stream) return respond(stream.take_error());
  std::string name = str(in, "ConsumerName");
  if (!input::valid_name(name)) {
    return respond(errors::pattern(name, "consumerName", input::kNamePattern));
  }
  auto made = std::make_shared<Consumer>();
  std::string account = engine_->account();
  int64_t now = engine_->now_ms();
  engine_->update(
      *stream,
      [&](Stream& s) -> Status {
        if (s.consumer(name) != nullptr) {
          return errors::in_use("Consumer " + name + " under stream " + s.name + " under account " +
                                account + " already exists.");
        }
        if (s.consumers.size() >= kMaxConsumers) {
          return errors::limit_exceeded("Stream " + s.name + " under account " + account +
                                        " already has " + std::to_string(kMaxConsumers) +
                                        " registered consumers, the limit.");
        }
        s.consumers.push_back({name, now});
        *made = s.consumers.back();
        return Status::ok();
      },
      [this, made, stream = *stream, respond = std::move(respond)](Status st) {
        if (!st) return respond(st.take_error());
        // AWS answers CREATING; the consumer is ACTIVE by the next call here.
        respond(json::object{{"Consumer", consumer_json(env_, stream, *made, "CREATING")}});
      });
}

Output KinesisService::describe_stream_consumer(const CallContext&, const json::object& in) const {
  auto found = consumer_of(in);
  if (!found) return found.take_error();
  auto& [s, c] = *found;
  json::object d = consumer_json(env_, s.name, c, "ACTIVE");
  d["StreamARN"] = input::stream_arn(env_, s.name);
  return json::object{{"ConsumerDescription", std::move(d)}};
}

Output KinesisService::list_stream_consumers(const CallContext&, const json::object& in) const {
  auto stream = stream_of(in);
  if (!stream) return stream.take_error();
  auto s = engine_->find(*stream);
  if (!s) return errors::stream_not_found(*stream, engine_->account());
  size_t limit = static_cast<size_t>(integer(in, "MaxResults").value_or(100));
  if (limit < 1 || limit > 10000) {
    return errors::invalid("MaxResults " + std::to_string(limit) + " must be between 1 and 10000.");
  }
  // NextToken: the name of the last consumer of the previous page.
  size_t from = 0;
  if (std::string token = str(in, "NextToken"); !token.empty()) {
    from = s->consumers.size() + 1;
    for (size_t i = 0; i < s->consumers.size(); ++i) {
      if (s->consumers[i].name == token) from = i + 1;
    }
    if (from > s->consumers.size()) return errors::invalid("NextToken " + token + " is not valid.");
  }
  json::array out;
  size_t i = from;
  for (; i < s->consumers.size() && out.size() < limit; ++i) {
    out.push_back(consumer_json(env_, s->name, s->consumers[i], "ACTIVE"));
  }
  json::object r{{"Consumers", std::move(out)}};
  if (i < s->consumers.size()) r["NextToken"] = s->consumers[i - 1].name;
  return r;
}

void KinesisService::deregister_stream_consumer(const CallContext&, json::object in,
                                                Respond respond) {
  auto found = consumer_of(in);
  if (!found) return respond(found.take_error());
  std::string name = found->second.name;
  std::string arn = consumer_arn(env_, found->first.name, found->second);
  engine_->update(
      found->first.name,
      [&](Stream& s) -> Status {
        std::erase_if(s.consumers, [&](const Consumer& c) { return c.name == name; });
        return Status::ok();
      },
      [this, arn, respond = std::move(respond)](Status st) {
        if (!st) return respond(st.take_error());
        fanout_->end_consumer(arn);
        respond(json::object{});
      });
}

void KinesisService::subscribe_to_shard(const CallContext& ctx, json::object in, Respond respond) {
  auto found = consumer_of(in);
  if (!found) return respond(found.take_error());
  auto& [s, c] = *found;
  auto shard = shard_of(s, str(in, "ShardId"), engine_->account(), engine_->now_ms());
  if (!shard) return respond(shard.take_error());
  const auto* pos = in.if_contains("StartingPosition");
  if (pos == nullptr || !pos->is_object()) {
    return respond(errors::invalid("StartingPosition is required."));
  }
  auto next = start_of(s, *shard, pos->as_object());
  if (!next) return respond(next.take_error());
  auto events = fanout_->subscribe(consumer_arn(env_, s.name, c), s, *shard, *next);
  if (!events) return respond(events.take_error());
  ctx.payload->response = std::make_shared<http::EventPayload>(std::move(*events));
  respond(json::object{});
}

// The Log sequence a subscription starts reading at.
Result<uint64_t> KinesisService::start_of(const Stream& s, uint32_t shard,
                                          const json::object& pos) const {
  std::string type = str(pos, "Type");
  std::string partition = s.partition(shard);
  if (type == "TRIM_HORIZON") return uint64_t{1};
  if (type == "LATEST") {
    auto info = engine_->log().info(partition);
    return info ? info->next_seq : uint64_t{1};
  }
  if (type == "AT_TIMESTAMP") {
    const auto* t = pos.if_contains("Timestamp");
    if (t == nullptr || !t->is_number()) {
      return errors::invalid("Timestamp is required for StartingPosition type AT_TIMESTAMP.");
    }
    auto at = engine_->log().seq_at_time(
        partition, static_cast<int64_t>(std::llround(t->to_number<double>() * 1000.0)));
    if (!at) return at.take_error();
    return at->value_or(1);
  }
  if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    std::string text = str(pos, "SequenceNumber");
    auto seq = parse_sequence(text);
    if (text.empty()) {
      return errors::invalid("SequenceNumber is required for StartingPosition type " + type + ".");
    }
    if (!seq || seq->stream_id != s.id || seq->shard != shard) {
      return errors::invalid("Invalid StartingSequenceNumber. It encodes " + text +
                             ", which is not a sequence number of " + shard_id(shard) +
                             " of stream " + s.name + ".");
    }
    return std::max<uint64_t>(1, type == "AT_SEQUENCE_NUMBER" ? seq->seq : seq->seq + 1);
  }
  return errors::validation(
      "1 validation error detected: Value '" + type +
      "' at 'startingPosition.type' failed to satisfy constraint: Member must satisfy enum "
      "value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, "
      "AT_TIMESTAMP]");
}

}  // namespace nimbus::services::kinesis
