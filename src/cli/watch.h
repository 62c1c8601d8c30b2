// Changes under a set of folders and files (`nimbus deploy --watch`):
// inotify watches on every folder (new subfolders are watched as they come),
// the caller blocked in poll() until something changes — no polling loop.
// SIGINT and SIGTERM end a wait (through a signalfd), so the command can
// stop cleanly. One thread only.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"

namespace nimbus::cli {

class Watcher {
 public:
  Watcher();
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Watches the folder `dir` and, when `recursive`, every folder under it.
  Status add(const std::string& dir, bool recursive);

  // Blocks until a file under a watched folder is written, created, moved
  // or deleted, then until `quiet` passes with no further change (a burst
  // of saves is one change). The changed paths; nullopt when SIGINT or
  // SIGTERM came instead.
  std::optional<std::set<std::string>> wait(std::chrono::milliseconds quiet);

 private:
  // Reads what is queued into `changed` (false: a signal came).
  bool drain(std::set<std::string>& changed);

  int inotify_ = -1;
  int signals_ = -1;
  std::map<int, std::pair<std::string, bool>> dirs_;  // watch descriptor -> folder, recursive
};

}  // namespace nimbus::cli
