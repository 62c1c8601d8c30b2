#include "services/lambda/test_helpers.h"

#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "storage/test_dir.h"

namespace nimbus::services::lambda::testing {

std::string make_zip(const std::map<std::string, ZipEntry>& files) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("nimbus-lambda-zip-" + std::to_string(::getpid()) + ".zip"))
                         .string();
  std::filesystem::remove(path);
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (za == nullptr) return {};
  for (const auto& [name, e] : files) {
    zip_source_t* src = zip_source_buffer(za, e.content.data(), e.content.size(), 0);
    zip_int64_t idx = zip_file_add(za, name.c_str(), src, ZIP_FL_OVERWRITE);
    zip_file_set_external_attributes(za, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>((0100000 | e.mode) << 16));
  }
  zip_close(za);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

std::string python_zip(const std::string& source) {
  return make_zip({{"app.py", {source, 0644}}});
}

runtime::Host& shared_host() {
  // Made before the host, so its state folder is removed after the host goes.
  // Open to all: the environments run under uids of their own.
  static nimbus::storage::testing::TempDir state_dir("nimbus-lambda-test");
  static std::unique_ptr<runtime::Host> host = [] {
    runtime::HostOptions o;
    std::filesystem::permissions(state_dir.path(), std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::group_read |
                                                       std::filesystem::perms::group_exec |
                                                       std::filesystem::perms::others_read |
                                                       std::filesystem::perms::others_exec);
    o.state_dir = state_dir.path();
    o.init_timeout = std::chrono::milliseconds(5000);
    auto r = runtime::Host::create(o);
    if (!r) {
      std::fprintf(stderr, "Host::create: %s\n", r.error().message.c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return *host;
}

}  // namespace nimbus::services::lambda::testing
