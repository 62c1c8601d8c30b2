#include "cli/watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace nimbus::cli {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB;

}  // namespace

Watcher::Watcher() {
  inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  signals_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

Watcher::~Watcher() {
  if (inotify_ >= 0) ::close(inotify_);
  if (signals_ >= 0) ::close(signals_);
}

Status Watcher::add(const std::string& dir, bool recursive) {
  if (inotify_ < 0 || signals_ < 0) {
    return Error::make("WatchError", std::string("inotify: ") + std::strerror(errno));
  }
  int wd = ::inotify_add_watch(inotify_, dir.c_str(), kEvents);
  if (wd < 0) {
    return Error::make("WatchError", "cannot watch " + dir + ": " + std::strerror(errno));
  }
  // The same folder twice is one watch; it stays recursive once asked to be.
  auto it = dirs_.try_emplace(wd, dir, recursive).first;
  if (!recursive) return Status::ok();
  it->second.second = true;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (e.is_directory() && !e.is_symlink() && name != ".git" && name != "__pycache__") {
      if (auto st = add(e.path().string(), true); !st) return st;
    }
  }
  return Status::ok();
}

bool Watcher::drain(std::set<std::string>& changed) {
  signalfd_siginfo info;
  if (::read(signals_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) return false;
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n <= 0) return true;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + e->len;
      auto it = dirs_.find(e->wd);
      if (it == dirs_.end() || e->len == 0) continue;
      std::string path = it->second.first + "/" + e->name;
      // Editors' swap and backup files are not changes of the code.
      std::string name = e->name;
      if (name.ends_with("~") || name.ends_with(".swp") || name.ends_with(".swx") ||
          name == "4913" || name == "__pycache__" || name.ends_with(".pyc")) {
        continue;
      }
      if ((e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) && it->second.second) {
        (void)add(path, true);
      }
      changed.insert(path);
    }
  }
}

std::optional<std::set<std::string>> Watcher::wait(std::chrono::milliseconds quiet) {
  std::set<std::string> changed;
  pollfd fds[2] = {{inotify_, POLLIN, 0}, {signals_, POLLIN, 0}};
  while (changed.empty()) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return std::nullopt;
    if (!drain(changed)) return std::nullopt;
  }
  for (;;) {
    int ready = ::poll(fds, 2, static_cast<int>(quiet.count()));
    if (ready == 0) return changed;
    if (ready < 0 && errno != EINTR) return changed;
    if (!drain(changed)) return std::nullopt;
  }
}

}  // namespace nimbus::cli
