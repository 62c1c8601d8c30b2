// Queues: the SQS engine, and the in-process interface other services use
// (SNS delivering to a queue, Lambda destinations and event source mappings
// polling one): find a queue, send, receive, delete, change visibility. The
// SQS API handlers (sqs_service.cc) are a thin JSON layer over this class.
//
// Durability: every mutation is one WriteBatch committed with
// Storage::commit; completion callbacks run after the batch is durable. A
// sent message becomes receivable only once its batch is durable. Receives
// are the exception: they answer once their state change is queued (see
// persist_receive in messages.cc). State
// (queues, messages, receive counts, visibility deadlines as wall-clock
// times, FIFO deduplication entries) is rebuilt from storage by recover().
//
// Threads: every method is thread-safe and never blocks (safe on an event
// loop), except recover() (start-up reads storage). Callbacks
// run on the storage committer thread, the scheduler thread or inline; they
// must be quick. Lock order: a queue lock may be held while taking the
// registry lock, never the other way round; a queue lock is never held while
// taking another queue's (messages moving between queues are inserted into
// the destination from the commit callback, after the source lock is gone).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/gate.h"
#include "common/result.h"
#include "services/service.h"
#include "services/sqs/policy.h"
#include "services/sqs/queue.h"
#include "services/sqs/types.h"

namespace nimbus::storage {
class WriteBatch;
}

namespace nimbus::services::sqs {

using QueuePtr = std::shared_ptr<Queue>;

struct MoveTask {
  std::string handle;
  std::string status;  // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;  // empty: each message's original source
  int max_per_second = 0;       // 0: as fast as possible
  int64_t moved = 0;
  int64_t to_move = 0;
  int64_t started_ms = 0;
  std::string failure;
};

class Queues {
 public:
  explicit Queues(Environment& env);
  ~Queues();
  // Rebuilds every queue from storage (recovery.cc); once, before any other
  // call. Blocks. An error means storage could not be read: the queues must
  // not be served.
  Status recover();
  Queues(const Queues&) = delete;
  Queues& operator=(const Queues&) = delete;

  // ---- lookup ----
  QueuePtr find(std::string_view account, std::string_view name) const;
  QueuePtr find_by_arn(std::string_view arn) const;
  const Settings& settings() const { return env_.settings; }
  std::vector<QueuePtr> list(std::string_view account) const;  // sorted by name
  std::string arn_of(std::string_view account, std::string_view name) const;

  // ---- queues ----
  using StatusDone = std::function<void(Status)>;
  // `aws_tags`: tag keys may start with "aws:" (validate::tags).
  void create(std::string account, std::string name, std::map<std::string, std::string> attributes,
              std::map<std::string, std::string> tags, bool aws_tags,
              std::function<void(Result<QueuePtr>)> done);
  void remove(const QueuePtr& q, StatusDone done);
  // Attribute name -> value for `names` ("All" expands); InvalidAttributeName on unknown names.
  Result<std::map<std::string, std::string>> attributes(const QueuePtr& q,
                                                        const std::vector<std::string>& names);
  void set_attributes(const QueuePtr& q, std::map<std::string, std::string> attributes,
                      StatusDone done);
  std::map<std::string, std::string> tags(const QueuePtr& q) const;
  void tag(const QueuePtr& q, std::map<std::string, std::string> tags, bool aws_tags,
           StatusDone done);
  void untag(const QueuePtr& q, std::vector<std::string> keys, bool aws_tags, StatusDone done);
  // AddPermission / RemovePermission: edit the statements of the queue's Policy.
  void add_permission(const QueuePtr& q, policy::Grant grant, StatusDone done);
  void remove_permission(const QueuePtr& q, std::string label, StatusDone done);
  void purge(const QueuePtr& q, StatusDone done);
  std::vector<QueuePtr> dead_letter_sources(const QueuePtr& dlq) const;

  // ---- messages ----
  // One result per request, in order; each entry is validated on its own
  // (batch partial failures). All valid entries commit as one batch.
  void send(const QueuePtr& q, std::vector<SendRequest> requests,
            std::function<void(std::vector<Result<SendResult>>)> done);
  // Answers when messages are available or the wait time ends.
  // Answers every waiting long poll now with no messages, as its timeout
  // would (server shutdown: draining must not wait up to 20 s for them).
  void release_waiters();
  // Answers `owner`'s waiting long polls on `q` now, with no messages (an
  // event source mapping being disabled, deleted or stopped).
  void release_waiters(const QueuePtr& q, uint64_t owner);

  void receive(const QueuePtr& q, ReceiveRequest request,
               std::function<void(Result<std::vector<Received>>)> done);
  void delete_messages(const QueuePtr& q, std::vector<std::string> handles,
                       std::function<void(std::vector<Status>)> done);
  void change_visibility(const QueuePtr& q, std::vector<std::pair<std::string, int>> changes,
                         std::function<void(std::vector<Status>)> done);

  // ---- message move tasks (DLQ redrive) ----
  Result<std::string> start_move_task(const std::string& source_arn,
                                      const std::string& destination_arn, int max_per_second);
  Result<int64_t> cancel_move_task(const std::string& handle);
  Result<std::vector<MoveTask>> list_move_tasks(const std::string& source_arn, int max) const;

 private:
  friend class Recovery;
  // A message leaving one queue for another (redrive, move task): inserted
  // into `dest` once the batch that moves it is durable.
  struct Moved {
    QueuePtr dest;
    uint64_t gen;
    std::shared_ptr<const MessageData> data;
  };

  int64_t now_ms() const { return env_.clock.now_millis(); }
  uint64_t next_seq();
  uint64_t next_gen();
  void commit(storage::WriteBatch batch, std::function<void(Status)> done);
  void edit_policy(const QueuePtr& q,
                   const std::function<Result<std::string>(const std::string&)>& edit,
                   StatusDone done);
  void persist_queue(const Queue& q, storage::WriteBatch& batch) const;  // q.mu held
  Status check_redrive(const Queue& q, const QueueConfig& config) const;

  // Receive machinery (messages.cc). `q.mu` held by the caller.
  std::vector<Received> take(Queue& q, const ReceiveRequest& r, storage::WriteBatch& batch,
                             std::vector<Moved>& moved);
  void drop(Queue& q, uint64_t seq, storage::WriteBatch& batch);
  void serve_waiters(const QueuePtr& q);          // takes q.mu
  void answer_empty(std::list<Waiter>& waiting);  // as their timeouts would; no lock held
  void arm_wake_timer(const QueuePtr& q);         // q.mu held
  void deliver_moved(std::vector<Moved> moved);
  void persist_receive(storage::WriteBatch batch, std::vector<Moved> moved);
  void expire_dedup(Queue& q, int64_t now, storage::WriteBatch& batch);
  void run_move_task(std::shared_ptr<MoveTask> task);

  Environment& env_;
  std::atomic<uint64_t> last_seq_{0};
  std::atomic<uint64_t> last_gen_{0};
  std::atomic<uint64_t> next_waiter_{1};
  std::atomic<bool> closing_{false};
  // Timer callbacks enter it before touching `this`; the destructor closes
  // it, waiting for one that is running, and later ones find it closed
  // (they cannot be cancelled: the Scheduler may be gone by then).
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();

  mutable std::mutex mu_;
  std::map<std::string, QueuePtr> by_name_;              // "account/name"; guarded by mu_
  std::map<std::string, QueuePtr, std::less<>> by_arn_;  // guarded by mu_
  std::map<uint64_t, QueuePtr> by_id_;                   // guarded by mu_
  std::vector<std::shared_ptr<MoveTask>> tasks_;         // guarded by mu_

  std::mutex commits_mu_;
  std::condition_variable commits_cv_;
  size_t commits_in_flight_ = 0;  // guarded by commits_mu_

  Counter& sent_;
  Counter& received_;
  Counter& deleted_;
  Counter& redriven_;
};

}  // namespace nimbus::services::sqs
