#include "services/lambda/code.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/request_id.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string to_hex(std::string_view raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

namespace {

constexpr const char* kCodeNs = "lambda.code";

Error bad_zip() {
  return Error::make("InvalidParameterValueException",
                     "Could not unzip uploaded file. Please check your file, then try to upload "
                     "again.");
}

// A zip entry name must stay inside the target directory.
bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    auto part = name.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part == "..") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

Status unzip_into(zip_t* za, const std::string& dir) {
  zip_int64_t n = zip_get_num_entries(za, 0);
  int64_t total = 0;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) return bad_zip();
    std::string name = st.name;
    if (!safe_name(name)) return bad_zip();
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &opsys, &attr);
    mode_t mode = opsys == ZIP_OPSYS_UNIX ? static_cast<mode_t>((attr >> 16) & 07777) : 0;
    std::string path = dir + "/" + name;
    if (name.back() == '/') {
      std::error_code ec;
      fs::create_directories(path, ec);
      if (ec) return Error::internal("mkdir " + path + ": " + ec.message());
      continue;
    }
    if (S_ISLNK(mode)) continue;  // symlinks could point outside; Lambda keeps them, we skip
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    total += static_cast<int64_t>(st.size);
    if (total > kMaxUnzippedBytes) {
      return Error::make("InvalidParameterValueException",
                         "Unzipped size must be smaller than 262144000 bytes");
    }
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> zf(
        zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0), &zip_fclose);
    if (!zf) return bad_zip();
    bool exec = (mode & 0111) != 0;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error::internal("create " + path);
    char buf[64 * 1024];
    zip_int64_t got = 0;
    zip_uint64_t written = 0;
    while ((got = zip_fread(zf.get(), buf, sizeof buf)) > 0) {
      for (zip_int64_t off = 0; off < got;) {
        ssize_t w = ::write(fd, buf + off, static_cast<size_t>(got - off));
        if (w <= 0) {
          ::close(fd);
          return Error::internal("write " + path);
        }
        off += w;
      }
      written += static_cast<zip_uint64_t>(got);
    }
    ::fchmod(fd, exec ? 0555 : 0444);
    ::close(fd);
    if (got < 0 || written != st.size) return bad_zip();
  }
  return Status::ok();
}

}  // namespace

std::string sha256_raw(std::string_view bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

// Unpacked files are read-only (0444/0555 and directories 0755); make every
// directory writable again so the tree can be removed.
// Never throws: a tree that changes or vanishes meanwhile is left as it is.
void remove_tree(const std::string& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) ::chmod(it->path().c_str(), 0755);
  }
  ::chmod(dir.c_str(), 0755);
  fs::remove_all(dir, ec);
}

Result<CodeInfo> install_code(const std::string& root, std::string_view zip) {
  CodeInfo info;
  std::string raw = sha256_raw(zip);
  info.sha256_b64 = base64_encode(raw);
  info.sha256_hex = to_hex(raw);
  info.size = static_cast<int64_t>(zip.size());
  std::string dir = root + "/" + info.sha256_hex;

  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &err);
  if (src == nullptr) return bad_zip();
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
  zip_error_fini(&err);
  if (za == nullptr) {
    zip_source_free(src);
    return bad_zip();
  }
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(za, &zip_discard);
  if (fs::exists(dir)) return info;

  std::error_code ec;
  fs::create_directories(root, ec);
  std::string tmp = root + "/.tmp-" + new_request_id();
  fs::create_directories(tmp, ec);
  if (ec) return Error::internal("mkdir " + tmp + ": " + ec.message());
  Status st = unzip_into(za, tmp);
  if (st) {
    ::chmod(tmp.c_str(), 0755);
    if (::rename(tmp.c_str(), dir.c_str()) == 0 || fs::exists(dir)) {
      if (fs::exists(tmp))
        st = Error::internal("");  // lost the race: remove ours below
      else
        return info;
    } else {
      st = Error::internal("rename " + tmp);
    }
  }
  remove_tree(tmp);
  if (fs::exists(dir)) return info;
  return st.take_error();
}

CodeStore::Pin& CodeStore::Pin::operator=(Pin&& o) noexcept {
  if (this != &o) {
    release();
    store_ = std::move(o.store_);
    sha_ = std::move(o.sha_);
  }
  return *this;
}

void CodeStore::Pin::release() {
  if (!store_) return;
  {
    std::lock_guard l(store_->mu_);
    auto it = store_->pins_.find(sha_);
    if (it != store_->pins_.end() && --it->second == 0) store_->pins_.erase(it);
    store_->touch_locked(sha_);
  }
  store_.reset();
}

Status CodeStore::recover() {
  if (storage_ == nullptr) return Status::ok();
  std::map<std::string, std::string> found;
  size_t missing = 0;
  NIMBUS_TRY(storage_->records(kCodeNs).each("", [&](storage::Entry& e) {
    auto doc = parse_object(e.value);
    std::string blob = doc ? str(*doc, "blob") : "";
    // A record written just before a crash may name a blob that was never
    // finished: keep the record (collection removes it) but not the blob.
    if (blob.empty() || !storage_->blobs().size(blob)) {
      blob.clear();
      ++missing;
    }
    found[e.key] = std::move(blob);
  }));
  if (missing > 0) spdlog::info("lambda: {} code records without a blob", missing);
  std::lock_guard l(mu_);
  blobs_ = std::move(found);
  return Status::ok();
}

Status CodeStore::store_blob(const std::string& sha, std::string_view zip) {
  auto writer = storage_->blobs().create();
  if (!writer) return writer.take_error();
  json::object doc{{"blob", writer->id()}, {"size", zip.size()}};
  storage::WriteBatch batch;
  batch.put(kCodeNs, sha, json::serialize(doc));
  NIMBUS_TRY(storage_->commit_sync(std::move(batch)));
  {
    std::lock_guard l(mu_);
    blobs_[sha] = "";  // recorded; the blob follows
  }
  NIMBUS_TRY(writer->append(zip));
  auto done = writer->commit();
  if (!done) return done.take_error();
  std::lock_guard l(mu_);
  blobs_[sha] = done->id;
  return Status::ok();
}

Result<CodeStore::Installed> CodeStore::install(std::string_view zip) {
  std::lock_guard files(files_mu_);
  auto info = install_code(root_, zip);
  if (!info) return info.take_error();
  const std::string& sha = info->sha256_hex;
  if (storage_ != nullptr) {
    bool stored = false;
    {
      std::lock_guard l(mu_);
      auto it = blobs_.find(sha);
      stored = it != blobs_.end() && !it->second.empty();
    }
    if (!stored) NIMBUS_TRY(store_blob(sha, zip));
  }
  {
    std::lock_guard l(mu_);
    ++pins_[sha];
    touch_locked(sha);
    cached_.insert(sha);
  }
  std::string pinned = sha;
  return Installed{std::move(*info), Pin(shared_from_this(), std::move(pinned))};
}

bool CodeStore::cached(const std::string& sha) const {
  std::lock_guard l(mu_);
  return cached_.contains(sha);
}

void CodeStore::forget(const std::string& sha) {
  std::lock_guard l(mu_);
  cached_.erase(sha);
}

Status CodeStore::ensure(const std::string& sha) {
  if (cached(sha)) return Status::ok();
  std::lock_guard files(files_mu_);
  std::string blob;
  {
    std::lock_guard l(mu_);
    if (cached_.contains(sha)) return Status::ok();
    if (auto it = blobs_.find(sha); it != blobs_.end()) blob = it->second;
  }
  if (!fs::exists(dir_of(sha))) {
    if (blob.empty() || storage_ == nullptr) {
      return Error::make("ServiceException",
                         "code " + sha + " has neither an unpacked tree nor a blob", 500);
    }
    auto zip = storage_->blobs().read(blob);
    if (!zip) return zip.take_error();
    auto info = install_code(root_, *zip);
    if (!info) return info.take_error();
    if (info->sha256_hex != sha) {
      return Error::internal("code blob " + blob + " does not hash to " + sha);
    }
    spdlog::info("lambda: unpacked code {} again from its blob", sha);
  }
  std::lock_guard l(mu_);
  cached_.insert(sha);
  return Status::ok();
}

std::string CodeStore::blob_of(const std::string& sha) const {
  std::lock_guard l(mu_);
  auto it = blobs_.find(sha);
  return it == blobs_.end() ? std::string() : it->second;
}

uint64_t CodeStore::epoch() const {
  std::lock_guard l(mu_);
  return epoch_;
}

void CodeStore::released(const std::string& sha) {
  std::lock_guard l(mu_);
  touch_locked(sha);
}

bool CodeStore::collectable_locked(const std::string& sha, uint64_t since) const {
  auto t = touched_.find(sha);
  return !pins_.contains(sha) && (t == touched_.end() || t->second <= since);
}

void CodeStore::remove_blob(const std::string& sha, const std::string& blob) {
  // Blob first: a crash before the record goes leaves a record naming a
  // missing blob, which the next collection removes again.
  if (!blob.empty()) {
    if (auto st = storage_->blobs().remove(blob); !st) {
      spdlog::warn("lambda: removing code blob {}: {}", blob, st.error().message);
      return;
    }
  }
  storage::WriteBatch batch;
  batch.del(kCodeNs, sha);
  if (auto st = storage_->commit_sync(std::move(batch)); !st) {
    spdlog::warn("lambda: removing code record {}: {}", sha, st.error().message);
    return;
  }
  std::lock_guard l(mu_);
  blobs_.erase(sha);
}

size_t CodeStore::collect(const std::set<std::string>& referenced, uint64_t since) {
  std::lock_guard files(files_mu_);
  std::set<std::string> removed;
  std::vector<std::string> dirs;
  std::vector<std::pair<std::string, std::string>> blobs;  // sha, blob id
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    std::string name = it->path().filename().string();
    if (!it->is_directory(type_ec) || referenced.contains(name)) continue;
    std::lock_guard l(mu_);
    if (!name.starts_with(".tmp-") && !collectable_locked(name, since)) continue;
    cached_.erase(name);
    dirs.push_back(it->path().string());
    removed.insert(name);
  }
  {
    std::lock_guard l(mu_);
    for (const auto& [sha, blob] : blobs_) {
      if (referenced.contains(sha) || !collectable_locked(sha, since)) continue;
      blobs.emplace_back(sha, blob);
      removed.insert(sha);
    }
    for (const auto& sha : removed) touched_.erase(sha);
  }
  for (const auto& dir : dirs) remove_tree(dir);
  for (const auto& [sha, blob] : blobs) remove_blob(sha, blob);
  return removed.size();
}

}  // namespace nimbus::services::lambda
