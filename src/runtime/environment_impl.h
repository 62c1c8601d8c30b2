// Environment's implementation, split over environment.cc (process
// lifecycle) and environment_invoke.cc (Runtime API and invocations).
// Internal to src/runtime. Every member below is touched on the Host's loop
// only, except where a comment says otherwise.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "runtime/environment.h"
#include "runtime/host.h"
#include "runtime/isolation.h"
#include "runtime/log_capture.h"
#include "runtime/runtime_api.h"
#include "runtime/spawn.h"

namespace nimbus::runtime {

using SteadyClock = std::chrono::steady_clock;

class EnvImpl final : public Environment,
                      public ApiHandler,
                      public std::enable_shared_from_this<EnvImpl> {
 public:
  enum class State { kNew, kStarting, kReady, kBusy, kDead };

  EnvImpl(Host& host, std::shared_ptr<const FunctionSpec> spec);
  ~EnvImpl() override;

  void start(ReadyDone done) override;
  void invoke(InvokeRequest request, InvokeDone done) override;
  void kill() override;
  bool dead() const override { return state_.load(std::memory_order_relaxed) == State::kDead; }
  bool busy() const override { return state_.load(std::memory_order_relaxed) == State::kBusy; }
  std::chrono::system_clock::time_point credentials_expiration() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::system_clock::duration(credentials_expire_.load(std::memory_order_relaxed)));
  }
  const FunctionSpec& spec() const override { return *spec_; }
  const std::string& log_stream() const override { return log_stream_; }
  int pid() const override { return pid_.load(std::memory_order_relaxed); }

  // ApiHandler (environment_invoke.cc)
  void on_next(ApiReply reply) override;
  void on_response(const std::string& id, std::string body, ApiReply reply) override;
  void on_error(const std::string& id, std::string type, std::string body, ApiReply reply) override;
  void on_init_error(std::string type, std::string body, ApiReply reply) override;

 private:
  struct Current {
    InvokeRequest request;
    InvokeDone done;
    bool dispatched = false;
    SteadyClock::time_point started{};
    SteadyClock::time_point deadline{};
  };

  // environment.cc: process lifecycle
  void begin_invoke(InvokeRequest request, InvokeDone done);
  void begin_start();
  Result<Spawned> prepare_and_spawn(uint16_t port);  // on a worker thread
  SpawnPlan plan(const Launch& launch, uint16_t port, const RoleCredentials& credentials) const;
  // Where the function sees its layers: /opt in a private root; without
  // one, the merged layers directory itself (or /opt when there is none).
  std::string opt_root(bool private_root) const {
    return private_root || spec_->layers_dir.empty() ? "/opt" : spec_->layers_dir;
  }
  void on_spawned(Result<Spawned> spawned);
  // A private network's endpoint listener: each connection goes to the
  // server's edge (HostOptions::serve_endpoint).
  void accept_endpoint();
  void on_exit();
  void do_kill();
  void teardown();
  void finish_cleanup(int attempt);
  void set_state(State s) { state_.store(s, std::memory_order_relaxed); }
  State state() const { return state_.load(std::memory_order_relaxed); }

  // environment_invoke.cc
  void next_arrived();  // a /next is pending: finish init, dispatch if work waits
  void dispatch();
  void on_timer();
  // Ends the current invocation (if any) with `status`; `fatal` ends the
  // environment too.
  void complete(InvokeStatus status, std::string payload, std::string error_type, bool fatal);
  // Fails the init phase: ready waiters and a waiting invocation.
  void fail_init(InvokeStatus status, std::string payload, std::string error_type);
  std::string exit_message() const;
  uint32_t max_memory_mb() const;
  void arm_timer(SteadyClock::time_point at);

  Host& host_;
  std::shared_ptr<const FunctionSpec> spec_;
  std::string id_, log_stream_, dir_;
  uint32_t uid_ = 0;  // the function's user (Isolation::switch_user)
  // RoleCredentials::expiration (ticks of system_clock), set by the spawning worker.
  std::atomic<int64_t> credentials_expire_{0};
  std::atomic<State> state_{State::kNew};
  std::atomic<int> pid_{-1};
  RuntimeApi api_;
  std::optional<boost::asio::ip::tcp::acceptor> endpoint_;  // private network only
  Cgroup cgroup_;  // set up by the spawning worker, then loop-only
  std::unique_ptr<LogCapture> logs_;
  std::optional<boost::asio::posix::stream_descriptor> exit_watch_;  // owns the pidfd
  boost::asio::steady_timer timer_;
  SteadyClock::time_point timer_at_{};  // when timer_ fires; zero when not armed
  ApiReply pending_next_;
  std::optional<Current> current_;
  std::vector<ReadyDone> ready_waiters_;
  SteadyClock::time_point spawn_started_{};
  std::chrono::microseconds init_duration_{0};
  bool init_reported_ = false;  // the first invocation carries Init Duration
  bool kill_requested_ = false;
  bool killed_by_us_ = false;
  bool spawning_ = false;
  bool counted_live_ = false;
  bool torn_down_ = false;
  int exit_status_ = 0;
  int status_fd_ = -1;  // the runtime's wait status from our init (PID namespace)
  bool exited_ = false;
  std::shared_ptr<EnvImpl> self_;  // keeps us alive while a process exists
};

}  // namespace nimbus::runtime
