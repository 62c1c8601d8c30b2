// Multipart uploads in the engine: an upload's record, its parts (one blob
// each) and the completion that turns them into the object's pieces.
// Every write of an upload runs in its key's turn, with the key's object
// writes, so a part cannot change under a completion reading it.
#include <random>

#include "common/encoding.h"
#include "services/s3/codec.h"
#include "services/s3/engine.h"
#include "services/s3/errors.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace nimbus::services::s3 {

namespace {

std::string object_turn(std::string_view bucket, std::string_view key) {
  return "O" + codec::object_key(bucket, key);
}

std::string new_upload_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw;
  for (int i = 0; i < 3; ++i) {
    uint64_t v = rng();
    raw.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  std::string id = base64_encode(raw);  // URL-safe, as upload ids go into query strings
  for (char& c : id) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return id;
}

}  // namespace

Status Engine::collect_upload_blobs(std::unordered_set<std::string>& referenced) const {
  return parts_.each("", [&](storage::Entry& e) {
    if (auto p = codec::decode_part(e.key, e.value)) referenced.insert(p->blob);
  });
}

void Engine::create_upload(Upload upload, std::function<void(Result<Upload>)> done) {
  upload.id = new_upload_id();
  storage::WriteBatch batch(codec::partition(upload.bucket));
  batch.put(codec::kUploads, codec::upload_key(upload.bucket, upload.key, upload.id),
            codec::encode(upload));
  env_.storage->commit(std::move(batch),
                       [upload = std::move(upload), done = std::move(done)](Status st) mutable {
                         if (!st) return done(st.take_error());
                         done(std::move(upload));
                       });
}

Result<std::optional<Upload>> Engine::upload(std::string_view bucket, std::string_view key,
                                             std::string_view id) const {
  std::string record_key = codec::upload_key(bucket, key, id);
  auto text = uploads_.get(record_key);
  if (!text) return text.take_error();
  if (!*text) return std::optional<Upload>();
  return codec::decode_upload(record_key, **text);
}

Result<std::vector<Upload>> Engine::uploads(std::string_view bucket, std::string_view prefix,
                                            std::string_view key_marker, std::string_view id_marker,
                                            size_t limit) const {
  std::string scan_prefix = storage::KeyBuilder().str(bucket).str_prefix(prefix).bytes();
  std::string after;
  if (!key_marker.empty()) {
    // After the marker's key entirely, or after one of its uploads.
    after = id_marker.empty()
                ? storage::KeyBuilder().str(bucket).str(key_marker).bytes() + std::string(1, '\xff')
                : codec::upload_key(bucket, key_marker, id_marker);
  }
  auto entries = uploads_.scan(scan_prefix, limit, after);
  if (!entries) return entries.take_error();
  std::vector<Upload> out;
  for (auto& e : *entries) {
    if (auto u = codec::decode_upload(e.key, e.value)) out.push_back(std::move(*u));
  }
  return out;
}

Result<std::vector<PartInfo>> Engine::parts(std::string_view id, int after, size_t limit) const {
  std::string start = after > 0 ? codec::part_key(id, after) : std::string();
  auto entries = parts_.scan(codec::parts_prefix(id), limit, start);
  if (!entries) return entries.take_error();
  std::vector<PartInfo> out;
  for (auto& e : *entries) {
    if (auto p = codec::decode_part(e.key, e.value)) out.push_back(std::move(*p));
  }
  return out;
}

void Engine::upload_part(Upload upload, int number, std::shared_ptr<http::BodySource> body,
                         std::optional<uint64_t> length, std::string content_md5,
                         std::optional<ChecksumRequest> checksum,
                         std::function<void(Result<PartInfo>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  if (!checksum && !upload.checksum_algorithm.empty()) {
    if (auto a = checksum_algorithm(upload.checksum_algorithm)) checksum = ChecksumRequest{*a, ""};
  }
  std::optional<auth::ChecksumAlgorithm> algorithm;
  if (checksum) algorithm = checksum->algorithm;
  write_blob(
      std::move(body), *slots_, env_.workers, length, kMaxPutBytes, /*inline_limit=*/0, algorithm,
      [this, h, upload = std::move(upload), number, content_md5 = std::move(content_md5),
       checksum = std::move(checksum), done = std::move(done)](Result<WrittenBlob> w) mutable {
        if (!w) return done(w.take_error());
        if (checksum && !checksum->claimed.empty() && checksum->claimed != w->checksum) {
          drop_blob(w->blob.id);
          return done(checksum_mismatch(auth::checksum_name(checksum->algorithm)));
        }
        if (!content_md5.empty()) {
          auto want = base64_decode(content_md5);
          if (!want || want->size() != 16 || *want != w->md5) {
            drop_blob(w->blob.id);
            return done(!want || want->size() != 16
                            ? errors::invalid_digest(content_md5)
                            : errors::bad_digest(content_md5, base64_encode(w->md5)));
          }
        }
        PartInfo part{number,
                      w->blob.id,
                      w->blob.size,
                      "\"" + hex(w->md5) + "\"",
                      env_.clock.now_millis(),
                      std::move(w->checksum)};
        std::string turn_key = object_turn(upload.bucket, upload.key);
        serial_.submit(turn_key, [this, h, upload = std::move(upload), part = std::move(part),
                                  done = std::move(done)](
                                     storage::PartitionExecutor::Turn turn) mutable {
          auto fail = [&](Error e) {
            drop_blob(part.blob);
            done(std::move(e));
          };
          auto still = this->upload(upload.bucket, upload.key, upload.id);
          if (!still) return fail(still.take_error());
          if (!*still) return fail(errors::no_such_upload(upload.id));
          auto old = parts_.get(codec::part_key(upload.id, part.number));
          if (!old) return fail(old.take_error());
          std::string replaced;
          if (*old) {
            if (auto o = codec::decode_part(codec::part_key(upload.id, part.number), **old)) {
              replaced = o->blob;
            }
          }
          storage::WriteBatch batch(codec::partition(upload.bucket));
          batch.put(codec::kParts, codec::part_key(upload.id, part.number), codec::encode(part));
          env_.storage->commit(
              std::move(batch),
              [this, h, turn = std::move(turn), part = std::move(part),
               replaced = std::move(replaced), done = std::move(done)](Status st) mutable {
                if (!st) {
                  drop_blob(part.blob);
                  return done(st.take_error());
                }
                if (!replaced.empty()) drop_blob(std::move(replaced));
                done(std::move(part));
              });
        });
      });
}

void Engine::complete_upload(Upload upload, std::vector<CompletedPart> asked, PutRequest put,
                             std::function<void(Result<ObjectMeta>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  put.bucket = upload.bucket;
  put.key = upload.key;
  put.headers = upload.headers;
  put.metadata = upload.metadata;
  put.tags = upload.tags;
  put.event_name = "ObjectCreated:CompleteMultipartUpload";
  Also also = [this, h, upload, asked = std::move(asked)](
                  storage::WriteBatch& batch,
                  ObjectMeta& meta) -> Result<std::vector<std::string>> {
    auto still = this->upload(upload.bucket, upload.key, upload.id);
    if (!still) return still.take_error();
    if (!*still) return errors::no_such_upload(upload.id);
    auto stored = parts(upload.id, 0, static_cast<size_t>(kMaxPartNumber));
    if (!stored) return stored.take_error();
    auto chosen = select_parts(upload.id, asked, *stored);
    if (!chosen) return chosen.take_error();
    meta.blob.clear();
    meta.pieces.clear();
    meta.size = 0;
    std::vector<std::string> checksums;
    for (const auto& p : *chosen) {
      meta.pieces.push_back(Piece{p.blob, p.size, p.number, p.checksum});
      meta.size += p.size;
      checksums.push_back(p.checksum);
    }
    meta.etag = multipart_etag(*chosen);
    // S3's composite checksum: of the parts' checksums, with the upload's algorithm.
    if (auto a = checksum_algorithm(upload.checksum_algorithm)) {
      if (auto whole = composite_checksum(*a, checksums)) {
        meta.checksum_algorithm = upload.checksum_algorithm;
        meta.checksum = std::move(*whole);
      }
    }
    batch.del(codec::kUploads, codec::upload_key(upload.bucket, upload.key, upload.id));
    std::string prefix = codec::parts_prefix(upload.id);
    batch.del_range(codec::kParts, prefix, storage::prefix_successor(prefix));
    // Parts the completion leaves out go with the upload.
    std::vector<std::string> unused;
    for (const auto& p : *stored) {
      bool used = false;
      for (const auto& c : *chosen) used = used || c.number == p.number;
      if (!used) unused.push_back(p.blob);
    }
    return unused;
  };
  commit_object(std::move(put), ObjectMeta{}, std::move(also), std::move(done));
}

void Engine::abort_upload(Upload upload, Done done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string turn_key = object_turn(upload.bucket, upload.key);
  serial_.submit(turn_key, [this, h, upload = std::move(upload),
                            done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto still = this->upload(upload.bucket, upload.key, upload.id);
    if (!still) return done(still.take_error());
    if (!*still) return done(errors::no_such_upload(upload.id));
    auto stored = parts(upload.id, 0, static_cast<size_t>(kMaxPartNumber));
    if (!stored) return done(stored.take_error());
    storage::WriteBatch batch(codec::partition(upload.bucket));
    batch.del(codec::kUploads, codec::upload_key(upload.bucket, upload.key, upload.id));
    std::string prefix = codec::parts_prefix(upload.id);
    batch.del_range(codec::kParts, prefix, storage::prefix_successor(prefix));
    std::vector<std::string> blobs;
    for (const auto& p : *stored) blobs.push_back(p.blob);
    env_.storage->commit(std::move(batch),
                         [this, h, turn = std::move(turn), blobs = std::move(blobs),
                          done = std::move(done)](Status st) mutable {
                           if (st) drop_blobs(std::move(blobs));
                           done(std::move(st));
                         });
  });
}

}  // namespace nimbus::services::s3
