// Zip archives in memory: the package CloudFormation makes of an
// AWS::Lambda::Function's inline Code.ZipFile (index.py, index.js, ...), and
// the packages `nimbus deploy` makes of local code folders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::cloudformation {

struct ZipEntry {
  std::string name;  // path inside the archive, '/'-separated
  std::string content;
  unsigned mode = 0644;  // Unix permission bits, kept in the entry
};

// The archive of `files` in the order given. Every entry carries the same
// fixed time, so the same files always make the same bytes (a package's
// digest names its content).
Result<std::string> zip_files(const std::vector<ZipEntry>& files);

Result<std::string> zip_one_file(std::string_view name, std::string_view content);

// The file name AWS gives inline code for `runtime` (index.py for Python,
// index.js for Node.js, index.rb for Ruby; "index" otherwise).
std::string inline_code_file(std::string_view runtime);

}  // namespace nimbus::services::cloudformation
