// How other services write S3 objects in-process (Firehose deliveries).
// Implemented by the s3 service (object_writer.cc) on the same path as
// PutObject: the body is durable, then the record commits (and
// notifications fire). Callers never see S3's storage.
//
// Threads: put() may be called from any thread and never blocks; `done`
// runs on a worker or the storage committer thread and must be quick.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace nimbus::services::s3 {

struct NewObject {
  std::string bucket;
  std::string key;
  std::string body;
  std::string content_type;      // "" for S3's default
  std::string content_encoding;  // "" for none
};

class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Writes (or replaces) bucket/key. `done` gets ok once the object is
  // durable and visible, else S3's error (NoSuchBucket, ...).
  virtual void put(NewObject object, std::function<void(Status)> done) = 0;
};

}  // namespace nimbus::services::s3
