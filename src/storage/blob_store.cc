#include "storage/blob_store.h"

#include "storage/blob_files.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "common/thread_role.h"

namespace nimbus::storage {

namespace {

namespace fs = std::filesystem;

Error sys_error(const std::string& what, const std::string& path, int err) {
  return Error::internal("blob store: " + what + " " + path + ": " + std::strerror(err));
}

Error no_such_blob(std::string_view id) {
  return Error::make("NoSuchBlob", "blob " + std::string(id) + " does not exist", 404);
}

bool valid_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// mkdir that tolerates an existing directory; reports whether it created one.
Result<bool> ensure_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  return sys_error("mkdir", dir, errno);
}

}  // namespace

// --- BlobWriter -------------------------------------------------------------

BlobWriter::BlobWriter(UniqueFd fd, std::string id, std::string tmp_path, std::string final_path,
                       bool sync)
    : fd_(std::move(fd)),
      id_(std::move(id)),
      tmp_path_(std::move(tmp_path)),
      final_path_(std::move(final_path)),
      sync_(sync) {}

BlobWriter::~BlobWriter() {
  abort();
}

void BlobWriter::abort() {
  if (!fd_) return;
  fd_.reset();
  ::unlink(tmp_path_.c_str());
}

Status BlobWriter::append(std::string_view data) {
  if (!fd_) return Error::internal("blob store: append to a finished writer");
  while (!data.empty()) {
    ssize_t n = ::write(fd_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", tmp_path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  return Status::ok();
}

Result<BlobInfo> BlobWriter::commit() {
  if (!fd_) return Error::internal("blob store: commit of a finished writer");
  if (sync_ && ::fsync(fd_.get()) != 0) {
    Error e = sys_error("fsync", tmp_path_, errno);
    abort();
    return e;
  }
  std::string dir = fs::path(final_path_).parent_path().string();
  auto created = ensure_dir(dir);
  if (!created) {
    abort();
    return created.take_error();
  }
  if (::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    Error e = sys_error("rename to", final_path_, errno);
    abort();
    return e;
  }
  fd_.reset();
  if (sync_) {
    // The rename is durable once the target directory is; a freshly created
    // fan-out directory must itself be recorded in its parent.
    if (*created) NIMBUS_TRY(fsync_dir(fs::path(dir).parent_path().string()));
    NIMBUS_TRY(fsync_dir(dir));
  }
  return BlobInfo{id_, size_};
}

// --- BlobStore --------------------------------------------------------------

Result<std::unique_ptr<BlobStore>> BlobStore::open(std::string root, bool sync) {
  std::error_code ec;
  fs::create_directories(root + "/tmp", ec);
  if (ec) return Error::internal("blob store: cannot create " + root + "/tmp: " + ec.message());
  // Anything in tmp/ belonged to a writer that never committed (a crash).
  for (const auto& entry : fs::directory_iterator(root + "/tmp", ec)) {
    fs::remove(entry.path(), ec);
  }
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(root), sync));
}

Result<std::string> BlobStore::path_of(std::string_view id) const {
  return blob_path(root_, id);
}

Result<std::string> blob_path(std::string_view root, std::string_view id) {
  if (!valid_id(id)) return no_such_blob(id);
  std::string p(root);
  p.append("/").append(id.substr(0, 2)).append("/").append(id);
  return p;
}

Result<std::vector<std::string>> list_blobs(const std::string& root) {
  assert_may_block("list_blobs");
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    std::string fan = dir.path().filename().string();
    if (fan.size() != 2 || !dir.is_directory()) continue;  // tmp/ and strays
    for (const auto& f : fs::directory_iterator(dir.path(), ec)) {
      std::string id = f.path().filename().string();
      if (valid_id(id) && id.compare(0, 2, fan) == 0) out.push_back(std::move(id));
    }
    if (ec) break;
  }
  if (ec) return Error::internal("blob store: list " + root + ": " + ec.message());
  return out;
}

Result<std::string> new_blob_id(std::string_view prefix) {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != static_cast<ssize_t>(sizeof(bytes))) {
    return Error::internal(std::string("blob store: getrandom: ") + std::strerror(errno));
  }
  static const char* kHex = "0123456789abcdef";
  std::string id(prefix.substr(0, 31));
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  id.resize(32);
  return id;
}

Status fsync_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error("open directory", dir, errno);
  if (::fsync(fd.get()) != 0) return sys_error("fsync directory", dir, errno);
  return Status::ok();
}

Result<BlobWriter> BlobStore::create() {
  assert_may_block("BlobStore::create");  // files and fsync: worker pool only
  auto id = new_blob_id();
  if (!id) return id.take_error();
  std::string tmp = root_ + "/tmp/" + *id;
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd) return sys_error("create", tmp, errno);
  auto final_path = path_of(*id);
  return BlobWriter(std::move(fd), *id, std::move(tmp), std::move(*final_path), sync_);
}

Result<BlobInfo> BlobStore::write(std::string_view data) {
  auto w = create();
  if (!w) return w.take_error();
  NIMBUS_TRY(w->append(data));
  return w->commit();
}

Result<BlobInfo> BlobStore::write(std::istream& in) {
  auto w = create();
  if (!w) return w.take_error();
  std::string buf(64 * 1024, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n > 0) NIMBUS_TRY(w->append(std::string_view(buf.data(), static_cast<size_t>(n))));
  }
  if (in.bad()) return Error::internal("blob store: error reading the input stream");
  return w->commit();
}

Result<uint64_t> BlobStore::size(std::string_view id) const {
  auto path = path_of(id);
  if (!path) return path.take_error();
  struct stat st;
  if (::stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT) return no_such_blob(id);
    return sys_error("stat", *path, errno);
  }
  return static_cast<uint64_t>(st.st_size);
}

Result<std::string> BlobStore::read(std::string_view id) const {
  return read_range(id, 0, UINT64_MAX);
}

Result<std::string> BlobStore::read_range(std::string_view id, uint64_t offset,
                                          uint64_t length) const {
  auto path = path_of(id);
  if (!path) return path.take_error();
  UniqueFd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return no_such_blob(id);
    return sys_error("open", *path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return sys_error("stat", *path, errno);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t begin = offset < size ? offset : size;
  uint64_t n = (size - begin) < length ? (size - begin) : length;
  std::string out(static_cast<size_t>(n), '\0');
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd.get(), out.data() + done, static_cast<size_t>(n - done),
                        static_cast<off_t>(begin + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return sys_error("read", *path, r < 0 ? errno : EIO);
    done += static_cast<uint64_t>(r);
  }
  return out;
}

Status BlobStore::remove(std::string_view id) {
  auto path = path_of(id);
  if (!path) return Status::ok();
  if (::unlink(path->c_str()) != 0 && errno != ENOENT) return sys_error("unlink", *path, errno);
  return Status::ok();
}

size_t BlobStore::temp_files() const {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(root_ + "/tmp", ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

}  // namespace nimbus::storage
