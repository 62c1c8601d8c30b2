// Object tags: replaced whole, in the key's turn, and told to the listeners.
#include "services/s3/codec.h"
#include "services/s3/engine.h"
#include "services/s3/errors.h"
#include "storage/storage.h"

namespace nimbus::services::s3 {

void Engine::set_tags(std::string bucket, std::string key, std::string version_id,
                      boost::json::object tags, std::string event_name, Caller caller,
                      std::function<void(Result<ObjectMeta>)> done) {
  auto h = gate_.hold();
  if (!h) return done(errors::stopping());
  std::string turn_key = "O" + codec::object_key(bucket, key);
  serial_.submit(turn_key, [this, h, bucket = std::move(bucket), key = std::move(key),
                            version_id = std::move(version_id), tags = std::move(tags),
                            event_name = std::move(event_name), caller = std::move(caller),
                            done = std::move(done)](storage::PartitionExecutor::Turn turn) mutable {
    auto at = locate(bucket, key, version_id);
    if (!at) return done(at.take_error());
    if (!*at && !version_id.empty()) return done(errors::no_such_version(key, version_id));
    if (!*at || (*at)->meta.delete_marker) return done(errors::no_such_key(key));
    ObjectMeta meta = std::move((*at)->meta);
    meta.tags = std::move(tags);
    storage::WriteBatch batch(codec::partition(bucket));
    if ((*at)->current) {
      batch.put(codec::kObjects, codec::object_key(bucket, key), codec::encode(meta));
    } else {
      batch.put(codec::kVersions, codec::version_key(bucket, key, meta.seq), codec::encode(meta));
    }
    auto b = this->bucket(bucket);
    if (!b) return done(b.take_error());
    std::string event_version = *b && !(*b)->versioning.empty() ? meta.version_id : "";
    env_.storage->commit(
        std::move(batch),
        [this, h, turn = std::move(turn), meta, event_name = std::move(event_name),
         caller = std::move(caller), event_version = std::move(event_version),
         done = std::move(done)](Status st) mutable {
          if (!st) return done(st.take_error());
          emit(ObjectEvent{std::move(event_name), meta.bucket, meta.key, meta.size,
                           meta.etag.substr(1, meta.etag.size() - 2), std::move(event_version),
                           next_sequencer(), env_.clock.now_millis(), caller.request_id,
                           caller.principal});
          done(std::move(meta));
        });
  });
}

}  // namespace nimbus::services::s3
