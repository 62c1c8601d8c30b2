// Objects: put (blob, then record), remove, read, list; start-up garbage
// collection. Buckets and configurations are in engine_buckets.cc.
#include "services/s3/engine.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <unordered_set>

#include "common/encoding.h"
#include "common/json_fields.h"
#include "http/file_body.h"
#include "services/s3/codec.h"
#include "services/s3/conditions.h"
#include "services/s3/errors.h"
#include "services/s3/pieces_body.h"
#include "storage/blob_files.h"
#include "storage/storage.h"
#include "storage/write_batch.h"

namespace nimbus::services::s3 {

namespace {

std::string object_turn(std::string_view bucket, std::string_view key) {
  return "O" + codec::object_key(bucket, key);
}

}  // namespace

std::optional<Error> check_write_conditions(const PutRequest& put,
                                            const std::optional<ObjectMeta>& current) {
  bool exists = current && !current->delete_marker;
  if (!put.if_none_match.empty() && exists) return errors::precondition_failed("If-None-Match");
  if (!put.if_match.empty()) {
    if (!exists) return errors::no_such_key(put.key);
    if (!etag_matches(put.if_match, current->etag)) return errors::precondition_failed("If-Match");
  }
  return std::nullopt;
}

Engine::Engine(Environment& env)
    : env_(env),
      buckets_(env.storage->records(codec::kBuckets)),
      objects_(env.storage->records(codec::kObjects)),
      versions_(env.storage->records(codec::kVersions)),
      configs_(env.storage->records(codec::kConfig)),
      uploads_(env.storage->records(codec::kUploads)),
      parts_(env.storage->records(codec::kParts)),
      serial_([&workers = env.workers](std::function<void()> f) { workers.post(std::move(f)); }) {}

Engine::~Engine() {
  gate_.close();  // in-flight writes, removals and reads finish first
}

Status Engine::start() {
  bool sync = env_.storage->options().durability == storage::Durability::kSync;
  blobs_root_ = env_.settings.data_dir + "/s3/blobs";
  auto blobs = storage::BlobStore::open(blobs_root_, sync);
  if (!blobs) return blobs.take_error();
  blobs_ = std::move(*blobs);
  // Every blob a record names stays; the rest were left by a crash between
  // a blob's rename and its record's commit, or its replacement's commit
  // and its removal.
  std::unordered_set<std::string> referenced;
  uint64_t highest = 0;  // seqs are never reused, whatever the clock says
  auto visit = [&](storage::Entry& e) {
    if (auto m = codec::decode_object("", "", e.value)) {
      highest = std::max(highest, m->seq);
      for (auto& b : m->blobs()) referenced.insert(std::move(b));
    }
  };
  NIMBUS_TRY(objects_.each("", visit));
  NIMBUS_TRY(versions_.each("", visit));
  NIMBUS_TRY(collect_upload_blobs(referenced));
  auto ids = storage::list_blobs(blobs_root_);
  if (!ids) return ids.take_error();
  size_t dropped = 0;
  for (const auto& id : *ids) {
    if (referenced.contains(id)) continue;
    NIMBUS_TRY(blobs_->remove(id));
    ++dropped;
  }
  if (dropped > 0) spdlog::info("s3: removed {} unreferenced object bodies", dropped);
  // After the collection: slots are unreferenced blobs until a record names
  // them. Flushes behind the writes take at most half the workers, which
  // other blocking work (fsyncs, file reads) needs as well.
  size_t flushes = std::max<size_t>(1, env_.workers.threads() / 2);
  slots_ = std::make_unique<BlobSlots>(blobs_root_, sync, flushes);
  sequence_ = std::max(static_cast<uint64_t>(env_.clock.now_millis()) << 20, highest);
  return Status::ok();
}

// --- reads ------------------------------------------------------------------

Result<std::optional<ObjectMeta>> Engine::head(std::string_view bucket, std::string_view key,
                                               std::string_view version_id) const {
  auto at = locate(bucket, key, version_id);
  if (!at) return at.take_error();
  if (!*at) return std::optional<ObjectMeta>();
  return std::optional<ObjectMeta>(std::move((*at)->meta));
}

Result<std::shared_ptr<http::BodySource>> Engine::open(const ObjectMeta& meta, uint64_t offset,
                                                       std::optional<uint64_t> length) const {
  if (meta.inline_body) {
    std::string_view data = *meta.inline_body;
    data = data.substr(std::min<uint64_t>(offset, data.size()));
    if (length) data = data.substr(0, *length);
    return http::memory_body(std::string(data));
  }
  if (meta.pieces.empty()) {
    auto path = storage::blob_path(blobs_root_, meta.blob);
    if (!path) return path.take_error();
    return http::file_body(*path, offset, length, env_.workers);
  }
  // The pieces that overlap [offset, offset + length).
  uint64_t end = length ? offset + *length : meta.size;
  std::vector<FileRange> ranges;
  uint64_t at = 0;
  for (const auto& p : meta.pieces) {
    uint64_t from = std::max(at, offset);
    uint64_t to = std::min(at + p.size, end);
    if (from < to) {
      auto path = storage::blob_path(blobs_root_, p.blob);
      if (!path) return path.take_error();
      ranges.push_back(FileRange{*path, from - at, to - from});
    }
    at += p.size;
  }
  return pieces_body(std::move(ranges), env_.workers);
}

Result<ListPage> Engine::list(std::string_view bucket, std::string_view prefix,
                              std::string_view start_after, size_t limit) const {
  std::string scan_prefix = codec::object_key(bucket, prefix);
  std::string after = start_after.empty() ? std::string() : codec::object_key(bucket, start_after);
  auto entries = objects_.scan(scan_prefix, limit + 1, after);
  if (!entries) return entries.take_error();
  ListPage page;
  for (auto& e : *entries) {
    if (page.objects.size() == limit) {
      page.truncated = true;
      break;
    }
    std::string key = codec::key_of(e.key, bucket);
    auto meta = codec::decode_object(bucket, key, e.value);
    if (!meta) return Error::internal("s3: unreadable record of " + key);
    page.objects.push_back(std::move(*meta));
  }
  return page;
}

// --- writes -----------------------------------------------------------------

void Engine::put_object(PutRequest put, std::function<void(Result<ObjectMeta>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  auto body = std::move(put.body);
  auto length = put.length;
  std::optional<auth::ChecksumAlgorithm> algorithm;
  if (put.checksum) algorithm = put.checksum->algorithm;
  write_blob(
      std::move(body), *slots_, env_.workers, length, kMaxPutBytes, kInlineBytes, algorithm,
      [this, h, put = std::move(put), done = std::move(done)](Result<WrittenBlob> w) mutable {
        if (!w) return done(w.take_error());
        auto discard = [&] {
          if (!w->data) drop_blob(w->blob.id);
        };
        if (!put.content_md5.empty()) {
          auto want = base64_decode(put.content_md5);
          if (!want || want->size() != 16) {
            discard();
            return done(errors::invalid_digest(put.content_md5));
          }
          if (*want != w->md5) {
            discard();
            return done(errors::bad_digest(put.content_md5, base64_encode(w->md5)));
          }
        }
        ObjectMeta body;
        if (put.checksum) {
          std::string_view name = auth::checksum_name(put.checksum->algorithm);
          if (!put.checksum->claimed.empty() && put.checksum->claimed != w->checksum) {
            discard();
            return done(checksum_mismatch(name));
          }
          body.checksum_algorithm = std::string(name);
          body.checksum = std::move(w->checksum);
        }
        if (w->data) {
          body.inline_body = std::move(w->data);
        } else {
          body.blob = w->blob.id;
        }
        body.size = w->blob.size;
        body.etag = "\"" + hex(w->md5) + "\"";
        commit_object(std::move(put), std::move(body), nullptr, std::move(done));
      });
}

void Engine::commit_object(PutRequest put, ObjectMeta body, Also also,
                           std::function<void(Result<ObjectMeta>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string turn_key = object_turn(put.bucket, put.key);
  // A plain PUT reads two records and commits, which any thread may do: on
  // an idle key it runs where it is (an event loop for a small body). A
  // completion (`also`) reads every part of its upload: on the pool.
  bool reads_parts = static_cast<bool>(also);
  auto op = [this, h, put = std::move(put), body = std::move(body), also = std::move(also),
             done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    // A new body is dropped when it does not become the object; the parts
    // of an upload (`also`) stay with the upload.
    auto fail = [&](Error e) {
      if (!also) drop_blobs(body.blobs());
      done(std::move(e));
    };
    auto b = bucket(put.bucket);  // it may have gone while the body came
    if (!b) return fail(b.take_error());
    if (!*b) return fail(errors::no_such_bucket(put.bucket));
    auto old = head(put.bucket, put.key);
    if (!old) return fail(old.take_error());
    if (auto failed = check_write_conditions(put, *old)) return fail(std::move(*failed));
    ObjectMeta meta = std::move(body);
    meta.bucket = put.bucket;
    meta.key = put.key;
    meta.modified_ms = env_.clock.now_millis();
    meta.headers = std::move(put.headers);
    meta.metadata = std::move(put.metadata);
    meta.tags = std::move(put.tags);
    stamp(meta, **b);
    storage::WriteBatch batch(codec::partition(put.bucket));
    std::vector<std::string> replaced;
    if (also) {
      auto more = also(batch, meta);
      if (!more) return done(more.take_error());
      replaced = std::move(*more);
    }
    auto superseded = supersede(batch, **b, *old, meta);
    if (!superseded) return fail(superseded.take_error());
    for (auto& id : *superseded) replaced.push_back(std::move(id));
    batch.put(codec::kObjects, codec::object_key(put.bucket, put.key), codec::encode(meta));
    std::string event_version = (*b)->versioning.empty() ? "" : meta.version_id;
    bool owned = !also;
    env_.storage->commit(
        std::move(batch),
        [this, h, turn = std::move(turn), meta = std::move(meta), replaced = std::move(replaced),
         event = std::move(put.event_name), caller = std::move(put.caller), owned,
         event_version = std::move(event_version), done = std::move(done)](Status st) mutable {
          if (!st) {
            if (owned) drop_blobs(meta.blobs());
            return done(st.take_error());
          }
          drop_blobs(std::move(replaced));
          emit(ObjectEvent{std::move(event), meta.bucket, meta.key, meta.size,
                           meta.etag.substr(1, meta.etag.size() - 2), std::move(event_version),
                           next_sequencer(), meta.modified_ms, caller.request_id,
                           caller.principal});
          done(std::move(meta));
        });
  };
  if (reads_parts) {
    serial_.submit(turn_key, std::move(op));
  } else {
    serial_.run_or_submit(turn_key, std::move(op));
  }
}

void Engine::remove_object(std::string bucket, std::string key, std::string version_id,
                           std::string event_name, Caller caller,
                           std::function<void(Result<Removed>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string turn_key = object_turn(bucket, key);
  serial_.submit(turn_key, [this, h, bucket = std::move(bucket), key = std::move(key),
                            version_id = std::move(version_id), event_name = std::move(event_name),
                            caller = std::move(caller),
                            done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto b = this->bucket(bucket);
    if (!b) return done(b.take_error());
    if (!*b) return done(errors::no_such_bucket(bucket));
    storage::WriteBatch batch(codec::partition(bucket));
    std::vector<std::string> dropped;
    Removed removed;
    ObjectEvent event{std::move(event_name), bucket,          key, 0, "", "", "", 0,
                      caller.request_id,     caller.principal};
    if (!version_id.empty()) {
      // That version, for good; the next newest becomes the latest.
      auto at = locate(bucket, key, version_id);
      if (!at) return done(at.take_error());
      removed.version_id = version_id;
      if (!*at) return done(removed);  // deleting nothing succeeds
      const ObjectMeta& gone = (*at)->meta;
      removed.delete_marker = gone.delete_marker;
      dropped = gone.blobs();
      if ((*at)->current) {
        batch.del(codec::kObjects, codec::object_key(bucket, key));
        auto next = noncurrent(bucket, key, 1);
        if (!next) return done(next.take_error());
        if (!next->empty()) {
          const ObjectMeta& n = next->front();
          batch.del(codec::kVersions, codec::version_key(bucket, key, n.seq));
          batch.put(codec::kObjects, codec::object_key(bucket, key), codec::encode(n));
        }
      } else {
        batch.del(codec::kVersions, codec::version_key(bucket, key, gone.seq));
      }
      event.version_id = version_id;
    } else {
      auto old = head(bucket, key);
      if (!old) return done(old.take_error());
      if ((*b)->versioning.empty()) {
        if (!*old) return done(removed);  // deleting nothing succeeds
        batch.del(codec::kObjects, codec::object_key(bucket, key));
        dropped = (*old)->blobs();
      } else {
        // A delete marker becomes the latest version.
        ObjectMeta marker;
        marker.bucket = bucket;
        marker.key = key;
        marker.delete_marker = true;
        marker.modified_ms = env_.clock.now_millis();
        stamp(marker, **b);
        auto superseded = supersede(batch, **b, *old, marker);
        if (!superseded) return done(superseded.take_error());
        dropped = std::move(*superseded);
        batch.put(codec::kObjects, codec::object_key(bucket, key), codec::encode(marker));
        removed.version_id = marker.version_id;
        removed.delete_marker = true;
        event.version_id = marker.version_id;
        if (event.name.ends_with(":Delete")) event.name += "MarkerCreated";
      }
    }
    env_.storage->commit(
        std::move(batch),
        [this, h, turn = std::move(turn), dropped = std::move(dropped), event = std::move(event),
         removed = std::move(removed), done = std::move(done)](Status st) mutable {
          if (!st) return done(st.take_error());
          drop_blobs(std::move(dropped));
          event.sequencer = next_sequencer();
          event.time_ms = env_.clock.now_millis();
          emit(std::move(event));
          done(std::move(removed));
        });
  });
}

void Engine::remove(std::string_view bucket, std::string_view key, std::string_view version_id,
                    std::string event_name, Done done) {
  remove_object(std::string(bucket), std::string(key), std::string(version_id),
                std::move(event_name), Caller{},
                [done = std::move(done)](Result<Removed> r) { done(r.status()); });
}

void Engine::drop_blobs(std::vector<std::string> ids) {
  for (auto& id : ids) drop_blob(std::move(id));
}

void Engine::drop_blob(std::string id) {
  auto h = gate_.hold();
  if (!h) return;  // stopping: start-up collects it
  env_.workers.post([this, h, id = std::move(id)] {
    if (auto st = blobs_->remove(id); !st) {
      spdlog::warn("s3: could not remove object body {}: {}", id, st.error().message);
    }
  });
}

// --- events -----------------------------------------------------------------

void Engine::on_event(Listener listener) {
  listeners_.push_back(std::move(listener));
}

void Engine::emit(ObjectEvent event) const {
  for (const auto& l : listeners_) l(event);
}

std::string Engine::next_sequencer() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(++sequence_));
  return buf;
}

}  // namespace nimbus::services::s3
