// Activities: tasks done by workers that poll for them (GetActivityTask)
// and answer with SendTaskSuccess/Failure/Heartbeat (task_handlers.cc).
// A task waits in memory for a worker; the execution's stored position
// holds it, so it is queued again after a restart.
#include <algorithm>
#include <chrono>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "services/stepfunctions/tags.h"
#include "storage/storage.h"

namespace nimbus::sfn {

namespace json = boost::json;

namespace {

// How long GetActivityTask waits for a task, as on AWS.
constexpr auto kPoll = std::chrono::seconds(60);

Error activity_missing(const std::string& arn) {
  return Error::make("ActivityDoesNotExist", "Activity Does Not Exist: '" + arn + "'");
}

}  // namespace

json::object StepFunctionsService::Activity::encode() const {
  json::object t;
  for (const auto& [k, v] : tags) t[k] = v;
  return json::object{{"arn", arn}, {"name", name}, {"created", created}, {"tags", std::move(t)}};
}

StepFunctionsService::Activity StepFunctionsService::Activity::decode(const json::object& doc) {
  Activity a{str(doc, "arn"), str(doc, "name"), 0, {}};
  if (const auto* c = doc.if_contains("created"); c != nullptr && c->is_number()) {
    a.created = c->to_number<double>();
  }
  if (const auto* t = doc.if_contains("tags"); t != nullptr && t->is_object()) {
    for (const auto& [k, v] : t->as_object()) a.tags[std::string(k)] = str(t->as_object(), k);
  }
  return a;
}

void StepFunctionsService::create_activity(const CallContext& ctx, json::object in,
                                           Respond respond) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "tags", "tagKeys")) {
    return respond(errors::validation(*why));
  }
  std::string name = str(in, "name");
  if (!valid_name(name)) return respond(errors::invalid_name(name));
  Activity a{arn(ctx, "activity", name), name, env_.clock.now_seconds(), {}};
  merge_tags(in, a.tags);
  if (a.tags.size() > kMaxTags) return respond(errors::too_many_tags(a.arn));
  {
    MutexLock lock(mu_);
    if (auto it = activities_.find(a.arn); it != activities_.end()) {
      // Creating it again answers as the first time.
      return respond(json::object{{"activityArn", a.arn}, {"creationDate", it->second.created}});
    }
  }
  storage::WriteBatch batch(a.arn);
  batch.put("sfn.activities", a.arn, json::serialize(a.encode()));
  commit_then(
      std::move(batch),
      [this, a] {
        MutexLock lock(mu_);
        activities_.emplace(a.arn, a);
      },
      std::move(respond), json::object{{"activityArn", a.arn}, {"creationDate", a.created}});
}

Output StepFunctionsService::describe_activity(const CallContext&, const json::object& in) const {
  std::string a = str(in, "activityArn");
  MutexLock lock(mu_);
  auto it = activities_.find(a);
  if (it == activities_.end()) return activity_missing(a);
  return json::object{
      {"activityArn", a}, {"name", it->second.name}, {"creationDate", it->second.created}};
}

void StepFunctionsService::tag_activity(const json::object& in, Respond respond) {
  std::string a = str(in, "resourceArn");
  Activity act;
  {
    MutexLock lock(mu_);
    auto it = activities_.find(a);
    if (it == activities_.end()) return respond(errors::resource_missing(a));
    act = it->second;
  }
  merge_tags(in, act.tags);
  for (const auto& k : string_list(in, "tagKeys")) act.tags.erase(k);
  if (act.tags.size() > kMaxTags) return respond(errors::too_many_tags(a));
  storage::WriteBatch batch(a);
  batch.put("sfn.activities", a, json::serialize(act.encode()));
  commit_then(
      std::move(batch),
      [this, act] {
        MutexLock lock(mu_);
        if (auto it = activities_.find(act.arn); it != activities_.end())
          it->second.tags = act.tags;
      },
      std::move(respond), json::object{});
}

void StepFunctionsService::delete_activity(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "activityArn");
  storage::WriteBatch batch(a);
  batch.del("sfn.activities", a);
  commit_then(std::move(batch),
              [this, a] {
                MutexLock lock(mu_);
                activities_.erase(a);
              },
              std::move(respond), {});
}

Output StepFunctionsService::list_activities(const CallContext&, const json::object& in) const {
  int64_t max = integer(in, "maxResults").value_or(100);
  size_t limit = static_cast<size_t>(max <= 0 ? 100 : std::min<int64_t>(max, 1000));
  std::string after = str(in, "nextToken");
  json::array list;
  std::string next;
  MutexLock lock(mu_);
  for (auto it = after.empty() ? activities_.begin() : activities_.upper_bound(after);
       it != activities_.end(); ++it) {
    if (list.size() == limit) {
      next = std::prev(it)->first;
      break;
    }
    list.push_back(json::object{{"activityArn", it->second.arn},
                                {"name", it->second.name},
                                {"creationDate", it->second.created}});
  }
  json::object out{{"activities", std::move(list)}};
  if (!next.empty()) out["nextToken"] = next;
  return out;
}

void StepFunctionsService::get_activity_task(const CallContext&, json::object in, Respond respond) {
  std::string a = str(in, "activityArn");
  std::string worker = str(in, "workerName");
  std::optional<ActivityTask> task;
  uint64_t id = 0;
  {
    MutexLock lock(mu_);
    if (!activities_.contains(a)) return respond(activity_missing(a));
    auto& queue = pending_[a];
    if (!queue.empty()) {
      task = std::move(queue.front());
      queue.pop_front();
    } else {
      id = ++next_poll_;
      polls_[a].push_back(Poll{id, worker, std::move(respond)});
    }
  }
  if (task) return hand_out(std::move(*task), std::move(worker), std::move(respond));
  // No task within the poll: an answer without one, as AWS gives.
  env_.scheduler.after(kPoll, [this, a, id, gate = gate_] {
    auto in = gate->hold();
    if (!in) return;
    Respond r;
    {
      MutexLock lock(mu_);
      auto& waiting = polls_[a];
      auto it =
          std::find_if(waiting.begin(), waiting.end(), [id](const Poll& p) { return p.id == id; });
      if (it == waiting.end()) return;
      r = std::move(it->respond);
      waiting.erase(it);
    }
    r(json::object{});
  });
}

void StepFunctionsService::queue_activity(const std::string& activity, ActivityTask task) {
  std::optional<Poll> poll;
  {
    MutexLock lock(mu_);
    auto& waiting = polls_[activity];
    if (waiting.empty()) {
      pending_[activity].push_back(std::move(task));
      return;
    }
    poll = std::move(waiting.front());
    waiting.pop_front();
  }
  hand_out(std::move(task), std::move(poll->worker), std::move(poll->respond));
}

void StepFunctionsService::hand_out(ActivityTask task, std::string worker, Respond respond) {
  auto taken = std::make_shared<bool>(false);
  advance(
      task.execution,
      [token = task.token, worker, taken](Runner& r, int64_t now) -> std::optional<Stop> {
        if (!r.awaits(token)) return std::nullopt;
        *taken = true;
        return r.activity_started(token, worker, now);
      },
      [task, taken, respond = std::move(respond)](Status st) {
        // A task that ended meanwhile (timed out, its execution stopped) is
        // not handed out: the poll ends without one.
        if (!st || !*taken) return respond(json::object{});
        respond(json::object{{"taskToken", task.token}, {"input", task.input}});
      });
}

}  // namespace nimbus::sfn
