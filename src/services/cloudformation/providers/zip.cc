#include "services/cloudformation/providers/zip.h"

#include <zip.h>

#include <cstdio>

namespace nimbus::services::cloudformation {

Result<std::string> zip_one_file(std::string_view name, std::string_view content) {
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
  zip_source_t* file = zip_source_buffer(archive, content.data(), content.size(), 0);
  if (file == nullptr ||
      zip_file_add(archive, std::string(name).c_str(), file, ZIP_FL_ENC_UTF_8) < 0) {
    if (file != nullptr) zip_source_free(file);
    zip_discard(archive);
    zip_source_free(buffer);
    return Error::internal("zip: cannot add the file");
  }
  if (zip_close(archive) < 0) {
    zip_discard(archive);
    zip_source_free(buffer);
    return Error::internal("zip: cannot write");
  }
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
  zip_source_free(buffer);
  if (out.empty()) return Error::internal("zip: cannot read back");
  return out;
}

std::string inline_code_file(std::string_view runtime) {
  if (runtime.starts_with("python")) return "index.py";
  if (runtime.starts_with("nodejs")) return "index.js";
  if (runtime.starts_with("ruby")) return "index.rb";
  return "index";
}

}  // namespace nimbus::services::cloudformation
