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

// --- SlotWriter ---------------------------------------------------------------

SlotWriter::SlotWriter(int fd, std::string id, std::string path, bool sync)
    : fd_(fd), id_(std::move(id)), path_(std::move(path)), sync_(sync) {}

SlotWriter::SlotWriter(SlotWriter&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      id_(std::move(o.id_)),
      path_(std::move(o.path_)),
      sync_(o.sync_),
      size_(o.size_),
      written_back_(o.written_back_) {}

SlotWriter::~SlotWriter() {
  abort();
}

void SlotWriter::abort() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(path_.c_str());
}

Status SlotWriter::append(std::string_view data) {
  if (fd_ < 0) return Error::internal("s3 blob slots: append to a finished writer");
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
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
    ::sync_file_range(fd_, static_cast<off_t>(written_back_),
                      static_cast<off_t>(size_ - written_back_), SYNC_FILE_RANGE_WRITE);
    written_back_ = size_;
  }
  return Status::ok();
}

int SlotWriter::take_flush_fd() {
  if (fd_ < 0 || !sync_ || size_ - flushed_ < kFlushBehind) return -1;
  flushed_ = size_;
  return ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
}

Result<storage::BlobInfo> SlotWriter::commit() {
  if (fd_ < 0) return Error::internal("s3 blob slots: commit of a finished writer");
  // The directory entry is durable since the slot's batch was made; the
  // data and the inode's size are once this returns.
  if (sync_ && ::fsync(fd_) != 0) {
    Error e = sys_error("fsync", path_, errno);
    abort();
    return e;
  }
  ::close(fd_);
  fd_ = -1;
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
  {
    MutexLock lock(mu_);
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
  int fd = ::open(path->c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sys_error("open", *path, errno);
  return SlotWriter(fd, std::move(id), std::move(*path), sync_);
}

}  // namespace nimbus::services::s3
