#include "services/s3/blob_slots.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/thread_role.h"
#include "storage/blob_files.h"

namespace nimbus::services::s3 {

namespace {

Error sys_error(const std::string& what, const std::string& path, int err) {
  return Error::internal("s3 blob slots: " + what + " " + path + ": " + std::strerror(err));
}

}  // namespace

// --- FileSync, FlushBudget ----------------------------------------------------

int FileSync::system_fdatasync(int fd) {
  return ::fdatasync(fd) == 0 ? 0 : errno;
}

int FileSync::system_fsync(int fd) {
  return ::fsync(fd) == 0 ? 0 : errno;
}

bool FlushBudget::take() {
  size_t n = running_.load();
  while (n < limit_) {
    if (running_.compare_exchange_weak(n, n + 1)) return true;
  }
  return false;
}

void FlushBudget::give_back() {
  running_.fetch_sub(1);
}

// --- SlotFlush ----------------------------------------------------------------

SlotFlush::SlotFlush(UniqueFd fd, std::string path, std::shared_ptr<const FileSync> file_sync,
                     std::shared_ptr<FlushBudget> budget)
    : fd_(std::move(fd)),
      path_(std::move(path)),
      file_sync_(std::move(file_sync)),
      budget_(std::move(budget)) {}

SlotFlush::~SlotFlush() {
  release();
}

void SlotFlush::release() {
  if (!fd_) return;
  fd_.reset();
  budget_->give_back();
}

Status SlotFlush::run() {
  if (!fd_) return Error::internal("s3 blob slots: run of a finished flush");
  int err = file_sync_->flush(fd_.get());
  release();
  if (err != 0) return sys_error("fdatasync", path_, err);
  return Status::ok();
}

// --- SlotWriter ---------------------------------------------------------------

SlotWriter::SlotWriter(UniqueFd fd, std::string id, std::string path, bool sync,
                       std::shared_ptr<const FileSync> file_sync,
                       std::shared_ptr<FlushBudget> budget)
    : fd_(std::move(fd)),
      id_(std::move(id)),
      path_(std::move(path)),
      sync_(sync),
      file_sync_(std::move(file_sync)),
      budget_(std::move(budget)) {}

SlotWriter::~SlotWriter() {
  abort();
}

void SlotWriter::abort() {
  if (!fd_) return;
  fd_.reset();
  ::unlink(path_.c_str());
}

Status SlotWriter::append(std::string_view data) {
  if (!fd_) return Error::internal("s3 blob slots: append to a finished writer");
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  if (sync_ && size_ - written_back_ >= kWriteBehind) {
    // Start writing what is there now, without waiting for it: commit()'s
    // fsync then waits for the last few megabytes, not the whole body.
    // Only a hint: commit() still fsyncs everything.
    ::sync_file_range(fd_.get(), static_cast<off_t>(written_back_),
                      static_cast<off_t>(size_ - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = size_;
  }
  return Status::ok();
}

std::optional<SlotFlush> SlotWriter::take_flush() {
  if (!fd_ || !sync_ || size_ - flushed_ < kFlushBehind) return std::nullopt;
  flushed_ = size_;  // also when skipped: the next try is kFlushBehind later
  if (!budget_->take()) return std::nullopt;
  UniqueFd fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!fd) {
    // Only an early start: commit()'s fsync covers these bytes as well.
    budget_->give_back();
    return std::nullopt;
  }
  return SlotFlush(std::move(fd), path_, file_sync_, budget_);
}

Result<storage::BlobInfo> SlotWriter::commit() {
  if (!fd_) return Error::internal("s3 blob slots: commit of a finished writer");
  // The directory entry is durable since the slot's batch was made; the
  // data and the inode's size are once this returns.
  if (int err = sync_ ? file_sync_->sync(fd_.get()) : 0; err != 0) {
    Error e = sys_error("fsync", path_, err);
    abort();
    return e;
  }
  fd_.reset();
  return storage::BlobInfo{id_, size_};
}

// --- BlobSlots ----------------------------------------------------------------

BlobSlots::~BlobSlots() {
  MutexLock lock(mu_);
  for (const auto& id : spare_) {
    if (auto path = storage::blob_path(root_, id)) ::unlink(path->c_str());
  }
}

size_t BlobSlots::spare() const {
  MutexLock lock(mu_);
  return spare_.size();
}

void BlobSlots::set_file_sync(FileSync file_sync) {
  auto made = std::make_shared<const FileSync>(std::move(file_sync));
  MutexLock lock(mu_);
  file_sync_ = std::move(made);
}

Result<std::vector<std::string>> BlobSlots::make_batch() const {
  auto first = storage::new_blob_id();
  if (!first) return first.take_error();
  std::string prefix = first->substr(0, 2);
  std::string dir = root_ + "/" + prefix;
  bool created = ::mkdir(dir.c_str(), 0755) == 0;
  if (!created && errno != EEXIST) return sys_error("mkdir", dir, errno);
  std::vector<std::string> ids;
  for (size_t i = 0; i < kBatch; ++i) {
    auto id_made = storage::new_blob_id(prefix);
    if (!id_made) return id_made.take_error();
    std::string id = std::move(*id_made);
    std::string path = dir + "/" + id;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      Error e = sys_error("create", path, errno);
      for (const auto& made : ids) ::unlink((dir + "/" + made).c_str());
      return e;
    }
    ::close(fd);
    ids.push_back(std::move(id));
  }
  if (sync_) {
    // One sync for the whole batch's entries; a new fan-out directory must
    // itself be recorded in the root.
    Status st = created ? storage::fsync_dir(root_) : Status::ok();
    if (st) st = storage::fsync_dir(dir);
    if (!st) {
      for (const auto& made : ids) ::unlink((dir + "/" + made).c_str());
      return st.take_error();
    }
  }
  return ids;
}

Result<SlotWriter> BlobSlots::create() {
  assert_may_block("BlobSlots::create");  // files and fsync: worker pool only
  std::string id;
  std::shared_ptr<const FileSync> file_sync;
  {
    MutexLock lock(mu_);
    file_sync = file_sync_;
    if (!spare_.empty()) {
      id = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  if (id.empty()) {
    // Made outside the lock: other writers keep taking slots meanwhile, and
    // two that both found none each make a batch.
    auto batch = make_batch();
    if (!batch) return batch.take_error();
    id = std::move(batch->back());
    batch->pop_back();
    MutexLock lock(mu_);
    for (auto& b : *batch) spare_.push_back(std::move(b));
  }
  auto path = storage::blob_path(root_, id);
  if (!path) return path.take_error();
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error("open", *path, errno);
  return SlotWriter(std::move(fd), std::move(id), std::move(*path), sync_, std::move(file_sync),
                    budget_);
}

}  // namespace nimbus::services::s3
