// Function code: a deployment package (zip) unpacked once per content hash
// under <root>/<sha256 hex>/, files read-only (0444, or 0555 when the zip
// marks them executable, so a provided runtime's `bootstrap` stays
// executable). Directories stay 0755 so the data directory can be removed;
// the sandbox mounts the code read-only at /var/task.
//
// Threads: install() does file I/O and blocks: worker pool only. Two calls
// for the same content may race; each unpacks into its own temporary
// directory and the first rename wins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::lambda {

struct CodeInfo {
  std::string dir;         // <root>/<hex>
  std::string sha256_b64;  // CodeSha256 as Lambda reports it
  int64_t size = 0;        // CodeSize: the zip's size in bytes
};

// InvalidParameterValueException "Could not unzip uploaded file..." on a
// malformed zip; InvalidParameterValueException on an unzipped size beyond
// Lambda's 250 MB.
Result<CodeInfo> install_code(const std::string& root, std::string_view zip);

std::string sha256_raw(std::string_view bytes);

}  // namespace nimbus::services::lambda
