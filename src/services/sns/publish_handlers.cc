// SNS handlers for Publish and PublishBatch: check the message, accept it
// (FIFO sequence and deduplication), match it against the topic's
// subscriptions and queue a delivery for each match durably before
// answering (deliveries.h).
#include <algorithm>
#include <atomic>
#include <set>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/sns/errors.h"
#include "services/sns/filter_policy.h"
#include "services/sns/sms.h"
#include "services/sns/sns_service.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr size_t kMaxBatch = 10;

// The protocols nimbus delivers to today (README.md, Operations).
bool delivers_to(const std::string& protocol) {
  return protocol == "sqs" || protocol == "lambda" || protocol == "http" || protocol == "https" ||
         protocol == "firehose" || protocol == "email" || protocol == "email-json" ||
         protocol == "sms";
}

// Counts down the deliveries of one call; answers once all are stored.
struct Countdown {
  explicit Countdown(size_t n, std::function<void(Status)> done) : left(n), done(std::move(done)) {}
  void one(Status st) {
    if (!st) {
      MutexLock lock(mu);
      if (!error) error = st.error();
    }
    if (left.fetch_sub(1) != 1) return;
    MutexLock lock(mu);
    done(error ? Status(*error) : Status::ok());
  }
  std::atomic<size_t> left;
  std::function<void(Status)> done;
  Mutex mu;
  std::optional<Error> error GUARDED_BY(mu);
};

// The wire code of an entry's error (PublishBatch's Failed[].Code).
std::string wire_code(const Error& e) {
  if (e.code == "InvalidParameterException") return "InvalidParameter";
  if (e.code == "InvalidParameterValueException") return "ParameterValueInvalid";
  if (e.code == "NotFoundException") return "NotFound";
  return e.code;
}

bool valid_batch_id(std::string_view id) {
  return !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

Result<TopicPtr> SnsService::publish_topic(const object& in) const {
  std::string arn = str(in, "TopicArn");
  if (arn.empty()) arn = str(in, "TargetArn");
  if (arn.empty()) {
    return errors::invalid("TopicArn or TargetArn Reason: no value for required parameter");
  }
  auto t = topics_->find(arn);
  if (!t) return errors::topic_not_found();
  return t;
}

std::vector<SubscriptionPtr> SnsService::matching(const Topic& topic, const Message& m) const {
  std::vector<SubscriptionPtr> matched;
  for (auto& s : topics_->subscriptions(topic.arn)) {
    if (!s->confirmed || !delivers_to(s->protocol)) continue;
    if (s->filter && !s->filter->matches(m.attributes, m.body)) continue;
    matched.push_back(std::move(s));
  }
  return matched;
}

void SnsService::accept(const Rendering& r, const Topic& topic, Message m,
                        std::function<void(Result<Message>)> done) {
  m.id = new_request_id();
  m.timestamp_ms = env_.clock.now_millis();
  if (topic.fifo) return accept_fifo(r, topic, std::move(m), std::move(done));
  std::vector<SubscriptionPtr> matched = matching(topic, m);
  if (matched.empty()) return done(std::move(m));
  queue_deliveries(r, topic, std::move(m), std::move(matched), std::nullopt, std::move(done));
}

void SnsService::accept_fifo(const Rendering& r, const Topic& topic, Message m,
                             std::function<void(Result<Message>)> done) {
  std::string scope_key = m.dedup_id;
  if (const auto* scope = topic.attribute("FifoThroughputScope");
      scope != nullptr && *scope == "MessageGroup") {
    scope_key = m.group_id + "\n" + m.dedup_id;
  }
  // Held while the deliveries are queued: sequence order is the order they
  // are stored (and fired) in, and a repeat's commit follows the first's.
  MutexLock lock(fifo_mu_);
  auto a = fifo_.accept(topic.arn, scope_key, m.timestamp_ms, m.id);
  m.id = a.message_id;
  m.sequence = a.sequence;
  storage::WriteBatch window(Deliveries::kPartition);
  for (const auto& key : a.expired)
    window.del(kFifoWindowNs, FifoWindow::record_key(topic.arn, key));
  if (a.duplicate) {
    // Accepted, not delivered again. Answered once this commit is durable:
    // it follows the first message's, which may still be on its way.
    env_.storage->commit(std::move(window), [m = std::move(m), done](Status st) mutable {
      if (!st)
        return done(errors::unavailable("Deliveries could not be stored: " + st.error().message));
      done(std::move(m));
    });
    return;
  }
  window.put(kFifoWindowNs, FifoWindow::record_key(topic.arn, scope_key),
             FifoWindow::encode({m.id, m.sequence, m.timestamp_ms + FifoWindow::kWindowMs}));
  window.put(kFifoSequenceNs, topic.arn, std::to_string(a.last));
  std::vector<SubscriptionPtr> matched = matching(topic, m);
  queue_deliveries(r, topic, std::move(m), std::move(matched), std::move(window), std::move(done));
}

void SnsService::queue_deliveries(const Rendering& r, const Topic& topic, Message m,
                                  std::vector<SubscriptionPtr> matched,
                                  std::optional<storage::WriteBatch> after,
                                  std::function<void(Result<Message>)> done) {
  if (signer_ != nullptr && !signer_->ready()) {
    // A fresh data directory's key is still being made (signing.h).
    struct Held {
      std::string endpoint_url, topic_arn;
      Message m;
      std::vector<SubscriptionPtr> matched;
      std::optional<storage::WriteBatch> after;
      std::function<void(Result<Message>)> done;
    };
    auto held = std::make_shared<Held>(Held{r.endpoint_url, topic.arn, std::move(m),
                                            std::move(matched), std::move(after), std::move(done)});
    return signer_->when_ready([this, held] {
      queue_signed(held->endpoint_url, held->topic_arn, std::move(held->m),
                   std::move(held->matched), std::move(held->after), std::move(held->done));
    });
  }
  queue_signed(r.endpoint_url, topic.arn, std::move(m), std::move(matched), std::move(after),
               std::move(done));
}

void SnsService::queue_signed(const std::string& endpoint_url, const std::string& topic_arn,
                              Message m, std::vector<SubscriptionPtr> matched,
                              std::optional<storage::WriteBatch> after,
                              std::function<void(Result<Message>)> done) {
  auto shared = std::make_shared<Message>(std::move(m));
  size_t parts = matched.size() + (after ? 1 : 0);
  auto countdown = std::make_shared<Countdown>(parts, [shared, done](Status st) {
    if (!st)
      return done(errors::unavailable("Deliveries could not be stored: " + st.error().message));
    done(*shared);
  });
  std::string key = shared->sequence.empty() ? shared->id : shared->sequence;
  Rendering signed_r = rendering(endpoint_url, topic_arn);
  for (const auto& s : matched) {
    deliveries_->queue(*s, key, delivery_for(*shared, *s, signed_r),
                       [countdown](Status st) { countdown->one(std::move(st)); });
  }
  // Queued after the deliveries, so durable only once they are.
  if (after) {
    env_.storage->commit(std::move(*after),
                         [countdown](Status st) { countdown->one(std::move(st)); });
  }
}

void SnsService::publish_sms(const std::string& phone, object in, Respond respond) {
  if (!valid_phone_number(phone)) {
    return respond(errors::invalid("PhoneNumber", phone + " is not valid to publish to"));
  }
  // The message checks of a standard topic (size, attributes, structure).
  Topic none;
  auto m = read_message(in, none);
  if (!m) return respond(m.take_error());
  std::string id = new_request_id();
  Status st = write_sms(logs_, sms_log_group(env_.settings, "DirectPublishToPhoneNumber"), id,
                        phone, m->text_for("sms"), m->attributes, env_.clock.now_millis());
  if (!st) return respond(st.take_error());
  respond(json::object{{"MessageId", id}});
}

void SnsService::publish(const CallContext& ctx, object in, Respond respond) {
  if (std::string phone = str(in, "PhoneNumber");
      !phone.empty() && str(in, "TopicArn").empty() && str(in, "TargetArn").empty()) {
    return publish_sms(phone, std::move(in), std::move(respond));
  }
  auto topic = publish_topic(in);
  if (!topic) return respond(topic.take_error());
  auto m = read_message(in, **topic);
  if (!m) return respond(m.take_error());
  accept(Rendering{ctx.endpoint_url}, **topic, std::move(*m),
         [respond = std::move(respond)](Result<Message> r) {
           if (!r) return respond(r.take_error());
           json::object out{{"MessageId", r->id}};
           if (!r->sequence.empty()) out["SequenceNumber"] = r->sequence;
           respond(std::move(out));
         });
}

void SnsService::publish_batch(const CallContext& ctx, object in, Respond respond) {
  const auto* list = in.if_contains("PublishBatchRequestEntries");
  if (list == nullptr || !list->is_array() || list->as_array().empty()) {
    return respond(Error::make("EmptyBatchRequestException",
                               "The batch request doesn't contain any entries."));
  }
  const auto& entries = list->as_array();
  if (entries.size() > kMaxBatch) {
    return respond(Error::make("TooManyEntriesInBatchRequestException",
                               "The batch request contains more entries than permissible."));
  }
  std::set<std::string> ids;
  size_t bytes = 0;
  for (const auto& e : entries) {
    std::string id = e.is_object() ? str(e.as_object(), "Id") : "";
    if (!valid_batch_id(id)) {
      return respond(Error::make("InvalidBatchEntryIdException",
                                 "The Id of a batch entry in a batch request doesn't abide by "
                                 "the specification."));
    }
    if (!ids.insert(id).second) {
      return respond(Error::make("BatchEntryIdsNotDistinctException",
                                 "Two or more batch entries in the request have the same Id."));
    }
    bytes += str(e.as_object(), "Message").size();
  }
  if (bytes > kMaxMessageBytes) {
    return respond(Error::make("BatchRequestTooLongException",
                               "The length of all the messages put together is more than the "
                               "limit."));
  }
  auto topic = publish_topic(in);
  if (!topic) return respond(topic.take_error());
  struct Batch {
    Mutex mu;
    json::array successful GUARDED_BY(mu);
    json::array failed GUARDED_BY(mu);
  };
  auto batch = std::make_shared<Batch>();
  std::vector<std::pair<std::string, Message>> accepted;
  for (const auto& e : entries) {
    const auto& entry = e.as_object();
    auto m = read_message(entry, **topic);
    if (!m) {
      MutexLock lock(batch->mu);
      batch->failed.push_back(json::object{{"Id", str(entry, "Id")},
                                           {"Code", wire_code(m.error())},
                                           {"Message", m.error().message},
                                           {"SenderFault", m.error().sender_fault}});
      continue;
    }
    accepted.emplace_back(str(entry, "Id"), std::move(*m));
  }
  auto answer = [batch, respond = std::move(respond)] {
    MutexLock lock(batch->mu);
    respond(json::object{{"Successful", batch->successful}, {"Failed", batch->failed}});
  };
  if (accepted.empty()) return answer();
  auto countdown = std::make_shared<Countdown>(accepted.size(), [answer](Status) { answer(); });
  for (auto& [id, m] : accepted) {
    accept(Rendering{ctx.endpoint_url}, **topic, std::move(m),
           [batch, countdown, id = id](Result<Message> r) {
             {
               MutexLock lock(batch->mu);
               if (r) {
                 json::object ok{{"Id", id}, {"MessageId", r->id}};
                 if (!r->sequence.empty()) ok["SequenceNumber"] = r->sequence;
                 batch->successful.push_back(std::move(ok));
               } else {
                 batch->failed.push_back(json::object{{"Id", id},
                                                      {"Code", wire_code(r.error())},
                                                      {"Message", r.error().message},
                                                      {"SenderFault", r.error().sender_fault}});
               }
             }
             countdown->one(Status::ok());
           });
  }
}

}  // namespace nimbus::services::sns
