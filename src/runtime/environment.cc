// Process lifecycle of an environment: spawn, exit, kill and clean-up.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <random>

#include "runtime/environment_impl.h"
#include "runtime/sys.h"

namespace nimbus::runtime {
namespace {

std::string random_hex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string s;
  while (s.size() < n) s += fmt::format("{:016x}", rng());
  return s.substr(0, n);
}

}  // namespace

std::shared_ptr<Environment> Environment::create(Host& host,
                                                 std::shared_ptr<const FunctionSpec> spec) {
  return std::make_shared<EnvImpl>(host, std::move(spec));
}

EnvImpl::EnvImpl(Host& host, std::shared_ptr<const FunctionSpec> spec)
    : host_(host),
      spec_(std::move(spec)),
      id_(random_hex(32)),
      api_(host.loop(), *this),
      timer_(host.loop()) {
  log_stream_ =
      fmt::format("{:%Y/%m/%d}/[{}]{}", fmt::gmtime(std::time(nullptr)), spec_->version, id_);
  dir_ = host.env_root() + "/" + id_;
  if (host.isolation().switch_user) {
    uid_ = host.allocate_uid();
    // On the host's loopback any local process can connect; in a network
    // namespace of its own only the environment can.
    if (!host.isolation().net_ns) api_.only_from_uid(uid_);
  }
}

EnvImpl::~EnvImpl() = default;

void EnvImpl::start(ReadyDone done) {
  boost::asio::post(host_.loop(), [self = shared_from_this(), done = std::move(done)]() mutable {
    switch (self->state()) {
      case State::kNew:
        self->ready_waiters_.push_back(std::move(done));
        self->begin_start();
        break;
      case State::kStarting:
        self->ready_waiters_.push_back(std::move(done));
        break;
      case State::kReady:
      case State::kBusy:
        done(InvokeResult::make(InvokeStatus::kOk));
        break;
      case State::kDead:
        done(InvokeResult::make(InvokeStatus::kInternal, "environment is dead"));
        break;
    }
  });
}

void EnvImpl::invoke(InvokeRequest request, InvokeDone done) {
  // The Pool calls from the loop already: no second hand-off for a warm invoke.
  if (host_.on_loop()) return begin_invoke(std::move(request), std::move(done));
  boost::asio::post(host_.loop(), [self = shared_from_this(), request = std::move(request),
                                   done = std::move(done)]() mutable {
    self->begin_invoke(std::move(request), std::move(done));
  });
}

void EnvImpl::begin_invoke(InvokeRequest request, InvokeDone done) {
  State s = state();
  if (s == State::kDead || current_ || kill_requested_) {
    bool dead = s == State::kDead;
    InvokeResult r = InvokeResult::make(InvokeStatus::kInternal,
                                        dead ? "environment is dead" : "environment is busy");
    if (dead && !kill_requested_) r.undelivered = std::move(request);
    return done(std::move(r));
  }
  current_ = Current{std::move(request), std::move(done)};
  if (s == State::kNew) begin_start();
  if (s == State::kReady && pending_next_) dispatch();
}

void EnvImpl::kill() {
  boost::asio::post(host_.loop(), [self = shared_from_this()] { self->do_kill(); });
}

void EnvImpl::begin_start() {
  set_state(State::kStarting);
  self_ = shared_from_this();
  counted_live_ = true;
  host_.live_environments().fetch_add(1);
  spawn_started_ = SteadyClock::now();
  arm_timer(spawn_started_ + host_.options().init_timeout);
  // In a network namespace of its own the sandbox makes the listener
  // (spawn.h); here, the host's loopback, on a port of its own.
  Result<uint16_t> port = host_.isolation().runtime_api_port;
  if (!host_.isolation().net_ns) port = api_.listen();
  if (!port) return on_spawned(port.take_error());
  spawning_ = true;
  host_.workers().post([self = shared_from_this(), p = *port] {
    auto spawned = self->prepare_and_spawn(p);
    boost::asio::post(self->host_.loop(), [self, spawned = std::move(spawned)]() mutable {
      self->on_spawned(std::move(spawned));
    });
  });
}

Result<Spawned> EnvImpl::prepare_and_spawn(uint16_t port) {
  const Isolation& iso = host_.isolation();
  bool private_root = iso.mount_ns;
  std::string task_root = private_root ? "/var/task" : spec_->code_dir;
  std::string runtime_root = private_root ? "/var/runtime" : host_.runtime_dir();
  auto launch = host_.launch_for(*spec_, task_root, runtime_root, opt_root(private_root));
  if (!launch) return launch.take_error();
  if (::mkdir(dir_.c_str(), 0700) != 0)
    return Error::internal("runtime: mkdir " + dir_ + ": " + sys::errno_text(errno));
  std::string root = dir_ + "/root";
  ::mkdir(root.c_str(), 0755);
  if (!private_root) {
    // No private /tmp: a directory only the function's user may enter.
    std::string tmp = dir_ + "/tmp";
    ::mkdir(tmp.c_str(), 0700);
    if (iso.switch_user &&
        (::chmod(dir_.c_str(), 0711) != 0 || ::chown(tmp.c_str(), uid_, uid_) != 0))
      return Error::internal("runtime: cannot give " + tmp + " to the function's user");
  }
  RoleCredentials credentials;
  if (const auto& source = host_.options().credentials) {
    auto minted = source(*spec_);
    if (minted) {
      credentials = std::move(*minted);
      credentials_expire_.store(credentials.expiration.time_since_epoch().count(),
                                std::memory_order_relaxed);
    } else {
      spdlog::warn("lambda: no credentials for {} (role {}): {}", spec_->name, spec_->role_arn,
                   minted.error().message);
    }
  }
  SpawnPlan p = plan(*launch, port, credentials);
  if (private_root)
    p.mounts = private_root_ops(root, spec_->code_dir, spec_->layers_dir, host_.runtime_dir(),
                                spec_->ephemeral_mb, launch->extra_ro);
  // Without a pids cgroup, the user's process count bounds a fork bomb
  // (the uid is this environment's own).
  if (!iso.limits_processes() && iso.switch_user) p.max_processes = kMaxProcesses;
  uint64_t limit = uint64_t{spec_->memory_mb} << 20;
  if (auto spawned = host_.spawn_in_spare(p, limit, cgroup_)) return std::move(*spawned);
  NIMBUS_TRY(cgroup_.create(iso, "env-" + id_, limit));
  if (!cgroup_.active()) p.memory_rlimit = limit;
  auto spawned = spawn(p, iso, cgroup_.join_fds());
  cgroup_.close_join_fds();
  return spawned;
}

SpawnPlan EnvImpl::plan(const Launch& launch, uint16_t port,
                        const RoleCredentials& credentials) const {
  const FunctionSpec& f = *spec_;
  bool private_root = host_.isolation().mount_ns;
  std::string task_root = private_root ? "/var/task" : f.code_dir;
  std::string runtime_root = private_root ? "/var/runtime" : host_.runtime_dir();
  SpawnPlan p;
  p.argv = launch.argv;
  if (host_.isolation().pid_ns) p.init = init_path(runtime_root);
  p.switch_user = host_.isolation().switch_user;
  p.uid = p.gid = uid_;
  p.cwd = task_root;
  p.hostname = "nimbus-" + id_.substr(0, 12);
  // The function's own variables first; the reserved ones below win.
  std::map<std::string, std::string> env(f.environment.begin(), f.environment.end());
  auto set = [&env](const std::string& k, const std::string& v) { env[k] = v; };
  std::string opt = opt_root(private_root);
  std::string path = "/usr/local/bin:/usr/bin:/bin:" + opt + "/bin";
  for (const auto& extra : launch.extra_ro) path = extra + "/bin:" + path;
  set("PATH", path);
  set("LD_LIBRARY_PATH", "/lib64:/usr/lib64:" + runtime_root + ":" + runtime_root +
                             "/lib:" + task_root + ":" + task_root + "/lib:" + opt + "/lib");
  set("LANG", "en_US.UTF-8");
  set("TZ", ":UTC");
  set("LAMBDA_TASK_ROOT", task_root);
  set("LAMBDA_RUNTIME_DIR", runtime_root);
  set("_HANDLER", f.handler);
  set("AWS_LAMBDA_FUNCTION_NAME", f.name);
  set("AWS_LAMBDA_FUNCTION_VERSION", f.version);
  set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(f.memory_mb));
  set("AWS_LAMBDA_LOG_GROUP_NAME", f.log_group());
  set("AWS_LAMBDA_LOG_STREAM_NAME", log_stream_);
  set("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + std::to_string(port));
  set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  set("AWS_REGION", f.region);
  set("AWS_DEFAULT_REGION", f.region);
  if (!launch.execution_env.empty()) set("AWS_EXECUTION_ENV", launch.execution_env);
  // The execution role's credentials, or none: never the server's own pair.
  if (!credentials.access_key_id.empty()) {
    set("AWS_ACCESS_KEY_ID", credentials.access_key_id);
    set("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key);
    if (!credentials.session_token.empty()) set("AWS_SESSION_TOKEN", credentials.session_token);
  }
  // Without a network but nimbus, the endpoint is nimbus's listener in the
  // function's own namespace.
  if (host_.isolation().net_ns)
    set("AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(host_.isolation().endpoint_port));
  else if (!f.endpoint_url.empty())
    set("AWS_ENDPOINT_URL", f.endpoint_url);
  if (!private_root) set("TMPDIR", dir_ + "/tmp");
  // The environment's uid has no passwd entry, so getpwuid finds no home
  // (Node's os.homedir() throws, which the JS SDK v3 calls while looking
  // for shared config files): HOME names the function's writable /tmp
  // unless the function sets its own.
  if (!env.contains("HOME")) set("HOME", private_root ? "/tmp" : dir_ + "/tmp");
  for (const auto& kv : launch.env) {
    auto eq = kv.find('=');
    set(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (auto& [k, v] : env) p.env.push_back(k + "=" + v);
  return p;
}

void EnvImpl::on_spawned(Result<Spawned> spawned) {
  spawning_ = false;
  if (!spawned) {
    Error e = spawned.take_error();
    bool user_fault = e.code.rfind("Runtime.", 0) == 0 || e.code == "InvalidRuntimeException";
    boost::json::object doc{{"errorMessage", e.message}, {"errorType", e.code}};
    fail_init(user_fault ? InvokeStatus::kInitError : InvokeStatus::kInternal,
              boost::json::serialize(doc), e.code);
    return teardown();
  }
  pid_ = spawned->pid;
  status_fd_ = spawned->status_fd;
  if (spawned->runtime_api_fd >= 0) {
    if (auto st = api_.adopt(spawned->runtime_api_fd, host_.isolation().runtime_api_port); !st)
      spdlog::warn("lambda: {}", st.error().message);  // the init timeout ends it
  }
  if (spawned->endpoint_fd >= 0) {
    boost::system::error_code ec;
    endpoint_.emplace(host_.loop());
    endpoint_->assign(boost::asio::ip::tcp::v4(), spawned->endpoint_fd, ec);
    if (ec)
      ::close(spawned->endpoint_fd);
    else
      accept_endpoint();
  }
  logs_ = std::make_unique<LogCapture>(host_.loop(), spawned->output_fd, host_.options().log_sink,
                                       host_.clock(), spec_->log_group(), log_stream_,
                                       host_.options().log_batch_interval);
  logs_->start();
  exit_watch_.emplace(host_.loop(), spawned->pidfd);
  exit_watch_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [self = shared_from_this()](boost::system::error_code) { self->on_exit(); });
  if (kill_requested_) return do_kill();
  next_arrived();
}

void EnvImpl::accept_endpoint() {
  endpoint_->async_accept(
      [self = shared_from_this()](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
        // Closed at teardown; any other error (out of descriptors) ends the
        // listener rather than spinning the loop on it.
        if (ec || self->torn_down_) return;
        boost::system::error_code ignored;
        s.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        if (const auto& serve = self->host_.options().serve_endpoint) {
          int fd = s.release(ignored);
          if (fd >= 0) serve(fd);
        }
        self->accept_endpoint();
      });
}

void EnvImpl::on_exit() {
  if (exited_) return;
  int status = 0;
  if (exit_watch_ && !sys::reap(exit_watch_->native_handle(), &status)) {
    // Spurious wake-up: keep watching.
    exit_watch_->async_wait(
        boost::asio::posix::stream_descriptor::wait_read,
        [self = shared_from_this()](boost::system::error_code) { self->on_exit(); });
    return;
  }
  exited_ = true;
  int runtime_status = 0;
  if (status_fd_ >= 0 && ::read(status_fd_, &runtime_status, sizeof runtime_status) ==
                             static_cast<ssize_t>(sizeof runtime_status))
    status = runtime_status;  // init reported how the runtime itself ended
  exit_status_ = status;
  pid_ = -1;
  if (logs_) logs_->drain_now();
  bool oom = cgroup_.oom_kills() > 0 || (!cgroup_.active() && WIFSIGNALED(status) &&
                                         WTERMSIG(status) == SIGKILL && !killed_by_us_);
  State s = state();
  if (s == State::kStarting && !killed_by_us_) {
    std::string type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    boost::json::object doc{
        {"errorMessage", "RequestId: " + (current_ ? current_->request.request_id : std::string()) +
                             " Error: " + exit_message()},
        {"errorType", type}};
    if (logs_) logs_->platform(exit_message() + " " + type);
    fail_init(InvokeStatus::kInitError, boost::json::serialize(doc), type);
  } else if (current_ && current_->dispatched) {
    std::string type = oom ? "Runtime.OutOfMemory" : "Runtime.ExitError";
    boost::json::object doc{{"errorMessage", "RequestId: " + current_->request.request_id +
                                                 " Error: " + exit_message()},
                            {"errorType", type}};
    if (logs_)
      logs_->platform("RequestId: " + current_->request.request_id + " Error: " + exit_message() +
                      "\n" + type);
    complete(oom ? InvokeStatus::kOutOfMemory : InvokeStatus::kExitError,
             boost::json::serialize(doc), type, true);
  }
  teardown();
}

void EnvImpl::do_kill() {
  kill_requested_ = true;
  State s = state();
  if (s == State::kNew) {
    set_state(State::kDead);
    return;
  }
  if (exited_ || spawning_) return;  // on_spawned / on_exit finish the job
  int pid = pid_;
  if (pid > 0) {
    killed_by_us_ = true;
    ::kill(pid, SIGKILL);   // PID 1 of its namespace: takes every descendant with it
    ::kill(-pid, SIGKILL);  // its process group, when there is no PID namespace
    cgroup_.kill_all();     // anything that left the group
  } else {
    teardown();
  }
}

void EnvImpl::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  set_state(State::kDead);
  timer_.cancel();
  timer_at_ = {};
  api_.close();
  if (endpoint_) {
    boost::system::error_code ec;
    endpoint_->close(ec);
  }
  if (current_ && !current_->dispatched && !kill_requested_ && init_duration_.count() != 0) {
    // A warm runtime ended between invocations, before taking this one.
    Current c = std::move(*current_);
    current_.reset();
    InvokeResult r = InvokeResult::make(
        InvokeStatus::kExitError,
        boost::json::serialize(boost::json::object{{"errorMessage", exit_message()},
                                                   {"errorType", "Runtime.ExitError"}}));
    r.error_type = "Runtime.ExitError";
    r.function_error = "Unhandled";
    r.undelivered = std::move(c.request);
    c.done(std::move(r));
  }
  if (current_)
    complete(InvokeStatus::kExitError,
             R"({"errorMessage":"environment killed","errorType":"Runtime.ExitError"})",
             "Runtime.ExitError", false);
  fail_init(InvokeStatus::kInternal, R"({"errorMessage":"environment killed"})", "");
  pending_next_ = nullptr;
  if (logs_) logs_->close();
  boost::system::error_code ec;
  if (exit_watch_) exit_watch_->close(ec);
  exit_watch_.reset();
  if (status_fd_ >= 0) ::close(status_fd_);
  status_fd_ = -1;
  finish_cleanup(0);
}

// Members of a killed group can take a moment to leave it, and much longer on
// a loaded machine: retry every 10 ms for the first 200 ms, then back off to
// once a second, killing stragglers again every tenth try, for about two
// minutes before giving the group up (and saying so).
void EnvImpl::finish_cleanup(int attempt) {
  constexpr int kFastTries = 20;
  constexpr int kMaxTries = 150;
  if (!cgroup_.destroy()) {
    if (attempt < kMaxTries) {
      if (attempt % 10 == 0) cgroup_.kill_all();
      int ms =
          attempt < kFastTries ? 10 : std::min(1000, 10 << std::min(attempt - kFastTries + 1, 7));
      auto delay = std::chrono::milliseconds(ms);
      timer_.expires_after(delay);
      timer_.async_wait([self = shared_from_this(), attempt](boost::system::error_code) {
        self->finish_cleanup(attempt + 1);
      });
      return;
    }
    spdlog::warn(
        "lambda: the control group of an environment of {} still has members; "
        "left in place",
        spec_ ? spec_->name : std::string("?"));
  }
  host_.workers().post([self = shared_from_this()] {
    sys::remove_tree(self->dir_);
    boost::asio::post(self->host_.loop(), [self] {
      if (self->counted_live_) self->host_.live_environments().fetch_sub(1);
      self->counted_live_ = false;
      self->logs_.reset();
      self->self_.reset();
    });
  });
}

}  // namespace nimbus::runtime
