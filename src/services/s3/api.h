// How other services write and read S3 objects in-process (Firehose
// deliveries, Lambda code from S3Bucket/S3Key). Implemented by the s3
// service (object_writer.cc, object_reader.cc) on the same paths as
// PutObject and GetObject. Callers never see S3's storage.
//
// Threads: put() and get() may be called from any thread and never block;
// `done` runs on a worker or the storage committer thread and must be quick.
#pragma once

#include <cstdint>
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

class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Reads bucket/key whole: its current version, or `version_id` when not
  // empty. `done` gets the body, or S3's error with S3's code and message
  // (NoSuchBucket, NoSuchKey, NoSuchVersion), or EntityTooLarge when the
  // object is larger than `limit` bytes (nothing is read then).
  virtual void get(std::string bucket, std::string key, std::string version_id, uint64_t limit,
                   std::function<void(Result<std::string>)> done) = 0;
};

}  // namespace nimbus::services::s3
