// A zip archive of one file, in memory: the package CloudFormation makes of
// an AWS::Lambda::Function's inline Code.ZipFile (index.py, index.js, ...).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::cloudformation {

Result<std::string> zip_one_file(std::string_view name, std::string_view content);

// The file name AWS gives inline code for `runtime` (index.py for Python,
// index.js for Node.js, index.rb for Ruby; "index" otherwise).
std::string inline_code_file(std::string_view runtime);

}  // namespace nimbus::services::cloudformation
