#include "runtime/tests/test_env.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "storage/test_dir.h"

namespace nimbus::runtime::testing {
namespace fs = std::filesystem;

struct MemorySink::State {
  mutable std::mutex mu;
  std::vector<std::string> lines;
  std::vector<LogLine> entries;
  uint64_t bytes = 0;
};
std::shared_ptr<MemorySink::State> MemorySink::make_state() {
  return std::make_shared<State>();
}

void MemorySink::write(const std::string&, const std::string&, std::vector<LogLine> lines) {
  std::lock_guard l(s_->mu);
  for (auto& line : lines) {
    s_->bytes += line.text.size();
    if (s_->lines.size() < 10000) {
      s_->lines.push_back(line.text);
      s_->entries.push_back(std::move(line));
    }
  }
}
std::vector<std::string> MemorySink::lines() const {
  std::lock_guard l(s_->mu);
  return s_->lines;
}
std::vector<LogLine> MemorySink::entries() const {
  std::lock_guard l(s_->mu);
  return s_->entries;
}
std::string MemorySink::joined() const {
  std::string out;
  for (auto& l : lines()) out += l + "\n";
  return out;
}
uint64_t MemorySink::bytes() const {
  std::lock_guard l(s_->mu);
  return s_->bytes;
}
void MemorySink::clear() {
  std::lock_guard l(s_->mu);
  s_->lines.clear();
  s_->entries.clear();
  s_->bytes = 0;
}

MemorySink& sink() {
  static MemorySink* s = new MemorySink;
  return *s;
}

std::string scratch_dir() {
  // Made before the host, so removed after it is destroyed. Open to all: the
  // environments run under uids of their own and read the host's state.
  static nimbus::storage::testing::TempDir dir("nimbus-runtime-test");
  static const bool opened = [] {
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read |
                                    fs::perms::others_exec);
    return true;
  }();
  (void)opened;
  return dir.path();
}

SimulatedClock& test_clock() {
  static SimulatedClock* c = new SimulatedClock(std::chrono::system_clock::now());
  return *c;
}

Host& host() {
  // Destroyed at exit, which removes the parent cgroups it created.
  static std::unique_ptr<Host> h = [] {
    HostOptions o;
    o.state_dir = scratch_dir() + "/state";
    o.init_timeout = std::chrono::milliseconds(3000);
    o.log_sink = &sink();
    o.clock = &test_clock();
    // What the Lambda service's source gives: the role's session.
    // A role ARN ending in "/expiring" gets credentials valid for 30 more
    // minutes of the test clock; the rest never expire.
    o.credentials = [](const FunctionSpec& f) -> Result<RoleCredentials> {
      if (f.role_arn.empty()) return Error::validation("no role");
      std::chrono::system_clock::time_point expiration{};
      if (f.role_arn.ends_with("/expiring")) {
        expiration = test_clock().now() + std::chrono::minutes(30);
      }
      return RoleCredentials{"AKIDTEST", "secret", "token", expiration};
    };
    auto r = Host::create(o);
    if (!r) {
      fprintf(stderr, "Host::create: %s\n", r.error().message.c_str());
      std::abort();
    }
    fprintf(stderr, "isolation: %s\n", (*r)->describe_isolation().c_str());
    return std::move(*r);
  }();
  return *h;
}

std::string make_code(const std::map<std::string, std::string>& files) {
  static std::atomic<int> n{0};
  std::string dir = scratch_dir() + "/code-" + std::to_string(n++);
  fs::create_directories(dir);
  for (auto& [name, content] : files) {
    bool exec = name.size() > 2 && name.substr(name.size() - 2) == "+x";
    std::string file = dir + "/" + (exec ? name.substr(0, name.size() - 2) : name);
    fs::create_directories(fs::path(file).parent_path());
    std::ofstream(file) << content;
    if (exec) ::chmod(file.c_str(), 0755);
  }
  return dir;
}

std::shared_ptr<FunctionSpec> spec(const std::string& runtime, const std::string& handler,
                                   const std::string& code_dir) {
  auto f = std::make_shared<FunctionSpec>();
  static std::atomic<int> n{0};
  f->name = "fn" + std::to_string(n++);
  f->arn = "arn:aws:lambda:us-east-1:000000000000:function:" + f->name;
  f->runtime = runtime;
  f->handler = handler;
  f->code_dir = code_dir;
  f->role_arn = "arn:aws:iam::000000000000:role/test-role";
  f->endpoint_url = "http://127.0.0.1:4566";
  f->timeout = std::chrono::milliseconds(5000);
  return f;
}

std::string echo_function_path() {
  return NIMBUS_ECHO_FUNCTION;
}

std::shared_ptr<FunctionSpec> echo_spec() {
  static std::string dir = [] {
    std::string d = make_code({});
    fs::copy_file(echo_function_path(), d + "/bootstrap");
    return d;
  }();
  return spec("provided.al2023", "unused", dir);
}

InvokeRequest request(const std::string& payload) {
  static std::atomic<int> n{0};
  InvokeRequest r;
  r.request_id = "00000000-0000-4000-8000-" + std::to_string(100000000000 + n++);
  r.payload = payload;
  return r;
}

InvokeResult invoke(Environment& env, const std::string& payload) {
  return invoke(env, request(payload));
}

InvokeResult invoke(Environment& env, InvokeRequest request) {
  std::promise<InvokeResult> p;
  env.invoke(std::move(request), [&p](InvokeResult r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

InvokeResult invoke_once(std::shared_ptr<FunctionSpec> f, const std::string& payload) {
  auto env = Environment::create(host(), std::move(f));
  InvokeResult r = invoke(*env, payload);
  env->kill();
  return r;
}

InvokeResult invoke(Pool& pool, std::shared_ptr<const FunctionSpec> f, const std::string& payload) {
  std::promise<InvokeResult> p;
  pool.invoke(std::move(f), request(payload), [&p](InvokeResult r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

bool wait_quiet(std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (host().live_environments().load() == 0 && child_processes() == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int child_processes() {
  int count = 0;
  std::string me = std::to_string(::getpid());
  for (auto& e : fs::directory_iterator("/proc")) {
    std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string line;
    std::getline(in, line);
    auto rp = line.rfind(')');
    if (rp == std::string::npos) continue;
    std::string state, ppid;
    std::istringstream(line.substr(rp + 2)) >> state >> ppid;
    if (ppid == me) ++count;
  }
  // The host's spare sandboxes (spawn.h) are ours by design, not leaks.
  return count - static_cast<int>(host().spare_sandboxes());
}

int mount_count() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

static int subdirs(const std::string& dir) {
  if (dir.empty() || !fs::exists(dir)) return 0;
  int n = 0;
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) ++n;
  return n;
}

int cgroup_children() {
  const Isolation& iso = host().isolation();
  int per_spare = 1 + !iso.pids_cgroup_parent.empty() + !iso.cpu_cgroup_parent.empty();
  return subdirs(iso.cgroup_parent) + subdirs(iso.pids_cgroup_parent) +
         subdirs(iso.cpu_cgroup_parent) - per_spare * static_cast<int>(host().spare_sandboxes());
}
int env_dirs() {
  return subdirs(host().env_root());
}

}  // namespace nimbus::runtime::testing
