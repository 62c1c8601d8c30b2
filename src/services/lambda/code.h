// Function code: a deployment package (zip) unpacked once per content hash
// under <root>/<sha256 hex>/, files read-only (0444, or 0555 when the zip
// marks them executable, so a provided runtime's `bootstrap` stays
// executable). Directories stay 0755 so the data directory can be removed;
// the sandbox mounts the code read-only at /var/task.
//
// Threads: install() does file I/O and blocks: worker pool only. Two calls
// for the same content may race; each unpacks into its own temporary
// directory and the first rename wins.
//
// CodeStore adds garbage collection: a directory lives while a function
// version references it or an install still pins it (between unpacking and
// the service registering the version); collect() removes the rest. The
// service snapshots its references with epoch() taken first: a directory
// pinned or released after that epoch is kept, so an install that finishes
// between the snapshot and the collection is never removed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace nimbus::services::lambda {

struct CodeInfo {
  std::string dir;         // <root>/<hex>
  std::string sha256_b64;  // CodeSha256 as Lambda reports it
  int64_t size = 0;        // CodeSize: the zip's size in bytes
};

// InvalidParameterValueException "Could not unzip uploaded file..." on a
// malformed zip; InvalidParameterValueException on an unzipped size beyond
// Lambda's 250 MB.
Result<CodeInfo> install_code(const std::string& root, std::string_view zip);

std::string sha256_raw(std::string_view bytes);

class CodeStore : public std::enable_shared_from_this<CodeStore> {
 public:
  explicit CodeStore(std::string root) : root_(std::move(root)) {}
  CodeStore(const CodeStore&) = delete;
  CodeStore& operator=(const CodeStore&) = delete;

  // Keeps one directory from collection until destroyed (release it once the
  // version that uses the directory is registered).
  class Pin {
   public:
    Pin() = default;
    Pin(std::shared_ptr<CodeStore> store, std::string dir)
        : store_(std::move(store)), dir_(std::move(dir)) {}
    Pin(Pin&&) noexcept = default;
    Pin& operator=(Pin&& o) noexcept;
    ~Pin() { release(); }

   private:
    void release();
    std::shared_ptr<CodeStore> store_;
    std::string dir_;
  };

  struct Installed {
    CodeInfo info;
    Pin pin;
  };

  // Blocking (worker pool). install_code() plus a pin on the directory. The
  // store must be owned by a shared_ptr.
  Result<Installed> install(std::string_view zip);

  // Cheap, never blocks on file work (event loops and timers may call them).
  uint64_t epoch() const;
  // A version stopped using `dir` (code update, delete): collections whose
  // epoch was taken earlier keep it, so it lives its own full delay.
  void released(const std::string& dir);

  // Blocking (worker pool). Removes every directory under the root (code and
  // leftover temporaries) that is not in `referenced`, not pinned and not
  // pinned or released since `since` (an epoch() taken before `referenced`
  // was built). Returns how many directories were removed.
  size_t collect(const std::set<std::string>& referenced, uint64_t since);

  const std::string& root() const { return root_; }

 private:
  void touch_locked(const std::string& dir) { touched_[dir] = ++epoch_; }

  const std::string root_;
  // Held across an unpack and its pin, and across a collection's removals,
  // so a collection never removes what an install just found.
  std::mutex files_mu_;
  mutable std::mutex mu_;                    // the bookkeeping below; held briefly
  uint64_t epoch_ = 0;                       // guarded by mu_
  std::map<std::string, int> pins_;          // dir -> count; guarded by mu_
  std::map<std::string, uint64_t> touched_;  // dir -> epoch of last pin/release; guarded by mu_
};

}  // namespace nimbus::services::lambda
