#include "storage/wal_files.h"

#include <fcntl.h>
#include <rocksdb/file_system.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "common/mutex.h"
#include "common/thread_name.h"

namespace nimbus::storage {
namespace {

// Zeros written per step; the next step starts when the writer is within
// one step of the zeroed end. At 14k PutItem/s the WAL grows ~4 MB/s: a
// step every ~250 ms. A step's write and fdatasync can delay a round whose
// fdatasync meets them on the disk; fewer, larger steps meet fewer rounds
// (each step's own fdatasync and the round it overlaps are paid a quarter
// as often as with 256 KiB steps; not measured on a quiet machine).
constexpr uint64_t kWalZeroStep = 1 << 20;
constexpr uint64_t kWalZeroAlign = 4096;  // O_DIRECT offsets and buffer
// A file starts with plain appends; zeros begin once it holds this much and
// its appends are small (committer rounds under kWalZeroSmallAppend: the
// PutItem kind). Rounds of large batches (Kinesis PutRecords, 500 KB)
// append as before: their fdatasync costs the same inode write per round
// as a small one's, and the zeros would double their bytes on the disk.
constexpr uint64_t kWalZeroFrom = 64 << 10;
constexpr uint64_t kWalZeroSmallAppend = 64 << 10;

// RocksDB names its WAL files NNNNNN.log.
bool is_wal_file(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (base.size() <= 4 || !base.ends_with(".log")) return false;
  return std::all_of(base.begin(), base.end() - 4, [](char c) { return c >= '0' && c <= '9'; });
}

// One WAL file, shared by its writer and the zeroing thread.
struct WalZeroState {
  ~WalZeroState() {
    if (direct_fd >= 0) ::close(direct_fd);
    if (read_fd >= 0) ::close(read_fd);
  }
  int direct_fd = -1;  // the zeroing thread writes and syncs through this (O_DIRECT)
  int read_fd = -1;    // and reads the zeros into the page cache through this
  Mutex mu;
  std::condition_variable cv;
  uint64_t reserved GUARDED_BY(mu) = 0;      // bytes the writer appended (or is appending)
  uint64_t zeroed_end GUARDED_BY(mu) = 0;    // [0, zeroed_end) exists, written, durable
  uint64_t zeroing_from GUARDED_BY(mu) = 0;  // the running step: [zeroing_from, +kWalZeroStep)
  bool zeroing GUARDED_BY(mu) = false;
  bool plain GUARDED_BY(mu) = false;  // no more steps: the writer overtook, or one failed
};

class WalZeroer {
 public:
  WalZeroer() {
    void* zeros = std::aligned_alloc(kWalZeroAlign, kWalZeroStep);
    if (zeros != nullptr) std::memset(zeros, 0, kWalZeroStep);
    zeros_ = static_cast<char*>(zeros);
    thread_ = std::thread([this] { run(); });
  }
  ~WalZeroer() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      cv_.notify_one();
    }
    thread_.join();
    std::free(zeros_);
  }
  WalZeroer(const WalZeroer&) = delete;
  WalZeroer& operator=(const WalZeroer&) = delete;

  // `file` has `zeroing` set; the step is [zeroing_from, +kWalZeroStep).
  void request(std::shared_ptr<WalZeroState> file) {
    MutexLock lock(mu_);
    queue_.push_back(std::move(file));
    cv_.notify_one();
  }

 private:
  void run() {
    set_thread_name("nimbus-walzero");
    for (;;) {
      std::shared_ptr<WalZeroState> file;
      {
        MutexLock lock(mu_);
        while (!stopping_ && queue_.empty()) lock.wait(cv_);
        if (queue_.empty()) return;
        file = std::move(queue_.front());
        queue_.pop_front();
      }
      step(*file);
    }
  }

  void step(WalZeroState& file) {
    uint64_t from;
    {
      MutexLock lock(file.mu);
      from = file.zeroing_from;
    }
    bool ok = zeros_ != nullptr;
    size_t done = 0;
    while (ok && done < kWalZeroStep) {
      ssize_t n = ::pwrite(file.direct_fd, zeros_ + done, kWalZeroStep - done,
                           static_cast<off_t>(from + done));
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) done += static_cast<size_t>(n);
    }
    ok = ok && ::fdatasync(file.direct_fd) == 0;
    // readahead() reads at most the device's read-ahead window per call
    // (128 KiB by default): ask for the step piece by piece.
    constexpr uint64_t kPiece = 128 << 10;
    for (uint64_t at = from; ok && at < from + kWalZeroStep; at += kPiece) {
      (void)::readahead(file.read_fd, static_cast<off_t>(at), kPiece);
    }
    MutexLock lock(file.mu);
    if (ok) {
      file.zeroed_end = from + kWalZeroStep;
    } else {
      file.plain = true;  // ENOSPC, no O_DIRECT: the writer appends as before
    }
    file.zeroing = false;
    file.cv.notify_all();
  }

  char* zeros_ = nullptr;
  Mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<WalZeroState>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class ZeroedWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  ZeroedWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::shared_ptr<WalZeroState> state,
                std::shared_ptr<WalZeroer> zeroer)
      : FSWritableFileOwnerWrapper(std::move(file)),
        state_(std::move(state)),
        zeroer_(std::move(zeroer)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    before_append(data.size());
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    before_append(data.size());
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    stop_zeroing();  // RocksDB appends WALs in order; never expected here
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    stop_zeroing();
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    stop_zeroing();
    return FSWritableFileOwnerWrapper::Truncate(size, options, dbg);
  }
  // A closed WAL ends at its last record: RocksDB's own writer trims what it
  // preallocated, and so does this for the zeros.
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    uint64_t size = stop_zeroing();
    rocksdb::IOStatus s = FSWritableFileOwnerWrapper::Truncate(size, options, dbg);
    rocksdb::IOStatus c = FSWritableFileOwnerWrapper::Close(options, dbg);
    return s.ok() ? c : s;
  }

 private:
  void before_append(uint64_t n) {
    bool start = false;
    WalZeroState& f = *state_;
    {
      MutexLock lock(f.mu);
      if (!f.plain && !f.zeroing && f.zeroed_end == 0 && f.reserved >= kWalZeroFrom &&
          n < kWalZeroSmallAppend) {
        // The first step starts at the block after the records. Everything
        // appended so far has been written (write() returned), so the step's
        // fdatasync makes its blocks durable if the writer's did not yet;
        // this append waits for the step unless it fits in the last block.
        f.zeroing_from = (f.reserved + kWalZeroAlign - 1) / kWalZeroAlign * kWalZeroAlign;
        f.zeroing = true;
        start = true;
      } else if (!f.plain && !f.zeroing && f.zeroed_end > 0 &&
                 f.reserved + kWalZeroStep > f.zeroed_end) {
        f.zeroing_from = f.zeroed_end;
        f.zeroing = true;
        start = true;
      }
      if (start) zeroer_->request(state_);
      // Never where zeros are being written: a writer faster than the
      // zeroing waits for the step, then goes on plainly.
      while (f.zeroing && f.reserved + n > f.zeroing_from) {
        if (f.zeroed_end > 0) f.plain = true;
        lock.wait(f.cv);
      }
      f.reserved += n;
      if (f.zeroed_end > 0 && f.reserved > f.zeroed_end) f.plain = true;
    }
  }

  // Waits for a running step; returns the bytes appended.
  uint64_t stop_zeroing() {
    MutexLock lock(state_->mu);
    state_->plain = true;
    while (state_->zeroing) lock.wait(state_->cv);
    return state_->reserved;
  }

  std::shared_ptr<WalZeroState> state_;
  std::shared_ptr<WalZeroer> zeroer_;
};

class ZeroedWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit ZeroedWalFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base)
      : FileSystemWrapper(base), zeroer_(std::make_shared<WalZeroer>()) {}

  const char* Name() const override { return "NimbusZeroedWal"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = FileSystemWrapper::NewWritableFile(name, options, result, dbg);
    if (!s.ok() || !is_wal_file(name) || options.use_direct_writes) return s;
    auto state = std::make_shared<WalZeroState>();
    state->direct_fd = ::open(name.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    state->read_fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (state->direct_fd < 0 || state->read_fd < 0) return s;  // e.g. tmpfs: no O_DIRECT
    *result = std::make_unique<ZeroedWalFile>(std::move(*result), std::move(state), zeroer_);
    return s;
  }

 private:
  std::shared_ptr<WalZeroer> zeroer_;
};

}  // namespace

std::shared_ptr<rocksdb::FileSystem> zeroed_wal_file_system(
    std::shared_ptr<rocksdb::FileSystem> base) {
  return std::make_shared<ZeroedWalFileSystem>(base);
}

}  // namespace nimbus::storage
