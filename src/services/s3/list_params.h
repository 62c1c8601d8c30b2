// The request members every S3 listing reads the same way (ListObjects,
// ListObjectsV2, ListObjectVersions): Prefix, Delimiter, EncodingType and
// MaxKeys, checked with S3's errors.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "common/json_fields.h"
#include "common/result.h"
#include "services/s3/errors.h"

namespace nimbus::services::s3 {

struct ListParams {
  std::string prefix, delimiter, encoding;
  int64_t max_keys = 1000;  // as asked (answered back as MaxKeys)
  size_t limit = 1000;      // what one page holds: MaxKeys, at most 1000
};

inline Result<ListParams> list_params(const boost::json::object& in) {
  ListParams p;
  p.prefix = str(in, "Prefix");
  p.delimiter = str(in, "Delimiter");
  p.encoding = str(in, "EncodingType");
  if (!p.encoding.empty() && p.encoding != "url") {
    return errors::invalid_argument("Invalid Encoding Method specified in Request", "encoding-type",
                                    p.encoding);
  }
  p.max_keys = integer(in, "MaxKeys").value_or(1000);
  if (p.max_keys < 0) {
    return errors::invalid_argument("Argument maxKeys must be an integer between 0 and 2147483647",
                                    "maxKeys", std::to_string(p.max_keys));
  }
  p.limit = static_cast<size_t>(std::min<int64_t>(p.max_keys, 1000));
  return p;
}

}  // namespace nimbus::services::s3
