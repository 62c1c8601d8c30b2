#include "services/cloudformation/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/codec.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/run.h"
#include "storage/records.h"
#include "storage/storage.h"

namespace nimbus::services::cloudformation {

Engine::Engine(Environment& env, OperationCalls* calls) : env_(env), calls_(calls) {}

Engine::~Engine() {
  gate_->close();
}

Status Engine::start() {
  storage::Records records(env_.storage, std::string(codec::kStacks));
  std::vector<std::string> unfinished;
  {
    std::map<std::string, StackState> read;
    auto st = records.each("", [&](storage::Entry& e) {
      auto s = codec::decode_stack(e.value);
      if (!s) {
        spdlog::warn("cloudformation: skipping a stack record that does not decode");
        return;
      }
      if (s->in_progress()) unfinished.push_back(s->id);
      read[s->id] = std::move(*s);
    });
    if (!st) return st;
    MutexLock lock(mu_);
    stacks_ = std::move(read);
    for (const auto& id : unfinished) {
      StackState& s = stacks_.at(id);
      // What each interrupted operation becomes (engine.h).
      std::string kind;
      if (s.status == "CREATE_IN_PROGRESS" || s.status == "ROLLBACK_IN_PROGRESS") {
        kind = "ROLLBACK";
      } else if (s.status == "DELETE_IN_PROGRESS") {
        kind = "DELETE";
      } else if (s.status == "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") {
        kind = "CLEANUP";
      } else if (s.status.starts_with("IMPORT_")) {
        kind = "IMPORT_ROLLBACK";  // an import only forgets what it read
      } else {
        kind = "UPDATE_ROLLBACK";
      }
      auto run = run_for_locked(s, kind);
      if (!run) {
        spdlog::warn("cloudformation: stack {} cannot be resumed: {}", s.name, run.error().message);
        continue;
      }
      runs_[id] = std::move(*run);
      std::string status = kind == "ROLLBACK"          ? "ROLLBACK_IN_PROGRESS"
                           : kind == "DELETE"          ? "DELETE_IN_PROGRESS"
                           : kind == "CLEANUP"         ? "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
                           : kind == "IMPORT_ROLLBACK" ? "IMPORT_ROLLBACK_IN_PROGRESS"
                                                       : "UPDATE_ROLLBACK_IN_PROGRESS";
      std::string reason = status == s.status
                               ? "Resumed after a restart of nimbus"
                               : "The operation was interrupted by a restart of nimbus";
      s.status = status;
      s.reason = reason;
      // The requests the resumed operation sends (a custom resource's
      // ResponseURL) name where this server answers now, which may be
      // another port than before the restart.
      if (auto here = server_endpoint(); !here.empty()) s.endpoint_url = here;
      commit_locked(s, {stack_event(s, status, reason)}, [this, id](Status st) {
        if (st) continue_later(id);
      });
    }
  }
  return Status::ok();
}

std::string Engine::server_endpoint() const {
  auto it = env_.settings.service_options.find("server.endpoint_url");
  return it == env_.settings.service_options.end() ? std::string() : it->second;
}

void Engine::address_locked(StackState& s, const std::string& caller) const {
  std::string endpoint = caller.empty() ? server_endpoint() : caller;
  if (!endpoint.empty()) s.endpoint_url = std::move(endpoint);
}

std::string Engine::new_stack_id(const CallContext& ctx, const std::string& name) const {
  const std::string& region = ctx.region.empty() ? env_.settings.region : ctx.region;
  const std::string& account = ctx.account_id.empty() ? env_.settings.account_id : ctx.account_id;
  return "arn:aws:cloudformation:" + region + ":" + account + ":stack/" + name + "/" +
         new_request_id();
}

// STACK-LOGICALID-SUFFIX, AWS's shape for names a template leaves out.
std::string Engine::generated_name(const StackState& s, const std::string& id) const {
  std::string suffix = new_request_id();
  suffix.erase(std::remove(suffix.begin(), suffix.end(), '-'), suffix.end());
  suffix = suffix.substr(0, 12);
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string stack = s.name.substr(0, 30);
  std::string logical = id.substr(0, 30);
  return stack + "-" + logical + "-" + suffix;
}

StackEvent Engine::stack_event(const StackState& s, std::string status, std::string reason) const {
  return StackEvent{
      s.name, s.id, "AWS::CloudFormation::Stack", std::move(status), std::move(reason), {}};
}

void Engine::commit_locked(StackState& s, std::vector<StackEvent> events,
                           std::function<void(Status)> then) {
  double now = env_.clock.now_seconds();
  storage::WriteBatch batch;
  batch.add_partition(s.id);
  for (auto& e : events) {
    json::object o{{"StackId", s.id},
                   {"EventId", new_request_id()},
                   {"StackName", s.name},
                   {"LogicalResourceId", e.logical_id},
                   {"PhysicalResourceId", e.physical_id},
                   {"ResourceType", e.type},
                   {"Timestamp", now},
                   {"ResourceStatus", e.status}};
    if (!e.reason.empty()) o["ResourceStatusReason"] = e.reason;
    if (!e.properties.empty()) o["ResourceProperties"] = json::serialize(e.properties);
    batch.put(codec::kEvents, codec::event_key(s.id, s.next_event++), json::serialize(o));
  }
  s.updated = s.updated == 0 ? now : s.updated;
  batch.put(codec::kStacks, codec::stack_key(s.id), codec::encode(s));
  env_.storage->commit(std::move(batch), std::move(then));
}

void Engine::continue_later(const std::string& stack_id) {
  env_.workers.post([this, gate = gate_, stack_id] {
    auto in = gate->hold();
    if (!in) return;
    advance(stack_id);
  });
}

void Engine::advance(const std::string& stack_id) {
  MutexLock lock(mu_);
  step_locked(stack_id);
}

void Engine::commit_then_locked(StackState& s, std::vector<StackEvent> events,
                                std::function<void()> call) {
  commit_locked(s, std::move(events), [this, gate = gate_, call = std::move(call)](Status st) {
    if (!st) return;  // storage is closing: the restart resumes the operation
    env_.workers.post([gate, call] {
      auto in = gate->hold();
      if (!in) return;
      call();
    });
  });
}

void Engine::when_settled(const std::string& stack_id, std::chrono::milliseconds limit,
                          std::function<void()> done) {
  auto once = std::make_shared<Once>();
  once->fn = std::move(done);
  bool running = false;
  {
    MutexLock lock(mu_);
    running = runs_.contains(stack_id);
    if (running) settle_waiters_[stack_id].push_back(once);
  }
  if (!running) return once->fire();
  env_.scheduler.after(limit, [once] { once->fire(); });
}

void Engine::notify_settled(const std::string& stack_id) {
  std::vector<std::shared_ptr<Once>> waiting;
  {
    MutexLock lock(mu_);
    if (runs_.contains(stack_id)) return;  // another operation started meanwhile
    auto it = settle_waiters_.find(stack_id);
    if (it == settle_waiters_.end()) return;
    waiting = std::move(it->second);
    settle_waiters_.erase(it);
  }
  for (auto& once : waiting) env_.workers.post([once] { once->fire(); });
}

std::optional<StackState> Engine::find(std::string_view name_or_id) const {
  MutexLock lock(mu_);
  if (auto it = stacks_.find(std::string(name_or_id)); it != stacks_.end()) {
    return shown_locked(it->second);
  }
  for (const auto& [id, s] : stacks_) {
    if (s.name == name_or_id && !s.deleted_stack()) return shown_locked(s);
  }
  return std::nullopt;
}

StackState Engine::shown_locked(const StackState& s) const {
  StackState copy = s;
  if (auto root = stacks_.find(s.root_id); !s.root_id.empty() && root != stacks_.end()) {
    copy.termination_protection = root->second.termination_protection;
  }
  return copy;
}

std::vector<StackState> Engine::all() const {
  MutexLock lock(mu_);
  std::vector<StackState> out;
  for (const auto& [id, s] : stacks_) out.push_back(shown_locked(s));
  std::sort(out.begin(), out.end(),
            [](const StackState& a, const StackState& b) { return a.created > b.created; });
  return out;
}

Result<std::vector<json::object>> Engine::events(const std::string& stack_id) const {
  storage::Records records(env_.storage, std::string(codec::kEvents));
  std::vector<json::object> out;
  auto st = records.each(codec::event_prefix(stack_id), [&](storage::Entry& e) {
    if (auto o = parse_object(e.value)) out.push_back(std::move(*o));
  });
  if (!st) return st.take_error();
  std::reverse(out.begin(), out.end());
  return out;
}

std::map<std::string, std::pair<std::string, std::string>> Engine::exports() const {
  MutexLock lock(mu_);
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (const auto& [id, s] : stacks_) {
    if (s.deleted_stack()) continue;
    for (const auto& o : s.outputs) {
      if (!o.is_object()) continue;
      std::string name = str(o.as_object(), "ExportName");
      if (!name.empty()) out[name] = {str(o.as_object(), "OutputValue"), s.id};
    }
  }
  return out;
}

}  // namespace nimbus::services::cloudformation
