#include "runtime/host.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/thread_name.h"
#include "common/thread_role.h"
#include "runtime/bootstraps.h"

namespace nimbus::runtime {
namespace fs = std::filesystem;
namespace {

// The real path of an interpreter: an explicit one, /usr/bin/<name>, else
// the first on PATH (pyenv-style shims resolve through `sys.executable`
// only when run; a symlink chain is all we follow here).
std::string find_interpreter(const std::string& given, const std::string& name) {
  std::vector<std::string> candidates;
  if (!given.empty()) candidates.push_back(given);
  candidates.push_back("/usr/bin/" + name);
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      if (end > start) candidates.push_back(p.substr(start, end - start) + "/" + name);
      start = end + 1;
    }
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    fs::path real = fs::canonical(c, ec);
    if (!ec && ::access(real.c_str(), X_OK) == 0) return real.string();
  }
  return {};
}

// An interpreter outside /usr needs its installation prefix in the sandbox.
void add_prefix(const std::string& exe, std::vector<std::string>& extra) {
  if (exe.rfind("/usr/", 0) == 0) return;
  extra.push_back(fs::path(exe).parent_path().parent_path().string());
}

bool starts_with(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}

// "python3.X" directories a layer's site-packages may use: the runtime's
// name (what the layer was built for) and the host interpreter's, when
// they differ.
std::vector<std::string> python_versions(const std::string& runtime, const std::string& python) {
  std::vector<std::string> out;
  auto add = [&out](std::string v) {
    if (v.size() > 8 && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  if (runtime.find_first_not_of("python0123456789.") == std::string::npos) add(runtime);
  std::string exe = fs::path(python).filename().string();
  if (starts_with(exe, "python3.")) add(exe);
  return out;
}

// "nodejs20.x" -> "20" (the /opt/nodejs/nodeNN/node_modules folder).
std::string node_major(const std::string& runtime) {
  std::string digits;
  for (size_t i = 6; i < runtime.size() && std::isdigit(static_cast<unsigned char>(runtime[i]));
       ++i)
    digits.push_back(runtime[i]);
  return digits;
}

}  // namespace

Host::Host(HostOptions options)
    : options_(std::move(options)), uid_serial_(std::random_device{}() % kSandboxUids) {}

Result<std::unique_ptr<Host>> Host::create(HostOptions options) {
  if (options.state_dir.empty()) return Error::validation("runtime: state_dir is required");
  std::unique_ptr<Host> host(new Host(std::move(options)));
  std::error_code ec;
  fs::create_directories(host->env_root(), ec);
  if (ec)
    return Error::internal("runtime: cannot create " + host->env_root() + ": " + ec.message());
  NIMBUS_TRY(host->install_bootstraps());
  host->isolation_ = probe_isolation(host->options_.isolation);
  if (host->options_.isolation.private_network && !host->isolation_.net_ns) {
    return Error::internal(
        "functions without a network need a network namespace per environment, which this "
        "machine refuses (CLONE_NEWNET needs CAP_SYS_ADMIN: run nimbus as root) or the "
        "server's port is unknown");
  }
  host->python_ = find_interpreter(host->options_.python, "python3");
  host->node_ = find_interpreter(host->options_.node, "node");
  host->workers_ = std::make_unique<WorkerPool>(std::max(1u, host->options_.spawn_threads),
                                                ThreadRole::kRuntimeSpawn);
  if (!host->python_.empty()) host->workers_->post([h = host.get()] { h->compile_python(); });
  if (host->isolation_.cgroup_version && host->options_.spare_sandboxes) {
    host->spares_ =
        std::make_unique<SpareSandboxes>(host->isolation_, host->options_.spare_sandboxes);
    host->workers_->post([h = host.get()] { h->spares_->refill(); });
  }
  host->loop_thread_ = std::thread([h = host.get()] {
    set_thread_role(ThreadRole::kRuntimeLoop);
    set_thread_name("nimbus-runtime");
    h->loop_.run();
  });
  return host;
}

Host::~Host() {
  // Killed environments finish on the loop and the workers (reap, cgroup and
  // directory removal, then they drop their self-reference). Stopping the
  // loop under them would abandon that half-way: give them up to 3 s.
  for (int i = 0; i < 300 && live_.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  work_.reset();
  loop_.stop();
  if (loop_thread_.joinable()) loop_thread_.join();
  workers_.reset();
  spares_.reset();
  release_isolation(isolation_);
}

std::string Host::describe_isolation() const {
  std::string s = isolation_.describe();
  s += "; python: " + (python_.empty() ? std::string("not found") : python_);
  s += "; node: " + (node_.empty() ? std::string("not found") : node_);
  return s;
}

std::optional<Result<Spawned>> Host::spawn_in_spare(const SpawnPlan& plan, uint64_t limit_bytes,
                                                    Cgroup& cgroup) {
  assert_may_block("Host::spawn_in_spare");
  if (!spares_) return std::nullopt;
  auto spawned = spares_->take(plan, limit_bytes, cgroup);
  workers_->post([this] { spares_->refill(); });
  return spawned;
}

// Compiling the Python bootstrap is ~1.4 ms of every cold start, and the
// sandbox cannot cache it: the host writes bootstrap.pyc once (atomically,
// with the path the sandbox sees for tracebacks), and launch_for() uses it
// once it exists.
void Host::compile_python() {
  std::string dir = runtime_dir() + "/python";
  std::string shown =
      (isolation_.mount_ns ? std::string("/var/runtime") : runtime_dir()) + "/python/bootstrap.py";
  std::string src = dir + "/bootstrap.py", pyc = dir + "/bootstrap.pyc";
  const char* argv[] = {python_.c_str(),
                        "-c",
                        "import py_compile, sys; py_compile.compile(sys.argv[1], "
                        "cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)",
                        src.c_str(),
                        pyc.c_str(),
                        shown.c_str(),
                        nullptr};
  const char* env[] = {"PATH=/usr/bin:/bin", nullptr};
  pid_t pid;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, const_cast<char**>(argv),
                  const_cast<char**>(env)) != 0)
    return;
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ::unlink(pyc.c_str());
}

Status Host::install_bootstraps() {
  // A bootstrap.pyc of an earlier binary must not outlive its source.
  ::unlink((runtime_dir() + "/python/bootstrap.pyc").c_str());
  for (auto [rel, text] : {std::pair{"python/bootstrap.py", kPythonBootstrap},
                           std::pair{"node/bootstrap.cjs", kNodeBootstrap}}) {
    fs::path path = fs::path(runtime_dir()) / rel;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fs::path tmp = path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out) return Error::internal("runtime: cannot write " + tmp.string());
    }
    fs::rename(tmp, path, ec);
    if (ec) return Error::internal("runtime: cannot install " + path.string());
  }
  // The sandbox's PID 1, read-only and executable by the function's user.
  std::string init = init_path(runtime_dir()), tmp = init + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0555);
  if (fd < 0) return Error::internal("runtime: cannot write " + tmp);
  bool written = ::write(fd, kInitImage, kInitImageSize) == static_cast<ssize_t>(kInitImageSize);
  written = ::fchmod(fd, 0555) == 0 && written;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), init.c_str()) != 0)
    return Error::internal("runtime: cannot install " + init);
  return Status::ok();
}

Result<Launch> Host::launch_for(const FunctionSpec& spec, const std::string& task_root,
                                const std::string& runtime_root,
                                const std::string& opt_root) const {
  Launch l;
  const std::string& rt = spec.runtime;
  if (starts_with(rt, "python3")) {
    if (python_.empty())
      return Error::make("InvalidRuntimeException", "python3 is not installed on this host", 502);
    struct stat st {};
    bool compiled = ::stat((runtime_dir() + "/python/bootstrap.pyc").c_str(), &st) == 0;
    l.argv = {python_, runtime_root + "/python/bootstrap.py" + (compiled ? "c" : "")};
    add_prefix(python_, l.extra_ro);
    // Lambda's order: the function, then the layers' site directory and
    // their python/ folder.
    std::string path = task_root;
    for (const auto& v : python_versions(rt, python_))
      path += ":" + opt_root + "/python/lib/" + v + "/site-packages";
    path += ":" + opt_root + "/python";
    l.env = {"PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1", "PYTHONPATH=" + path};
    l.execution_env = "AWS_Lambda_" + rt;
  } else if (starts_with(rt, "nodejs")) {
    if (node_.empty())
      return Error::make("InvalidRuntimeException", "node is not installed on this host", 502);
    l.argv = {node_, runtime_root + "/node/bootstrap.cjs"};
    add_prefix(node_, l.extra_ro);
    std::string path;
    if (auto major = node_major(rt); !major.empty())
      path = opt_root + "/nodejs/node" + major + "/node_modules:";
    path += opt_root + "/nodejs/node_modules:" + runtime_root + "/node_modules:" + task_root;
    l.env = {"NODE_PATH=" + path};
    l.execution_env = "AWS_Lambda_" + rt;
  } else if (starts_with(rt, "provided")) {
    // The function's own bootstrap, else one a layer brings (/opt/bootstrap).
    std::string host_bootstrap = spec.code_dir + "/bootstrap";
    std::string seen = task_root + "/bootstrap";
    struct stat st {};
    if (::stat(host_bootstrap.c_str(), &st) != 0 && !spec.layers_dir.empty()) {
      host_bootstrap = spec.layers_dir + "/bootstrap";
      seen = opt_root + "/bootstrap";
    }
    if (::stat(host_bootstrap.c_str(), &st) != 0)
      return Error::make("Runtime.InvalidEntrypoint",
                         "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]",
                         502);
    if (!(st.st_mode & S_IXUSR))
      return Error::make("Runtime.InvalidEntrypoint",
                         "bootstrap is not executable: permission denied", 502);
    l.argv = {seen};
  } else {
    return Error::make("InvalidRuntimeException",
                       "The runtime parameter of " + rt + " is not supported", 502);
  }
  return l;
}

}  // namespace nimbus::runtime
