// The S3 engine: buckets and objects, their records (codec.h) and their
// bodies (blobs under <data_dir>/s3/blobs). Handlers call it; the rest of
// the S3 service uses it through Objects (objects.h).
//
// Durability: a body is written into a slot, a file made ahead under its
// final name whose directory entry is already durable (blob_slots.h), and
// fsynced (sync durability) before the record naming it is committed; the
// record commit is the one switch that makes it visible. A replaced or
// deleted body is removed after that commit. Start-up removes temporaries
// and every blob no record names (a crash between blob and record, or
// between record and removal, and unused slots).
//
// Threads: writes of one object (or one bucket) run one at a time on the
// worker pool (storage::PartitionExecutor), so a conditional check and the
// commit it guards never interleave with another write of that key.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_set>
#include <vector>

#include "common/gate.h"
#include "services/s3/blob_sink.h"
#include "services/s3/checksums.h"
#include "services/s3/multipart.h"
#include "services/s3/objects.h"
#include "services/service.h"
#include "storage/blob_store.h"
#include "storage/partition.h"
#include "storage/records.h"
#include "storage/write_batch.h"

namespace nimbus::services::s3 {

// Who asked, for the event records.
struct Caller {
  std::string request_id;
  std::string principal;
};

// A PutObject: the body and what is stored beside it.
struct PutRequest {
  std::string bucket;
  std::string key;
  std::shared_ptr<http::BodySource> body;
  std::optional<uint64_t> length;           // Content-Length (decoded), when known
  std::string content_md5;                  // base64, as the header carries it; may be empty
  std::optional<ChecksumRequest> checksum;  // x-amz-checksum-*: computed, checked, stored
  boost::json::object headers;
  boost::json::object metadata;
  boost::json::object tags;
  // Conditional write: If-Match (an ETag list) and If-None-Match ("*"),
  // checked against the current version just before the commit.
  std::string if_match;
  std::string if_none_match;
  std::string event_name = "ObjectCreated:Put";
  Caller caller;
};

// What a DeleteObject did.
struct Removed {
  // The delete marker made, or the version deleted ("null" included); empty
  // when the bucket never had versioning and no version was named.
  std::string version_id;
  bool delete_marker = false;  // a marker was made, or the version deleted was one
};

// Version ids: "null", or a version's seq as 16 hex digits (opaque to
// clients, unique, never reused).
std::string version_id_of(uint64_t seq);
// The seq a version id names; nullopt for "null" and for text that is not
// a version id.
std::optional<uint64_t> seq_of(std::string_view version_id);
// "null" or a version id this engine makes (else S3's InvalidArgument).
bool valid_version_id(std::string_view version_id);

// The write conditions of `put` against the current version: nullopt to
// go ahead, else 412 PreconditionFailed (or NoSuchKey for If-Match on a
// missing key).
std::optional<Error> check_write_conditions(const PutRequest& put,
                                            const std::optional<ObjectMeta>& current);

class Engine final : public Objects {
 public:
  explicit Engine(Environment& env);
  ~Engine() override;

  // Opens the blob store and collects garbage (blocks; start-up only).
  Status start();
  // Replaces how the bodies written from now on are synced (tests make the
  // flush behind the writes or the commit's fsync fail). After start().
  void set_file_sync(FileSync file_sync) { slots_->set_file_sync(std::move(file_sync)); }
  // The flushes behind the writes running now, at most half the worker
  // pool's threads (at least one) in the process (tests). After start().
  const FlushBudget& flush_budget() const { return slots_->flush_budget(); }

  // --- buckets ---
  Result<std::vector<Bucket>> buckets() const;
  // BucketAlreadyOwnedByYou when it exists.
  void create_bucket(Bucket bucket, Done done);
  // NoSuchBucket, BucketNotEmpty; its configurations go with it.
  void delete_bucket(std::string bucket, Done done);
  // PutBucketVersioning: "Enabled" or "Suspended" (engine_versions.cc).
  void set_versioning(std::string bucket, std::string status, Done done);

  // --- objects ---
  // Streams the body to a blob, then commits the record and tells the
  // listeners. The new version replaces the current one (unversioned
  // bucket), becomes the latest with a new version id (Enabled), or
  // becomes the "null" version, replacing the old null one (Suspended).
  void put_object(PutRequest put, std::function<void(Result<ObjectMeta>)> done);
  // DeleteObject: without a version id, removes the object (unversioned)
  // or makes a delete marker the latest version (event name's ":Delete"
  // becomes ":DeleteMarkerCreated"); with one, deletes that version for
  // good (the next newest becomes the latest). Nothing to delete succeeds.
  void remove_object(std::string bucket, std::string key, std::string version_id,
                     std::string event_name, Caller caller,
                     std::function<void(Result<Removed>)> done);
  // ListObjectVersions: every version and delete marker of keys starting
  // with `prefix`, after (key_marker, version_marker), up to `limit`
  // (engine_versions.cc).
  Result<VersionPage> versions(std::string_view bucket, std::string_view prefix,
                               std::string_view key_marker, std::string_view version_marker,
                               size_t limit) const override;

  // --- multipart uploads (multipart.cc) ---
  // Gives the upload its id.
  void create_upload(Upload upload, std::function<void(Result<Upload>)> done);
  // nullopt when there is no such upload of that key.
  Result<std::optional<Upload>> upload(std::string_view bucket, std::string_view key,
                                       std::string_view id) const;
  // Uploads in progress in key order, then by id; up to `limit`, after
  // (key_marker, id_marker).
  Result<std::vector<Upload>> uploads(std::string_view bucket, std::string_view prefix,
                                      std::string_view key_marker, std::string_view id_marker,
                                      size_t limit) const override;
  // Parts numbered above `after`, ascending, up to `limit`.
  Result<std::vector<PartInfo>> parts(std::string_view id, int after, size_t limit) const;
  // Streams one part to a blob and commits it (replacing a part of that
  // number); NoSuchUpload when the upload went meanwhile.
  // With `checksum` (or the upload's algorithm) the part's checksum is
  // computed, checked against a claimed value and kept.
  void upload_part(Upload upload, int number, std::shared_ptr<http::BodySource> body,
                   std::optional<uint64_t> length, std::string content_md5,
                   std::optional<ChecksumRequest> checksum,
                   std::function<void(Result<PartInfo>)> done);
  // The object from the named parts (select_parts' checks), the upload's
  // records gone in the same batch, unnamed parts removed after it.
  void complete_upload(Upload upload, std::vector<CompletedPart> asked, PutRequest put,
                       std::function<void(Result<ObjectMeta>)> done);
  void abort_upload(Upload upload, Done done) override;

  // --- Objects ---
  Result<std::optional<Bucket>> bucket(std::string_view name) const override;
  Result<std::optional<ObjectMeta>> head(std::string_view bucket, std::string_view key,
                                         std::string_view version_id = {}) const override;
  Result<std::shared_ptr<http::BodySource>> open(const ObjectMeta& meta, uint64_t offset,
                                                 std::optional<uint64_t> length) const override;
  Result<ListPage> list(std::string_view bucket, std::string_view prefix,
                        std::string_view start_after, size_t limit) const override;
  void remove(std::string_view bucket, std::string_view key, std::string_view version_id,
              std::string event_name, Done done) override;
  Result<std::optional<std::string>> config(std::string_view bucket,
                                            std::string_view name) const override;
  void put_config(std::string_view bucket, std::string_view name,
                  std::optional<std::string> document, Done done) override;
  void on_event(Listener listener) override;

  // Work that uses the engine from another thread holds this; the engine
  // waits for every holder when it is destroyed (empty: it is stopping).
  Gate::Holder hold() { return gate_.hold(); }

  // --- object tags (engine_tags.cc) ---
  // Replaces the tags of the current version (or `version_id`); NoSuchKey.
  void set_tags(std::string bucket, std::string key, std::string version_id,
                boost::json::object tags, std::string event_name, Caller caller,
                std::function<void(Result<ObjectMeta>)> done);

  // Largest single PUT body S3 takes (5 GiB).
  static constexpr uint64_t kMaxPutBytes = 5ull << 30;
  // A PUT body of a declared length up to this is kept in the object's
  // record (ObjectMeta::inline_body) instead of a blob file: its write then
  // waits for the record's commit alone, which concurrent writes share,
  // instead of its own file fsync before it. Larger bodies are files, which
  // the record would otherwise carry through the log, every compaction and
  // every listing.
  static constexpr uint64_t kInlineBytes = 8 * 1024;

 private:
  // Inside the key's turn, before the commit: more writes for the batch
  // (a completed upload's records) and the blobs that go once it commits;
  // an error stops the write.
  using Also = std::function<Result<std::vector<std::string>>(storage::WriteBatch&, ObjectMeta&)>;
  // Commits `body` (blob or pieces, size, ETag) as the key's object, in the
  // key's turn, after the bucket and the write conditions are checked.
  void commit_object(PutRequest put, ObjectMeta body, Also also,
                     std::function<void(Result<ObjectMeta>)> done);
  // A version and whether it is the key's latest (engine_versions.cc).
  struct Located {
    ObjectMeta meta;
    bool current = false;
  };
  Result<std::optional<Located>> locate(std::string_view bucket, std::string_view key,
                                        std::string_view version_id) const;
  // The key's noncurrent versions, newest first, at most `limit`.
  Result<std::vector<ObjectMeta>> noncurrent(std::string_view bucket, std::string_view key,
                                             size_t limit) const;
  // Adds to `batch` what `next` becoming the latest version of its key
  // does to the old latest (`old`) and to an older "null" version: kept as
  // noncurrent versions or replaced. Returns the blobs to drop once it commits.
  Result<std::vector<std::string>> supersede(storage::WriteBatch& batch, const Bucket& bucket,
                                             const std::optional<ObjectMeta>& old,
                                             const ObjectMeta& next) const;
  // A new version's seq and id for a write into `bucket`.
  void stamp(ObjectMeta& meta, const Bucket& bucket);
  void emit(ObjectEvent event) const;
  std::string next_sequencer();
  void drop_blob(std::string id);
  void drop_blobs(std::vector<std::string> ids);
  // Adds the blobs of unfinished multipart uploads' parts (multipart.cc).
  Status collect_upload_blobs(std::unordered_set<std::string>& referenced) const;

  Environment& env_;
  storage::Records buckets_;
  storage::Records objects_;
  storage::Records versions_;
  storage::Records configs_;
  storage::Records uploads_;
  storage::Records parts_;
  std::string blobs_root_;  // <data_dir>/s3/blobs
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<BlobSlots> slots_;  // where new bodies are written (blob_slots.h)
  storage::PartitionExecutor serial_;
  std::vector<Listener> listeners_;
  std::atomic<uint64_t> sequence_{0};  // version seqs and event sequencers
  Gate gate_;                          // last: closed first, by the destructor
};

}  // namespace nimbus::services::s3
