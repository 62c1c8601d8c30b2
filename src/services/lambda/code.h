// Function code. The deployment package (zip) is a durable blob in storage's
// BlobStore, named by a record in namespace "lambda.code" (key: SHA-256 hex
// of the zip, value {"blob": id, "size": bytes}); a function version names
// its code by that hash. The unpacked tree under <cache root>/<sha256 hex>/
// is a node-local cache: it is rebuilt from the blob when it is missing (a
// new data directory, a cleared cache, a node that never had it), so only
// the blob and the records need to be durable.
//
// Durability: install() returns once the blob and its record are durable
// per the storage's setting (fsynced under `sync`), so a function document
// committed afterwards never names code that a crash could lose. The record
// is committed before the blob is written: a crash in between leaves a
// record no version names, which collection removes (a missing blob is not
// an error to remove), never a blob nothing names.
//
// Unpacked files are read-only (0444, or 0555 when the zip marks them
// executable, so a provided runtime's `bootstrap` stays executable).
// Directories stay 0755 so the cache can be removed; the sandbox mounts the
// code read-only at /var/task. A tree is unpacked into a temporary directory
// and renamed into place, so a directory that exists is complete.
//
// Threads: install(), ensure(), recover() and collect() do file I/O and
// block: worker pool (or start-up) only. cached(), epoch() and released()
// are cheap and never block on file work (event loops and timers call them).
//
// Garbage collection: code lives while a function version names it or an
// install still pins it (between unpacking and the service registering the
// version); collect() removes the rest, blob, record and cache alike. The
// service snapshots its references with epoch() taken first: code pinned or
// released after that epoch is kept, so an install that finishes between the
// snapshot and the collection is never removed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace nimbus::storage {
class Storage;
}

namespace nimbus::services::lambda {

// Lambda's limit on a deployment package's unzipped size (250 MB).
inline constexpr int64_t kMaxUnzippedBytes = 250LL * 1024 * 1024;

struct CodeInfo {
  std::string sha256_hex;  // names the code: cache directory and blob record key
  std::string sha256_b64;  // CodeSha256 as Lambda reports it
  int64_t size = 0;        // CodeSize: the zip's size in bytes
};

// Unpacks `zip` into <root>/<sha256 hex>/ unless that directory exists.
// InvalidParameterValueException "Could not unzip uploaded file..." on a
// malformed zip; InvalidParameterValueException on an unzipped size beyond
// Lambda's 250 MB.
Result<CodeInfo> install_code(const std::string& root, std::string_view zip);

std::string sha256_raw(std::string_view bytes);
std::string to_hex(std::string_view raw);
// Removes an unpacked tree (read-only files included). Never throws.
void remove_tree(const std::string& dir);

class CodeStore : public std::enable_shared_from_this<CodeStore> {
 public:
  // `storage` may be null (no blobs: the cache is all there is).
  CodeStore(std::string cache_root, storage::Storage* storage)
      : root_(std::move(cache_root)), storage_(storage) {}
  CodeStore(const CodeStore&) = delete;
  CodeStore& operator=(const CodeStore&) = delete;

  // Keeps one code from collection until destroyed (release it once the
  // version that uses it is registered).
  class Pin {
   public:
    Pin() = default;
    Pin(std::shared_ptr<CodeStore> store, std::string sha)
        : store_(std::move(store)), sha_(std::move(sha)) {}
    Pin(Pin&&) noexcept = default;
    Pin& operator=(Pin&& o) noexcept;
    ~Pin() { release(); }

   private:
    void release();
    std::shared_ptr<CodeStore> store_;
    std::string sha_;
  };

  struct Installed {
    CodeInfo info;
    Pin pin;
  };

  // Start-up: reads the code records. A record whose blob is missing (a
  // crash between the two) is left for collection.
  Status recover();

  // Blocking (worker pool). Unpacks the zip into the cache (validating it),
  // stores it as a durable blob unless that content is stored already, and
  // pins it. The store must be owned by a shared_ptr.
  Result<Installed> install(std::string_view zip);

  // Blocking (worker pool). The unpacked tree of `sha` exists afterwards:
  // found, or rebuilt from its blob. ServiceException (500) when neither exists.
  Status ensure(const std::string& sha);
  // Cheap: `sha` was installed or ensured by this process and not collected,
  // so its directory is there (unless someone removed it behind our back;
  // forget() makes the next ensure() look again).
  bool cached(const std::string& sha) const;
  void forget(const std::string& sha);

  std::string dir_of(const std::string& sha) const { return root_ + "/" + sha; }

  // Layers (code_layers.cc). A function's layers run as one tree: the
  // layer codes `shas` unpacked over each other in order (a later layer's
  // file replaces an earlier one's), named by layers_key(shas) and kept in
  // the cache beside the codes, so pins, released() and collect() treat
  // the key like a code (a function version references it; collection
  // removes it when none does). Like a code's tree it is a cache: built
  // again from the layers' codes (and their blobs) when missing.
  static std::string layers_key(const std::vector<std::string>& shas);
  // Blocking (worker pool). The merged tree of `shas` exists afterwards.
  Status ensure_layers(const std::string& key, const std::vector<std::string>& shas);

  uint64_t epoch() const;
  // A version stopped using `sha` (code update, delete): collections whose
  // epoch was taken earlier keep it, so it lives its own full delay.
  void released(const std::string& sha);

  // Blocking (worker pool). Removes every code (blob, record, cache
  // directory) and leftover temporary directory that is not in `referenced`,
  // not pinned and not pinned or released since `since` (an epoch() taken
  // before `referenced` was built). Returns how many codes were removed.
  size_t collect(const std::set<std::string>& referenced, uint64_t since);

  const std::string& root() const { return root_; }
  // Tests: the blob id stored for `sha`, or "".
  std::string blob_of(const std::string& sha) const;

 private:
  // mu_ held.
  void touch_locked(const std::string& sha) { touched_[sha] = ++epoch_; }
  bool collectable_locked(const std::string& sha, uint64_t since) const;
  // files_mu_ held. Stores `zip` as the blob of `sha`, record first.
  Status store_blob(const std::string& sha, std::string_view zip);
  void remove_blob(const std::string& sha, const std::string& blob);

  const std::string root_;
  storage::Storage* const storage_;
  // Held across an unpack, a blob write and its pin, and across a
  // collection's removals, so a collection never removes what an install
  // just found.
  std::mutex files_mu_;
  mutable std::mutex mu_;                     // the bookkeeping below; held briefly
  uint64_t epoch_ = 0;                        // guarded by mu_
  std::map<std::string, int> pins_;           // sha -> count; guarded by mu_
  std::map<std::string, uint64_t> touched_;   // sha -> epoch of last pin/release; guarded by mu_
  std::map<std::string, std::string> blobs_;  // sha -> blob id (recorded); guarded by mu_
  std::set<std::string> cached_;              // shas known unpacked; guarded by mu_
};

}  // namespace nimbus::services::lambda
