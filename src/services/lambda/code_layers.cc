// CodeStore's merged layer trees (code.h): a function's layers, unpacked
// over each other in order, as one read-only tree the sandbox mounts at /opt.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/request_id.h"
#include "services/lambda/code.h"

namespace nimbus::services::lambda {

namespace fs = std::filesystem;

namespace {

// Puts every file of `from` into `to` (a later layer wins over an earlier
// one): a hard link when the file system allows it (the trees are
// read-only, so sharing the inode is safe), else a copy.
Status overlay(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(from, ec), end; it != end; it.increment(ec)) {
    if (ec) return Error::internal("reading " + from.string() + ": " + ec.message());
    fs::path dst = to / fs::relative(it->path(), from, ec);
    std::error_code type_ec;
    bool dir = it->is_directory(type_ec);
    auto existing = fs::symlink_status(dst, type_ec);
    bool exists = fs::exists(existing);
    if (dir) {
      if (exists && !fs::is_directory(existing)) fs::remove(dst, ec);
      if (!exists || !fs::is_directory(existing)) {
        if (!fs::create_directory(dst, ec) && ec)
          return Error::internal("mkdir " + dst.string() + ": " + ec.message());
        ::chmod(dst.c_str(), 0755);
      }
      continue;
    }
    if (exists) {
      if (fs::is_directory(existing))
        remove_tree(dst.string());
      else
        fs::remove(dst, ec);
    }
    fs::create_hard_link(it->path(), dst, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(it->path(), dst, ec);
      if (ec) return Error::internal("copy " + dst.string() + ": " + ec.message());
    }
  }
  return Status::ok();
}

}  // namespace

std::string CodeStore::layers_key(const std::vector<std::string>& shas) {
  std::string joined;
  for (const auto& s : shas) joined += s + "\n";
  // "opt-": never a code's name (a code is named by its zip's hash alone).
  return "opt-" + to_hex(sha256_raw(joined));
}

Status CodeStore::ensure_layers(const std::string& key, const std::vector<std::string>& shas) {
  if (cached(key)) return Status::ok();
  for (const auto& sha : shas) NIMBUS_TRY(ensure(sha));
  std::lock_guard files(files_mu_);
  {
    std::lock_guard l(mu_);
    if (cached_.contains(key)) return Status::ok();
  }
  std::string dir = dir_of(key);
  if (!fs::exists(dir)) {
    std::string tmp = root_ + "/.tmp-" + new_request_id();
    std::error_code ec;
    fs::create_directories(tmp, ec);
    if (ec) return Error::internal("mkdir " + tmp + ": " + ec.message());
    Status st = Status::ok();
    for (const auto& sha : shas) {
      if (!fs::is_directory(dir_of(sha))) {
        st = Error::make("ServiceException", "layer code " + sha + " is not unpacked", 500);
        break;
      }
      st = overlay(dir_of(sha), tmp);
      if (!st) break;
    }
    if (st && ::rename(tmp.c_str(), dir.c_str()) != 0) st = Error::internal("rename " + tmp);
    if (!st) {
      remove_tree(tmp);
      return st;
    }
    spdlog::debug("lambda: merged {} layers into {}", shas.size(), key);
  }
  std::lock_guard l(mu_);
  cached_.insert(key);
  return Status::ok();
}

}  // namespace nimbus::services::lambda
