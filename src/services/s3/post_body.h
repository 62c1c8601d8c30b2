// A browser POST upload's multipart/form-data body, read from the request
// stream with s3config::FormDataParser: the fields before the file part come
// out whole, then the file part is a BodySource the engine writes as it
// writes a PutObject body, piece by piece, never whole in memory. Fields
// after the file are read and ignored, as S3 ignores them.
//
// Threads: reads run where the request body calls back (the connection's
// event loop); one read at a time, as http::BodySource says.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/result.h"
#include "http/body.h"
#include "services/s3/config/form_data.h"

namespace nimbus::services::s3 {

struct PostFields {
  std::map<std::string, std::string> fields;  // names lower-cased; the first of a name wins
  s3config::FilePart file;
};

// Checks the file's size as it grows (`end`: the whole file has come); an
// error fails the body's read, so the object is not committed.
using SizeCheck = std::function<Status(uint64_t size, bool end)>;

class PostBody : public std::enable_shared_from_this<PostBody> {
 public:
  static std::shared_ptr<PostBody> make(std::shared_ptr<http::BodySource> body,
                                        std::string boundary);

  // Reads up to the file part. `done` gets the fields and the file part, or
  // MalformedPOSTRequest, IncorrectNumberOfFilesInPostRequest (no file), or
  // the body's own error.
  void read_fields(std::function<void(Result<PostFields>)> done);
  // After read_fields: the file's bytes as a body (its size unknown up
  // front), checked by `check`.
  std::shared_ptr<http::BodySource> file(SizeCheck check);

  PostBody(std::shared_ptr<http::BodySource> body, std::string boundary);

 private:
  class File;
  // Feeds the next piece of the request body; `done` gets ok, or the
  // parser's or the body's error; `ended` is set at the body's end.
  void pull(std::function<void(Status)> done);

  std::shared_ptr<http::BodySource> body_;
  s3config::FormDataParser parser_;
  PostFields fields_;
  bool in_file_ = false, file_seen_ = false, file_ended_ = false, ended_ = false;
  std::string pending_;  // file bytes the last feed produced, not yet handed out
};

}  // namespace nimbus::services::s3
