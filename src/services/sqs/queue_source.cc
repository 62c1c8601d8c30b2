// SQS queues as the source of event source mappings (events/source.h).
#include <charconv>

#include "services/sqs/errors.h"
#include "services/sqs/queues.h"
#include "services/sqs/target.h"

namespace nimbus::services::sqs {

namespace {

events::QueueMessage to_event(Received r) {
  const MessageData& d = *r.data;
  events::QueueMessage m;
  m.id = d.id;
  m.receipt_handle = std::move(r.receipt_handle);
  m.body = d.body;
  m.attributes.reserve(d.attributes.size());
  for (const auto& a : d.attributes) m.attributes.push_back({a.name, a.type, a.value, a.binary});
  m.md5_body = d.md5_body;
  m.md5_attributes = d.md5_attributes;
  m.sender_id = d.sender_id;
  m.trace_header = d.trace_header;
  m.sent_ms = d.sent_ms;
  m.first_receive_ms = r.first_receive_ms;
  m.receive_count = r.receive_count;
  m.group_id = d.group_id;
  m.dedup_id = d.dedup_id;
  if (!d.group_id.empty()) m.sequence_number = sequence_number(d.seq);
  m.dlq_source = d.dlq_source;
  return m;
}

// The first failure of a batch call, else ok.
Status first_error(const std::vector<Status>& results) {
  for (const auto& st : results) {
    if (!st) return st;
  }
  return Status::ok();
}

class QueueSourceImpl final : public events::QueueSource {
 public:
  explicit QueueSourceImpl(Queues& queues) : queues_(queues) {}

  std::optional<events::QueueInfo> describe(const std::string& arn) const override {
    auto q = queues_.find_by_arn(arn);
    if (!q) return std::nullopt;
    events::QueueInfo info;
    info.fifo = q->fifo;
    if (auto attrs = queues_.attributes(q, {"VisibilityTimeout"})) {
      const std::string& v = (*attrs)["VisibilityTimeout"];
      std::from_chars(v.data(), v.data() + v.size(), info.visibility_timeout_s);
    }
    return info;
  }

  void receive(const std::string& arn, events::QueueReceive r,
               std::function<void(Result<std::vector<events::QueueMessage>>)> done) override {
    auto q = queues_.find_by_arn(arn);
    if (!q) return done(errors::queue_does_not_exist());
    ReceiveRequest req;
    req.max_messages = r.max_messages;
    req.wait_seconds = r.wait_seconds;
    req.owner = r.owner;
    queues_.receive(q, req, [done = std::move(done)](Result<std::vector<Received>> got) {
      if (!got) return done(got.take_error());
      std::vector<events::QueueMessage> out;
      out.reserve(got->size());
      for (auto& m : *got) out.push_back(to_event(std::move(m)));
      done(std::move(out));
    });
  }

  void remove(const std::string& arn, std::vector<std::string> handles,
              std::function<void(Status)> done) override {
    auto q = queues_.find_by_arn(arn);
    if (!q) return done(errors::queue_does_not_exist());
    queues_.delete_messages(q, std::move(handles), [done = std::move(done)](std::vector<Status> r) {
      done(first_error(r));
    });
  }

  void change_visibility(const std::string& arn, std::vector<std::pair<std::string, int>> changes,
                         std::function<void(Status)> done) override {
    auto q = queues_.find_by_arn(arn);
    if (!q) return done(errors::queue_does_not_exist());
    queues_.change_visibility(
        q, std::move(changes),
        [done = std::move(done)](std::vector<Status> r) { done(first_error(r)); });
  }

  void release_waiters(const std::string& arn, uint64_t owner) override {
    if (auto q = queues_.find_by_arn(arn)) queues_.release_waiters(q, owner);
  }

 private:
  Queues& queues_;
};

}  // namespace

std::unique_ptr<events::QueueSource> make_queue_source(Queues& queues) {
  return std::make_unique<QueueSourceImpl>(queues);
}

}  // namespace nimbus::services::sqs
