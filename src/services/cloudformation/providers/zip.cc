#include "services/cloudformation/providers/zip.h"

#include <zip.h>

#include <cstdio>

namespace nimbus::services::cloudformation {

namespace {

// 1980-01-01 00:00 local time, the earliest time a zip entry can carry.
constexpr time_t kEntryTime = 315532800;

// The bytes `buffer` holds once its archive is closed.
std::string read_back(zip_source_t* buffer) {
  std::string out;
  if (zip_source_open(buffer) == 0) {
    zip_source_seek(buffer, 0, SEEK_END);
    auto size = zip_source_tell(buffer);
    zip_source_seek(buffer, 0, SEEK_SET);
    if (size > 0) {
      out.resize(static_cast<size_t>(size));
      auto got = zip_source_read(buffer, out.data(), out.size());
      if (got != size) out.clear();
    }
    zip_source_close(buffer);
  }
  return out;
}

}  // namespace

Result<std::string> zip_files(const std::vector<ZipEntry>& files) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) return Error::internal("zip: no buffer");
  zip_source_keep(buffer);  // read back after zip_close
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (archive == nullptr) {
    zip_source_free(buffer);
    return Error::internal("zip: cannot open");
  }
  auto fail = [&](const std::string& what) {
    zip_discard(archive);
    zip_source_free(buffer);
    return Error::internal("zip: " + what);
  };
  for (const auto& f : files) {
    zip_source_t* file = zip_source_buffer(archive, f.content.data(), f.content.size(), 0);
    if (file == nullptr) return fail("no buffer for " + f.name);
    zip_int64_t index = zip_file_add(archive, f.name.c_str(), file, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(file);
      return fail("cannot add " + f.name);
    }
    auto i = static_cast<zip_uint64_t>(index);
    if (zip_file_set_mtime(archive, i, kEntryTime, 0) < 0 ||
        zip_file_set_external_attributes(archive, i, 0, ZIP_OPSYS_UNIX,
                                         static_cast<zip_uint32_t>(0100000 | f.mode) << 16) < 0) {
      return fail("cannot set the attributes of " + f.name);
    }
  }
  if (zip_close(archive) < 0) return fail("cannot write");
  std::string out = read_back(buffer);
  zip_source_free(buffer);
  if (out.empty()) return Error::internal("zip: cannot read back");
  return out;
}

Result<std::string> zip_one_file(std::string_view name, std::string_view content) {
  return zip_files({ZipEntry{std::string(name), std::string(content)}});
}

std::string inline_code_file(std::string_view runtime) {
  if (runtime.starts_with("python")) return "index.py";
  if (runtime.starts_with("nodejs")) return "index.js";
  if (runtime.starts_with("ruby")) return "index.rb";
  return "index";
}

}  // namespace nimbus::services::cloudformation
