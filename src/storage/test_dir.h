// A fresh temporary directory, removed with its contents when this goes
// (tests only). A function-local static one made before the objects that use
// it outlives them: statics are destroyed in reverse order of construction.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace nimbus::storage::testing {

class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "nimbus-storage") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    char* p = ::mkdtemp(tmpl.data());
    path_ = p != nullptr ? std::string(p) : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nimbus::storage::testing
