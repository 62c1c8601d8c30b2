#include "services/s3/object_writer.h"

#include "common/request_id.h"
#include "http/body.h"

namespace nimbus::services::s3 {

void EngineObjectWriter::put(NewObject object, std::function<void(Status)> done) {
  PutRequest put;
  put.bucket = std::move(object.bucket);
  put.key = std::move(object.key);
  put.length = object.body.size();
  put.body = http::memory_body(std::move(object.body), 1 << 20);
  if (!object.content_type.empty()) put.headers["ContentType"] = object.content_type;
  if (!object.content_encoding.empty()) put.headers["ContentEncoding"] = object.content_encoding;
  put.caller = Caller{new_request_id(), "firehose.amazonaws.com"};
  engine_.put_object(std::move(put), [done = std::move(done)](Result<ObjectMeta> m) {
    done(m ? Status::ok() : Status(m.take_error()));
  });
}

}  // namespace nimbus::services::s3
