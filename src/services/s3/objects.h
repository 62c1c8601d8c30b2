// The S3 engine's interface for the rest of the S3 service: bucket
// configurations, notifications, website hosting and lifecycle (the files
// of config/, notify*, website*, lifecycle*) see buckets and objects only
// through this, never the records behind it.
//
// Threads: the lookups (bucket, head, list, config) read committed state
// and are cheap enough for an event loop; open() blocks (worker pool
// only); the writes answer through a callback, called once, from the
// storage committer or a worker (do not block in it).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/body.h"
#include "services/s3/multipart.h"

namespace nimbus::services::s3 {

struct Bucket {
  std::string name;
  std::string region;  // its LocationConstraint ("" is us-east-1)
  std::string owner;   // account id
  int64_t created_ms = 0;
  std::string versioning;  // "", "Enabled" or "Suspended"
};

// One stored file of an object's body.
struct Piece {
  std::string blob;
  uint64_t size = 0;
  int number = 0;        // its part number (0: written before numbers were kept)
  std::string checksum;  // the part's checksum (base64), when the upload had an algorithm
};

// One version of one object (the current one unless a version id is asked
// for), or a delete marker.
struct ObjectMeta {
  std::string bucket;
  std::string key;
  std::string version_id = "null";  // "null" when written unversioned
  // Orders the versions of a key (newest highest), unique per engine; a
  // version id other than "null" is this number in text (version_id_of).
  uint64_t seq = 0;
  std::string blob;           // blob id of the body; empty for a delete marker
  std::vector<Piece> pieces;  // instead of `blob`: the parts of a multipart upload
  // Instead of `blob`: the body itself, kept in the record (a small object,
  // engine.h kInlineBytes), so that its write waits for the record's commit
  // alone.
  std::optional<std::string> inline_body;
  uint64_t size = 0;
  std::string etag;  // as S3 quotes it: "\"d41d8cd9...\""
  // The checksum a write asked for: "CRC32", "CRC32C", "SHA1", "SHA256" or
  // "CRC64NVME" ("" when none), and its base64 value ("-N" appended for a
  // multipart object's composite checksum).
  std::string checksum_algorithm;
  std::string checksum;
  int64_t modified_ms = 0;
  bool delete_marker = false;
  // Every blob the body uses (`blob`, or the pieces').
  std::vector<std::string> blobs() const {
    if (!blob.empty()) return {blob};
    std::vector<std::string> out;
    for (const auto& p : pieces) out.push_back(p.blob);
    return out;
  }
  // System headers by their output member names (ContentType, CacheControl,
  // ContentDisposition, ContentEncoding, ContentLanguage, Expires,
  // WebsiteRedirectLocation), and user metadata (x-amz-meta-*, lower-case).
  boost::json::object headers;
  boost::json::object metadata;
  boost::json::object tags;  // tag key -> value
};

// What happened to an object, after it is durable: what notifications
// report (s3.object in the event record).
struct ObjectEvent {
  std::string name;  // "ObjectCreated:Put", "ObjectCreated:Copy",
                     // "ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete",
                     // "ObjectRemoved:DeleteMarkerCreated", "ObjectTagging:Put", ...
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;        // unquoted, as event records carry it
  std::string version_id;  // empty when the bucket is not versioned
  std::string sequencer;   // hex, orders the events of one key
  int64_t time_ms = 0;
  std::string request_id;
  std::string principal;  // the caller's access key id, or account
};

// One entry of a version listing: a version or a delete marker.
struct VersionEntry {
  ObjectMeta meta;
  bool latest = false;
};
struct VersionPage {
  std::vector<VersionEntry> entries;  // key order, then newest first
  bool truncated = false;
};

struct ListPage {
  std::vector<ObjectMeta>
      objects;  // latest versions (delete markers too), in UTF-8 binary key order
  bool truncated = false;
};

class Objects {
 public:
  using Listener = std::function<void(const ObjectEvent&)>;
  using Done = std::function<void(Status)>;

  virtual ~Objects() = default;

  // The bucket, or nullopt when it does not exist.
  virtual Result<std::optional<Bucket>> bucket(std::string_view name) const = 0;
  // The object's current version (or `version_id`); nullopt when there is
  // none. A delete marker is returned as one (delete_marker = true).
  virtual Result<std::optional<ObjectMeta>> head(std::string_view bucket, std::string_view key,
                                                 std::string_view version_id = {}) const = 0;
  // The body of `meta` from `offset`, `length` bytes (to the end when
  // nullopt), as a stream that keeps reading what it opened even if the
  // object is overwritten or deleted meanwhile. Blocks: worker pool only.
  virtual Result<std::shared_ptr<http::BodySource>> open(const ObjectMeta& meta, uint64_t offset,
                                                         std::optional<uint64_t> length) const = 0;
  // Up to `limit` current objects whose key starts with `prefix` and comes
  // after `start_after`.
  virtual Result<ListPage> list(std::string_view bucket, std::string_view prefix,
                                std::string_view start_after, size_t limit) const = 0;
  // Every version and delete marker of keys starting with `prefix`, in key
  // order then newest first, after (`key_marker`, `version_marker`), up
  // to `limit` (ListObjectVersions; in an unversioned bucket, the objects).
  virtual Result<VersionPage> versions(std::string_view bucket, std::string_view prefix,
                                       std::string_view key_marker, std::string_view version_marker,
                                       size_t limit) const = 0;
  // Deletes the current version (or `version_id`) as DeleteObject does
  // (a delete marker in a versioned bucket); `event_name` is what the
  // listeners are told ("ObjectRemoved:Delete", "LifecycleExpiration:Delete").
  virtual void remove(std::string_view bucket, std::string_view key, std::string_view version_id,
                      std::string event_name, Done done) = 0;

  // Incomplete multipart uploads of keys starting with `prefix`, in key
  // order then by id, after (`key_marker`, `id_marker`), up to `limit`.
  virtual Result<std::vector<Upload>> uploads(std::string_view bucket, std::string_view prefix,
                                              std::string_view key_marker,
                                              std::string_view id_marker, size_t limit) const = 0;
  // Aborts the upload as AbortMultipartUpload does (its parts' files go);
  // NoSuchUpload when it is gone.
  virtual void abort_upload(Upload upload, Done done) = 0;

  // A bucket's configuration document `name` ("policy", "cors", ...), kept
  // with the bucket and deleted with it; nullopt when not set.
  virtual Result<std::optional<std::string>> config(std::string_view bucket,
                                                    std::string_view name) const = 0;
  // Sets (or with nullopt removes) it; NoSuchBucket when the bucket is gone.
  virtual void put_config(std::string_view bucket, std::string_view name,
                          std::optional<std::string> document, Done done) = 0;

  // Called after every object event is durable, in commit order per key,
  // on the storage committer or a worker: must not block. Add listeners
  // before the server starts (bind/start), not while it serves.
  virtual void on_event(Listener listener) = 0;
};

}  // namespace nimbus::services::s3
