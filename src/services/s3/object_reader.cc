#include "services/s3/object_reader.h"

#include "services/s3/errors.h"

namespace nimbus::services::s3 {

void EngineObjectReader::get(std::string bucket, std::string key, std::string version_id,
                             uint64_t limit, std::function<void(Result<std::string>)> done) {
  fetch(std::move(bucket), std::move(key), std::move(version_id), limit, std::move(done), 0);
}

void EngineObjectReader::fetch(std::string bucket, std::string key, std::string version_id,
                               uint64_t limit, std::function<void(Result<std::string>)> done,
                               int attempt) {
  auto found = engine_.head(bucket, key, version_id);
  if (!found) return done(found.take_error());
  if (!*found || (*found)->delete_marker) {
    auto b = engine_.bucket(bucket);
    if (!b) return done(b.take_error());
    if (!*b) return done(errors::no_such_bucket(bucket));
    if (!version_id.empty()) return done(errors::no_such_version(key, version_id));
    return done(errors::no_such_key(key));
  }
  ObjectMeta meta = std::move(**found);
  if (meta.size > limit) return done(errors::entity_too_large(meta.size, limit));
  auto hold = engine_.hold();
  if (!hold) return done(errors::stopping());
  // Opening the body's files blocks: on a worker. An open body is read
  // whole even if the object is replaced meanwhile; a body replaced between
  // the lookup and the open is gone, and the read starts over.
  workers_.post([this, hold, meta = std::move(meta), version_id = std::move(version_id), limit,
                 done = std::move(done), attempt]() mutable {
    auto body = engine_.open(meta, 0, std::nullopt);
    if (!body && body.error().code == "NoSuchFile" && attempt < 3) {
      return fetch(meta.bucket, meta.key, std::move(version_id), limit, std::move(done),
                   attempt + 1);
    }
    if (!body) return done(body.take_error());
    http::read_all(std::move(*body), limit,
                   [hold, done = std::move(done)](Result<std::string> r) { done(std::move(r)); });
  });
}

}  // namespace nimbus::services::s3
