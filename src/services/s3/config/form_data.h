// A streaming multipart/form-data parser (RFC 7578), for browser POST
// uploads: bytes are fed as they arrive, fields come out whole (bounded by
// Limits), a file part comes out as a stream of chunks, so an uploaded file
// never sits whole in memory.
//
// One parser per body, used by one thread. Any malformation (no opening
// boundary, a part without Content-Disposition, a field over its limit, a
// body that ends before the closing boundary) fails with S3's
// MalformedPOSTRequest; a callback's error stops parsing and is returned.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::s3config {

struct FilePart {
  std::string name;          // the form field's name ("file")
  std::string filename;      // as the browser sent it
  std::string content_type;  // the part's Content-Type ("" when absent)
};

struct FormHandler {
  std::function<Status(std::string name, std::string value)> field;
  std::function<Status(const FilePart& part)> file_begin;
  std::function<Status(std::string_view chunk)> file_data;
  std::function<Status()> file_end;
};

struct FormLimits {
  std::size_t field_bytes = 20 * 1024;  // one field's value
  std::size_t header_bytes = 8 * 1024;  // one part's headers
  std::size_t fields = 200;             // fields in the whole form
};

// The boundary parameter of a multipart/form-data Content-Type; nullopt when
// the type is another or the boundary is missing or longer than 70 bytes.
std::optional<std::string> form_boundary(std::string_view content_type);

Error malformed_post();

class FormDataParser {
 public:
  FormDataParser(std::string boundary, FormHandler handler, FormLimits limits = {});

  // Feeds the next bytes of the body.
  Status feed(std::string_view data);
  // The body ended: ok only when the closing boundary was seen.
  Status finish();
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kPreamble, kAfterBoundary, kHeaders, kBody, kDone };
  Status step(bool& progressed);
  Status begin_part(std::string_view headers);
  Status end_part();
  Status emit(std::string_view bytes);

  std::string delimiter_;  // "\r\n--" boundary
  FormHandler handler_;
  FormLimits limits_;
  State state_ = State::kPreamble;
  std::string buffer_;
  std::size_t fields_ = 0;
  bool in_file_ = false;
  std::string field_name_, field_value_;
};

}  // namespace nimbus::s3config
