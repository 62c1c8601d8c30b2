// Buckets and their configuration documents.
#include "services/s3/codec.h"
#include "services/s3/engine.h"
#include "services/s3/errors.h"
#include "storage/key_codec.h"
#include "storage/storage.h"
#include "storage/write_batch.h"

namespace nimbus::services::s3 {

namespace {

std::string bucket_turn(std::string_view bucket) {
  return "B" + std::string(bucket);
}

}  // namespace

Result<std::optional<Bucket>> Engine::bucket(std::string_view name) const {
  auto text = buckets_.get(name);
  if (!text) return text.take_error();
  if (!*text) return std::optional<Bucket>();
  auto b = codec::decode_bucket(name, **text);
  if (!b) return Error::internal("s3: unreadable record of bucket " + std::string(name));
  return b;
}

Result<std::vector<Bucket>> Engine::buckets() const {
  std::vector<Bucket> out;
  Status st = buckets_.each("", [&](storage::Entry& e) {
    if (auto b = codec::decode_bucket(e.key, e.value)) out.push_back(std::move(*b));
  });
  if (!st) return st.take_error();
  return out;
}

void Engine::create_bucket(Bucket b, Done done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string key = bucket_turn(b.name);
  serial_.submit(key, [this, h, b = std::move(b),
                       done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto existing = bucket(b.name);
    if (!existing) return done(existing.take_error());
    if (*existing) return done(errors::bucket_already_owned(b.name));
    storage::WriteBatch batch(codec::partition(b.name));
    batch.put(codec::kBuckets, b.name, codec::encode(b));
    env_.storage->commit(std::move(batch), [turn = std::move(turn), done = std::move(done)](
                                               Status st) { done(std::move(st)); });
  });
}

void Engine::delete_bucket(std::string name, Done done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string key = bucket_turn(name);
  serial_.submit(key, [this, h, name = std::move(name),
                       done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto existing = bucket(name);
    if (!existing) return done(existing.take_error());
    if (!*existing) return done(errors::no_such_bucket(name));
    auto any = objects_.scan(codec::bucket_prefix(name), 1);
    if (!any) return done(any.take_error());
    if (!any->empty()) return done(errors::bucket_not_empty(name));
    auto in_progress = uploads_.scan(codec::bucket_prefix(name), 1);  // multipart uploads
    if (!in_progress) return done(in_progress.take_error());
    if (!in_progress->empty()) return done(errors::bucket_not_empty(name));
    storage::WriteBatch batch(codec::partition(name));
    batch.del(codec::kBuckets, name);
    std::string prefix = codec::bucket_prefix(name);
    batch.del_range(codec::kConfig, prefix, storage::prefix_successor(prefix));
    env_.storage->commit(std::move(batch), [turn = std::move(turn), done = std::move(done)](
                                               Status st) { done(std::move(st)); });
  });
}

Result<std::optional<std::string>> Engine::config(std::string_view bucket,
                                                  std::string_view name) const {
  return configs_.get(codec::config_key(bucket, name));
}

void Engine::put_config(std::string_view bucket_name, std::string_view name,
                        std::optional<std::string> document, Done done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string key = bucket_turn(bucket_name);
  serial_.submit(key, [this, h, bucket_name = std::string(bucket_name), name = std::string(name),
                       document = std::move(document),
                       done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto existing = bucket(bucket_name);
    if (!existing) return done(existing.take_error());
    if (!*existing) return done(errors::no_such_bucket(bucket_name));
    storage::WriteBatch batch(codec::partition(bucket_name));
    if (document) {
      batch.put(codec::kConfig, codec::config_key(bucket_name, name), *document);
    } else {
      batch.del(codec::kConfig, codec::config_key(bucket_name, name));
    }
    env_.storage->commit(std::move(batch), [turn = std::move(turn), done = std::move(done)](
                                               Status st) { done(std::move(st)); });
  });
}

}  // namespace nimbus::services::s3
