// Queues: message move tasks (StartMessageMoveTask and friends): redrive a
// dead-letter queue's messages back to their sources, or to one destination,
// at a bounded rate, on the scheduler thread.
#include <algorithm>
#include <boost/json.hpp>

#include "common/encoding.h"
#include "services/sqs/codec.h"
#include "services/sqs/digest.h"
#include "services/sqs/errors.h"
#include "services/sqs/queues.h"
#include "storage/storage.h"

namespace nimbus::services::sqs {

namespace json = boost::json;

namespace {
constexpr int kTickMs = 100;
constexpr int kMaxPerSecond = 500;  // also the rate when none is given
}  // namespace

Result<std::string> Queues::start_move_task(const std::string& source_arn,
                                            const std::string& destination_arn,
                                            int max_per_second) {
  auto source = find_by_arn(source_arn);
  if (!source) {
    return errors::resource_not_found(
        "The resource that you specified for the SourceArn "
        "parameter doesn't exist.");
  }
  if (dead_letter_sources(source).empty()) {
    return errors::invalid_parameter("Source queue must be configured as a Dead Letter Queue.");
  }
  if (!destination_arn.empty()) {
    auto dest = find_by_arn(destination_arn);
    if (!dest) {
      return errors::resource_not_found(
          "The resource that you specified for the "
          "DestinationArn parameter doesn't exist.");
    }
    if (dest->fifo != source->fifo) {
      return errors::invalid_parameter(
          "The source and destination queues must be of the same type.");
    }
  }
  if (max_per_second != 0 && (max_per_second < 1 || max_per_second > kMaxPerSecond)) {
    return errors::invalid_value(std::to_string(max_per_second), "MaxNumberOfMessagesPerSecond",
                                 "Must be between 1 and 500.");
  }
  auto task = std::make_shared<MoveTask>();
  {
    std::lock_guard lock(source->mu);
    task->to_move = static_cast<int64_t>(source->size());
  }
  json::object h;
  h["taskId"] = random_uuid();
  h["sourceArn"] = source_arn;
  task->handle = base64_encode(json::serialize(h));
  task->status = "RUNNING";
  task->source_arn = source_arn;
  task->destination_arn = destination_arn;
  task->max_per_second = max_per_second;
  task->started_ms = now_ms();
  {
    std::lock_guard lock(mu_);
    for (const auto& t : tasks_) {
      if (t->source_arn == source_arn && t->status == "RUNNING") {
        return errors::invalid_parameter(
            "There is already a task running. Only one active task is allowed for a source "
            "queue arn at a given time.");
      }
    }
    tasks_.push_back(task);
  }
  env_.scheduler.after(std::chrono::milliseconds(0), [this, task, gate = gate_] {
    if (auto in = gate->hold()) run_move_task(task);
  });
  return task->handle;
}

Result<int64_t> Queues::cancel_move_task(const std::string& handle) {
  std::lock_guard lock(mu_);
  for (auto& t : tasks_) {
    if (t->handle != handle) continue;
    if (t->status != "RUNNING") {
      return errors::invalid_parameter("Only tasks with RUNNING status can be cancelled.");
    }
    t->status = "CANCELLED";
    return t->moved;
  }
  return errors::resource_not_found("Task does not exist.");
}

Result<std::vector<MoveTask>> Queues::list_move_tasks(const std::string& source_arn,
                                                      int max) const {
  if (max < 1 || max > 10) {
    return errors::invalid_value(std::to_string(max), "MaxResults", "Must be between 1 and 10.");
  }
  if (!find_by_arn(source_arn)) {
    return errors::resource_not_found(
        "The resource that you specified for the SourceArn "
        "parameter doesn't exist.");
  }
  std::lock_guard lock(mu_);
  std::vector<MoveTask> out;
  for (auto it = tasks_.rbegin(); it != tasks_.rend() && out.size() < static_cast<size_t>(max);
       ++it) {
    if ((*it)->source_arn == source_arn) out.push_back(**it);
  }
  return out;
}

void Queues::run_move_task(std::shared_ptr<MoveTask> task) {
  if (closing_) return;
  {
    std::lock_guard lock(mu_);
    if (task->status != "RUNNING") return;
  }
  auto source = find_by_arn(task->source_arn);
  if (!source) {
    std::lock_guard lock(mu_);
    task->status = "FAILED";
    task->failure = "AWS.SimpleQueueService.NonExistentQueue";
    return;
  }
  // `budget` messages every `tick_ms`: whole messages per tick at any rate
  // (1/s is one message a second, 15/s two every 133 ms).
  int per_second = task->max_per_second > 0 ? task->max_per_second : kMaxPerSecond;
  int budget = (per_second * kTickMs + 999) / 1000;
  int tick_ms = 1000 * budget / per_second;
  storage::WriteBatch batch;
  std::vector<Moved> moved;
  bool done = false;
  {
    std::lock_guard lock(source->mu);
    int64_t now = now_ms();
    source->promote(now);
    // Messages with no known source stay in the DLQ: look past them, or
    // they would fill every tick's budget and end the task early.
    auto dest_of = [&](const Message& m) {
      const std::string& arn =
          task->destination_arn.empty() ? m.data->dlq_source : task->destination_arn;
      return arn.empty() ? nullptr : find_by_arn(arn);
    };
    size_t want = static_cast<size_t>(budget);
    std::vector<uint64_t> picked;
    for (;;) {
      picked = source->pick(want);
      size_t stuck =
          static_cast<size_t>(std::count_if(picked.begin(), picked.end(), [&](uint64_t seq) {
            return !dest_of(*source->find(seq));
          }));
      if (picked.size() < want || picked.size() - stuck >= static_cast<size_t>(budget)) break;
      want = static_cast<size_t>(budget) + stuck;
    }
    for (uint64_t seq : picked) {
      Message* m = source->find(seq);
      QueuePtr dest = dest_of(*m);
      if (!dest) continue;
      auto copy = std::make_shared<MessageData>(*m->data);
      copy->dlq_source.clear();
      copy->seq = next_seq();
      uint64_t gen = dest->gen;
      batch.put(codec::kNamespace, codec::message_key(gen, copy->seq),
                codec::encode_message(*copy, now));
      drop(*source, seq, batch);
      moved.push_back({dest, gen, std::move(copy)});
    }
    done = moved.empty() || task->moved + static_cast<int64_t>(moved.size()) >= task->to_move;
  }
  // The count and COMPLETED show only once the moved messages are durable
  // and receivable in their destinations.
  auto next = [this, task, done, tick_ms, n = static_cast<int64_t>(moved.size()),
               gate = gate_](bool durable) {
    {
      std::lock_guard lock(mu_);
      if (durable) task->moved += n;
      if (done && task->status == "RUNNING") task->status = "COMPLETED";
    }
    if (!done && !gate->closed()) {
      env_.scheduler.after(std::chrono::milliseconds(tick_ms), [this, task, gate] {
        if (auto in = gate->hold()) run_move_task(task);
      });
    }
  };
  if (batch.empty()) return next(true);
  commit(std::move(batch), [this, moved = std::move(moved), next](Status s) mutable {
    if (s) deliver_moved(std::move(moved));
    next(s.is_ok());
  });
}

}  // namespace nimbus::services::sqs
