// The system headers and user metadata an object keeps (PutObject,
// CopyObject with REPLACE, multipart uploads) and the output members a
// read answers with.
#pragma once

#include <boost/json.hpp>

#include "services/s3/objects.h"

namespace nimbus::services::s3 {

// The stored system headers of a write's input (Content-Type defaults to
// binary/octet-stream; Content-Encoding loses the aws-chunked framing).
boost::json::object stored_headers(const boost::json::object& in);
// Bytes S3 counts against the 2 KB user-metadata limit: names and values.
size_t metadata_bytes(const boost::json::object& meta);
// The output members of a GET or HEAD of `m` (response-* overrides in `in`).
boost::json::object object_output(const ObjectMeta& m, const boost::json::object& in);

}  // namespace nimbus::services::s3
