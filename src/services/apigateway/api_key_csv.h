// ImportApiKeys' CSV (AWS's "API key file format"): a header row naming the
// columns in any order and any case — Name and Key required, Description,
// Enabled and UsagePlanIds optional, others ignored — then one key a row.
// Fields are separated by commas; a field may be quoted with double or
// single quotes (a quote doubled inside is one quote; commas and line
// breaks inside are kept), which is how UsagePlanIds lists several plans
// ("c7y23b,glvrsr"). Missing values default to "" and Enabled to true.
//
// What cannot be read as such a file is an error (BadRequestException); a
// row whose values AWS would refuse (a Key outside 20–128 characters, a Name
// over 1024, an Enabled that is not true/false) is left out with a warning
// naming its line. Pure; fuzzed (fuzz/apigw_api_key_csv_fuzz.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace nimbus::services::apigateway {

struct CsvApiKey {
  std::string name, key, description;
  bool enabled = true;
  std::vector<std::string> usage_plan_ids;
  size_t line = 0;  // where its row starts (1 is the header)
};

struct ApiKeyFile {
  std::vector<CsvApiKey> keys;        // in file order
  std::vector<std::string> warnings;  // rows left out, and why
};

// At most this many data rows (nimbus's bound; AWS states none).
inline constexpr size_t kMaxImportedKeys = 10000;

Result<ApiKeyFile> parse_api_key_csv(std::string_view text);

}  // namespace nimbus::services::apigateway
