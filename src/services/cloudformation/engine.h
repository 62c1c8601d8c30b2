// The stack engine: every stack in memory (under one mutex) and in storage
// (codec.h), and the operations that move a stack's resources — create,
// update, delete, and the rollbacks and cleanups between them.
//
// How an operation runs: each transition (a resource starts, completes,
// fails; the stack changes status) is applied to the stack in memory and
// committed (the stack record and its event in one batch, partition: the
// stack id) while the mutex is held, so commits reach storage in the order
// of the transitions. When the commit is durable, the engine continues on
// the worker pool: it starts every resource whose dependencies are complete
// (independent resources run concurrently) by calling its provider, outside
// the mutex. A failure stops new starts; once the running ones finish the
// stack rolls back.
//
// Rollbacks and cleanups are computed, not logged: a stack keeps its
// previous resources (`StackState::previous`) during an update, and what is
// left to undo is the difference between the resources now and then; a
// delete or a create rollback deletes every resource that still exists.
// So after a restart (kill -9) start() finds each stack that was in
// progress and finishes it the safe way: a create is rolled back, an update
// is rolled back to the previous template, a delete or rollback goes on.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "services/cloudformation/custom_responses.h"
#include "services/cloudformation/prepare.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/stack.h"
#include "services/operation_calls.h"
#include "storage/write_batch.h"

namespace nimbus::services::cloudformation {

// What CreateStack / UpdateStack / ExecuteChangeSet hand the engine.
struct StackRequest {
  std::string name;
  std::string body;
  std::map<std::string, std::string> given;  // parameter values given (previous ones resolved)
  std::vector<std::string> capabilities;
  std::vector<std::string> notification_arns;
  json::array tags;
  bool disable_rollback = false;
  bool delete_on_failure = false;  // OnFailure: DELETE
  bool termination_protection = false;
  std::optional<std::string> policy;  // StackPolicyBody: set when given
  // StackPolicyDuringUpdateBody: the policy this update is checked against.
  std::optional<std::string> policy_during_update;
  std::string change_set_id;
  // An IMPORT change set's resources to import: logical id -> the value of
  // its type's identifier (Importer::identifier), which is its physical id.
  // Non-empty makes update() an import (IMPORT_IN_PROGRESS).
  std::map<std::string, std::string> imports;
};

class Engine {
 public:
  Engine(Environment& env, OperationCalls* calls);
  ~Engine();

  // Reads back every stack and finishes those in progress (see above).
  Status start();

  // Checks `req` and starts creating the stack; answers with its StackId
  // once the stack is durable in CREATE_IN_PROGRESS.
  void create(const CallContext& ctx, StackRequest req,
              std::function<void(Result<std::string>)> done);
  // Starts updating the stack named (by name or id) `req.name`; with
  // `req.imports`, imports those resources into it instead (an IMPORT change
  // set, also into a stack in REVIEW_IN_PROGRESS): nothing else may change,
  // the resources are read, not created, and a failure forgets them again
  // (IMPORT_ROLLBACK_COMPLETE) without deleting anything.
  void update(const CallContext& ctx, StackRequest req,
              std::function<void(Result<std::string>)> done);
  // A stack in REVIEW_IN_PROGRESS for a CREATE change set: no template
  // applied, no resources; create() of that name takes it over. Answers
  // its id (the existing one when it is already in review).
  Result<std::string> review(const CallContext& ctx, const std::string& name);
  // STACK-LOGICALID-SUFFIX: the name AWS gives a resource of `s` whose
  // template names none (a nested stack's, too).
  std::string generated_name(const StackState& s, const std::string& id) const;
  // Turns termination protection on or off.
  Result<std::string> protect(const std::string& name, bool enabled);
  // Stores the stack policy (SetStackPolicy).
  Result<std::string> set_policy(const std::string& name, std::string policy);
  // RollbackStack: a stack that stopped at CREATE_FAILED or UPDATE_FAILED
  // (DisableRollback) rolls back now. Answers its id once the rollback is
  // durably started.
  void roll_back(const std::string& name, std::function<void(Result<std::string>)> done);
  // ContinueUpdateRollback: an UPDATE_ROLLBACK_FAILED stack rolls back
  // again; the resources in `skip` (UPDATE_FAILED ones) are taken as rolled
  // back without a call.
  void continue_rollback(const std::string& name, std::vector<std::string> skip,
                         std::function<void(Result<std::string>)> done);
  // The name of the live stack holding a resource of `type` whose physical
  // id is `physical_id` ("" when none does).
  std::string owner_of(std::string_view type, std::string_view physical_id) const;
  // The names of the live stacks that import `export_name`.
  std::vector<std::string> importers(const std::string& export_name) const;
  // Starts deleting it (nothing to do when it does not exist). `retain`
  // (DeleteStack's RetainResources, only from DELETE_FAILED): logical ids
  // left as they are in their services (DELETE_SKIPPED); `force`
  // (DeletionMode FORCE_DELETE_STACK, only from DELETE_FAILED) retains
  // every resource that failed to delete.
  void remove(const CallContext& ctx, const std::string& name, std::function<void(Status)> done,
              std::vector<std::string> retain = {}, bool force = false);

  // Calls `done` once the stack's operation in progress ends (at once when
  // none runs), or after `limit`, whichever comes first. The stack
  // operations answer through it, so a client's first poll after the
  // answer usually finds the stack settled (README: Differs from AWS).
  void when_settled(const std::string& stack_id, std::chrono::milliseconds limit,
                    std::function<void()> done) EXCLUDES(mu_);

  // Copies, for the describe operations. A name finds the live stack of
  // that name, an id also finds deleted stacks.
  std::optional<StackState> find(std::string_view name_or_id) const;
  std::vector<StackState> all() const;
  // The stack's events, newest first.
  Result<std::vector<json::object>> events(const std::string& stack_id) const;
  // Every export: name -> (value, exporting stack id).
  std::map<std::string, std::pair<std::string, std::string>> exports() const;

  // Where custom resources' handlers answer (their ResponseURLs).
  CustomResponses& custom_responses() { return responses_; }

 private:
  struct Run;  // an operation in progress (run.cc)

  // Under mu_: applies a transition's event and commits the stack record.
  void commit_locked(StackState& s, std::vector<StackEvent> events,
                     std::function<void(Status)> then) REQUIRES(mu_);
  StackEvent stack_event(const StackState& s, std::string status, std::string reason = {}) const;
  // Continues the operation of `stack_id` on the worker pool.
  void continue_later(const std::string& stack_id);
  void advance(const std::string& stack_id) EXCLUDES(mu_);
  // run.cc: one step of each kind of operation, under mu_. A step that
  // calls a provider commits the resource's *_IN_PROGRESS first and makes
  // the call from the commit's callback, outside mu_.
  void step_locked(const std::string& stack_id) REQUIRES(mu_);
  void step_forward_locked(StackState& s, Run& run) REQUIRES(mu_);
  void step_teardown_locked(StackState& s, Run& run) REQUIRES(mu_);
  void finish_forward_locked(StackState& s, Run& run) REQUIRES(mu_);
  void finish_teardown_locked(StackState& s, Run& run) REQUIRES(mu_);
  void begin_rollback_locked(StackState& s, Run& run) REQUIRES(mu_);
  void launch_resource_locked(StackState& s, Run& run, const std::string& id) REQUIRES(mu_);
  // False when `id` needs nothing in this teardown.
  bool launch_teardown_locked(StackState& s, Run& run, const std::string& id) REQUIRES(mu_);
  void resource_done(const std::string& stack_id, const std::string& id, const std::string& kind,
                     Result<Provided> result) EXCLUDES(mu_);
  void removal_done(const std::string& stack_id, const std::string& id, Status st) EXCLUDES(mu_);
  // Records `parent` as the parent of the nested stack `child_id` (and its
  // root as the child's root).
  void adopt_nested_locked(const StackState& parent, const std::string& child_id) REQUIRES(mu_);
  // A copy of `s` as the describe operations show it: a nested stack's
  // termination protection is its root's.
  StackState shown_locked(const StackState& s) const REQUIRES(mu_);
  // Teardowns: deletes the first of the stack's orphans (StackState::orphans).
  void launch_orphan_locked(StackState& s, Run& run) REQUIRES(mu_);
  void orphan_done(const std::string& stack_id, const std::string& physical, Status st)
      EXCLUDES(mu_);
  Result<json::value> resolve_locked(const StackState& s, const Run& run,
                                     const json::value& v) const REQUIRES(mu_);
  ResourceRequest request_locked(const StackState& s, const std::string& id) REQUIRES(mu_);
  // Runs `call` on the worker pool once `s`'s batch is durable.
  void commit_then_locked(StackState& s, std::vector<StackEvent> events, std::function<void()> call)
      REQUIRES(mu_);
  // DeleteStack's start: the answer when it is known at once.
  std::optional<Status> start_delete_locked(const CallContext& ctx, const std::string& name,
                                            const std::function<void(Status)>& done,
                                            std::vector<std::string> retain, bool force)
      REQUIRES(mu_);
  std::string new_stack_id(const CallContext& ctx, const std::string& name) const;
  // Where this server answers ("http://host:port"; "" when not known).
  std::string server_endpoint() const;
  // The address a stack's next operation names in what it sends (custom
  // resources' ResponseURLs): its caller's, or this server's when the
  // operation has no caller (a restart, RollbackStack).
  void address_locked(StackState& s, const std::string& caller) const REQUIRES(mu_);
  Result<std::unique_ptr<Run>> run_for_locked(const StackState& s, std::string kind) const
      REQUIRES(mu_);

  // Answers the when_settled() callers of a stack whose operation ended
  // (called once its last commit is durable).
  void notify_settled(const std::string& stack_id) EXCLUDES(mu_);

  struct Once {
    std::atomic<bool> fired{false};
    std::function<void()> fn;
    void fire() {
      if (!fired.exchange(true)) fn();
    }
  };

  Environment& env_;
  OperationCalls* calls_;
  mutable Mutex mu_;
  mutable CustomResponses responses_{env_.scheduler, env_.workers};  // thread-safe
  // Posted steps and commit callbacks enter it first: after ~Engine closes
  // it, a queued one does nothing (the restart resumes the operation).
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::map<std::string, StackState> stacks_ GUARDED_BY(mu_);  // by id
  std::map<std::string, std::unique_ptr<Run>> runs_ GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::shared_ptr<Once>>> settle_waiters_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::cloudformation
