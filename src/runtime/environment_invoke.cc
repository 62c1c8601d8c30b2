// The Runtime API side of an environment: handing invocations to the
// runtime, collecting responses and errors, deadlines, START/END/REPORT.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cmath>

#include "runtime/environment_impl.h"
#include "runtime/sys.h"

namespace nimbus::runtime {
namespace {

// Go's os.ProcessState wording, which Lambda's messages use.
std::string signal_name(int sig) {
  switch (sig) {
    case SIGKILL:
      return "killed";
    case SIGSEGV:
      return "segmentation fault";
    case SIGABRT:
      return "aborted";
    case SIGTERM:
      return "terminated";
    case SIGBUS:
      return "bus error";
    case SIGILL:
      return "illegal instruction";
    case SIGFPE:
      return "floating point exception";
    default:
      return fmt::format("signal {}", sig);
  }
}

// The body of /error as Lambda returns it: the runtime's JSON document if it
// is one, else a document around the text. Returns the errorType it names.
std::string error_document(std::string& body, const std::string& header_type) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  std::string type = header_type;
  if (!ec && v.is_object()) {
    if (auto* t = v.as_object().if_contains("errorType"); t && t->is_string() && type.empty())
      type = std::string(t->as_string());
    return type;
  }
  if (type.empty()) type = "Unhandled";
  body = boost::json::serialize(boost::json::object{{"errorMessage", body}, {"errorType", type}});
  return type;
}

}  // namespace

std::string init_timeout_document(const std::string& request_id,
                                  std::chrono::milliseconds init_timeout) {
  std::string msg = fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds",
                                request_id, std::chrono::duration<double>(init_timeout).count());
  return boost::json::serialize(
      boost::json::object{{"errorMessage", msg}, {"errorType", "Sandbox.Timedout"}});
}

std::string EnvImpl::exit_message() const {
  if (WIFSIGNALED(exit_status_))
    return "Runtime exited with error: signal: " + signal_name(WTERMSIG(exit_status_));
  return fmt::format("Runtime exited with error: exit status {}", WEXITSTATUS(exit_status_));
}

uint32_t EnvImpl::max_memory_mb() const {
  uint64_t bytes = cgroup_.peak_bytes();
  if (bytes == 0 && pid_ > 0) {
    std::string status = sys::read_file(fmt::format("/proc/{}/status", pid_.load()));
    auto at = status.find("VmHWM:");
    if (at != std::string::npos) bytes = std::strtoull(status.c_str() + at + 6, nullptr, 10) << 10;
  }
  return static_cast<uint32_t>((bytes + (1 << 20) - 1) >> 20);
}

void EnvImpl::arm_timer(SteadyClock::time_point at) {
  timer_at_ = at;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_timer();
  });
}

void EnvImpl::on_next(ApiReply reply) {
  pending_next_ = std::move(reply);
  // A fast runtime can ask before on_spawned() has run; it picks this up.
  if (!spawning_) next_arrived();
}

void EnvImpl::next_arrived() {
  if (!pending_next_) return;
  if (state() == State::kStarting) {
    init_duration_ =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - spawn_started_);
    set_state(State::kReady);
    timer_.cancel();
    timer_at_ = {};
    auto waiters = std::move(ready_waiters_);
    ready_waiters_.clear();
    for (auto& w : waiters) w(InvokeResult::make(InvokeStatus::kOk));
  }
  if (current_ && !current_->dispatched && state() == State::kReady) dispatch();
}

void EnvImpl::dispatch() {
  Current& c = *current_;
  c.dispatched = true;
  set_state(State::kBusy);
  // Lambda-Runtime-Deadline-Ms is in the server's clock; the kill timer runs
  // on the loop's steady clock, since the child process runs in real time.
  auto now = host_.clock().now();
  auto deadline = now + spec_->timeout;
  if (c.request.deadline.time_since_epoch().count() != 0 && c.request.deadline < deadline)
    deadline = c.request.deadline;
  c.started = SteadyClock::now();
  c.deadline = c.started + std::chrono::duration_cast<SteadyClock::duration>(deadline - now);
  // The deadline timer is armed lazily: one still armed for an earlier
  // invocation (same timeout, so earlier) stays, and on_timer() moves it on
  // to this one's deadline. A warm invoke then neither arms nor cancels one.
  if (timer_at_ == SteadyClock::time_point{} || timer_at_ > c.deadline) arm_timer(c.deadline);
  logs_->platform(
      fmt::format("START RequestId: {} Version: {}", c.request.request_id, spec_->version));
  ApiResponse r{200, {}, c.request.payload};
  r.headers = {{"Lambda-Runtime-Aws-Request-Id", c.request.request_id},
               {"Lambda-Runtime-Deadline-Ms", std::to_string(Clock::to_millis(deadline))},
               {"Lambda-Runtime-Invoked-Function-Arn",
                c.request.invoked_arn.empty() ? spec_->arn : c.request.invoked_arn}};
  if (!c.request.trace_id.empty())
    r.headers.emplace_back("Lambda-Runtime-Trace-Id", c.request.trace_id);
  if (!c.request.client_context.empty())
    r.headers.emplace_back("Lambda-Runtime-Client-Context", c.request.client_context);
  if (!c.request.cognito_identity.empty())
    r.headers.emplace_back("Lambda-Runtime-Cognito-Identity", c.request.cognito_identity);
  auto next = std::move(pending_next_);
  pending_next_ = nullptr;
  next(std::move(r));
}

void EnvImpl::on_response(const std::string& id, std::string body, ApiReply reply) {
  if (!current_ || !current_->dispatched || current_->request.request_id != id)
    return reply(ApiResponse::error(400, "InvalidRequestID", "unknown request id " + id));
  reply(ApiResponse::accepted());
  complete(InvokeStatus::kOk, std::move(body), "", false);
}

void EnvImpl::on_error(const std::string& id, std::string type, std::string body, ApiReply reply) {
  if (!current_ || !current_->dispatched || current_->request.request_id != id)
    return reply(ApiResponse::error(400, "InvalidRequestID", "unknown request id " + id));
  reply(ApiResponse::accepted());
  std::string error_type = error_document(body, type);
  complete(InvokeStatus::kFunctionError, std::move(body), error_type, false);
}

void EnvImpl::on_init_error(std::string type, std::string body, ApiReply reply) {
  reply(ApiResponse::accepted());
  if (state() != State::kStarting) return;
  std::string error_type = error_document(body, type);
  if (logs_) logs_->drain_now();
  fail_init(InvokeStatus::kInitError, std::move(body), error_type);
  do_kill();
}

void EnvImpl::on_timer() {
  timer_at_ = {};
  State s = state();
  if (s == State::kStarting) {
    auto secs = std::chrono::duration<double>(host_.options().init_timeout).count();
    std::string id = current_ ? current_->request.request_id : std::string();
    if (logs_)
      logs_->platform(fmt::format(
          "INIT_REPORT Init Duration: {:.2f} ms\tPhase: init\tStatus: timeout", secs * 1000));
    fail_init(InvokeStatus::kTimeout, init_timeout_document(id, host_.options().init_timeout),
              "Sandbox.Timedout");
    return do_kill();
  }
  if (s != State::kBusy || !current_) return;
  if (SteadyClock::now() < current_->deadline) return arm_timer(current_->deadline);
  auto secs = std::chrono::duration<double>(SteadyClock::now() - current_->started).count();
  const std::string& id = current_->request.request_id;
  logs_->drain_now();
  logs_->platform(fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {} Task timed out after {:.2f} seconds",
                              std::chrono::floor<std::chrono::milliseconds>(host_.clock().now()),
                              id, secs));
  std::string msg =
      fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds", id, secs);
  complete(InvokeStatus::kTimeout,
           boost::json::serialize(
               boost::json::object{{"errorMessage", msg}, {"errorType", "Sandbox.Timedout"}}),
           "Sandbox.Timedout", true);
}

void EnvImpl::fail_init(InvokeStatus status, std::string payload, std::string error_type) {
  InvokeResult r;
  r.status = status;
  r.payload = std::move(payload);
  r.error_type = error_type;
  r.function_error = status == InvokeStatus::kInternal ? "" : "Unhandled";
  r.cold_start = true;
  r.init_duration =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - spawn_started_);
  if (logs_) {
    logs_->flush();
    r.log_tail = logs_->tail();
  }
  auto waiters = std::move(ready_waiters_);
  ready_waiters_.clear();
  for (auto& w : waiters) w(r);
  if (current_) {
    auto done = std::move(current_->done);
    current_.reset();
    done(std::move(r));
  }
}

void EnvImpl::complete(InvokeStatus status, std::string payload, std::string error_type,
                       bool fatal) {
  if (!current_) return;
  Current c = std::move(*current_);
  current_.reset();
  if (!fatal && state() == State::kBusy) set_state(State::kReady);
  InvokeResult r;
  r.status = status;
  r.payload = std::move(payload);
  r.error_type = std::move(error_type);
  if (status != InvokeStatus::kOk) r.function_error = "Unhandled";
  if (c.dispatched) {
    r.duration =
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - c.started);
    r.billed_duration = std::chrono::milliseconds(
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil(r.duration.count() / 1000.0))));
  }
  r.max_memory_used_mb = max_memory_mb();
  if (!init_reported_) {
    init_reported_ = true;
    r.cold_start = true;
    r.init_duration = init_duration_;
  }
  if (logs_) {
    logs_->drain_now();
    const std::string& id = c.request.request_id;
    logs_->platform(fmt::format("END RequestId: {}", id));
    std::string report = fmt::format(
        "REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} MB\t"
        "Max Memory Used: {} MB",
        id, r.duration.count() / 1000.0, r.billed_duration.count(), spec_->memory_mb,
        r.max_memory_used_mb);
    if (r.cold_start)
      report += fmt::format("\tInit Duration: {:.2f} ms", r.init_duration.count() / 1000.0);
    if (status == InvokeStatus::kTimeout) report += "\tStatus: timeout";
    if (status == InvokeStatus::kOutOfMemory)
      report += "\tStatus: error\tError Type: Runtime.OutOfMemory";
    logs_->platform(report);
    logs_->flush();
    r.log_tail = logs_->tail();
    logs_->reset_tail();
  }
  if (fatal) do_kill();
  c.done(std::move(r));
}

}  // namespace nimbus::runtime
