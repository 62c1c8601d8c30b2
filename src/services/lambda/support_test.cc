#include "services/lambda/test_helpers.h"

#include <zip.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  // The host's state folder goes at exit, after the host (destroyed first:
  // it is made after this is registered).
  static const std::string* state_dir = [] {
    auto* d = new std::string((std::filesystem::temp_directory_path() /
                               ("nimbus-lambda-test-" + std::to_string(::getpid())))
                                  .string());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*state_dir, ec);
    });
    return d;
  }();
  static std::unique_ptr<runtime::Host> host = [] {
    runtime::HostOptions o;
    o.state_dir = *state_dir;
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
