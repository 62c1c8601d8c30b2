#include "services/s3/config/form_data.h"

#include <cctype>

#include "common/text.h"

namespace nimbus::s3config {

namespace {

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The parameter `name` of a header value (`form-data; name="a"; filename=b`):
// quoted (with backslash escapes) or a token; nullopt when absent.
std::optional<std::string> parameter(std::string_view value, std::string_view name) {
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string key = ascii_lower(trim(value.substr(i, eq - i)));
    std::string out;
    size_t j = eq + 1;
    if (j < value.size() && value[j] == '"') {
      for (++j; j < value.size() && value[j] != '"'; ++j) {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        out += value[j];
      }
      if (j >= value.size()) return std::nullopt;  // unterminated quote
      ++j;
    } else {
      size_t end = value.find(';', j);
      out = std::string(trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      j = end == std::string_view::npos ? value.size() : end;
    }
    if (key == name) return out;
    i = value.find(';', j);
  }
  return std::nullopt;
}

}  // namespace

Error malformed_post() {
  return Error::make("MalformedPOSTRequest",
                     "The body of your POST request is not well-formed multipart/form-data.", 400);
}

std::optional<std::string> form_boundary(std::string_view content_type) {
  std::string type = ascii_lower(trim(content_type.substr(0, content_type.find(';'))));
  if (type != "multipart/form-data") return std::nullopt;
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

FormDataParser::FormDataParser(std::string boundary, FormHandler handler, FormLimits limits)
    : delimiter_("\r\n--" + boundary), handler_(std::move(handler)), limits_(limits) {
  // The first boundary may start the body without the CRLF before it.
  buffer_ = "\r\n";
}

Status FormDataParser::feed(std::string_view data) {
  if (state_ == State::kDone) return Status::ok();  // the epilogue is ignored
  buffer_.append(data);
  bool progressed = true;
  while (progressed && state_ != State::kDone) {
    progressed = false;
    NIMBUS_TRY(step(progressed));
  }
  return Status::ok();
}

Status FormDataParser::finish() {
  return state_ == State::kDone ? Status::ok() : Status(malformed_post());
}

Status FormDataParser::step(bool& progressed) {
  switch (state_) {
    case State::kPreamble: {
      size_t at = buffer_.find(delimiter_);
      if (at == std::string::npos) {
        if (buffer_.size() > limits_.header_bytes + delimiter_.size()) return malformed_post();
        return Status::ok();
      }
      buffer_.erase(0, at + delimiter_.size());
      state_ = State::kAfterBoundary;
      progressed = true;
      return Status::ok();
    }
    case State::kAfterBoundary: {
      if (buffer_.size() < 2) return Status::ok();
      if (buffer_.compare(0, 2, "--") == 0) {
        state_ = State::kDone;
        buffer_.clear();
        return Status::ok();
      }
      // Transport padding (spaces, tabs) may follow a boundary before its CRLF.
      size_t crlf = buffer_.find("\r\n");
      if (crlf == std::string::npos) {
        if (buffer_.size() > 256) return malformed_post();
        return Status::ok();
      }
      if (!trim(std::string_view(buffer_).substr(0, crlf)).empty()) return malformed_post();
      buffer_.erase(0, crlf + 2);
      state_ = State::kHeaders;
      progressed = true;
      return Status::ok();
    }
    case State::kHeaders: {
      size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buffer_.size() > limits_.header_bytes) return malformed_post();
        return Status::ok();
      }
      if (end > limits_.header_bytes) return malformed_post();
      NIMBUS_TRY(begin_part(std::string_view(buffer_).substr(0, end)));
      buffer_.erase(0, end + 4);
      state_ = State::kBody;
      progressed = true;
      return Status::ok();
    }
    case State::kBody: {
      size_t at = buffer_.find(delimiter_);
      if (at == std::string::npos) {
        // Keep what could be the start of a delimiter split across feeds.
        size_t keep = delimiter_.size() - 1;
        if (buffer_.size() > keep) {
          size_t n = buffer_.size() - keep;
          NIMBUS_TRY(emit(std::string_view(buffer_).substr(0, n)));
          buffer_.erase(0, n);
        }
        return Status::ok();
      }
      NIMBUS_TRY(emit(std::string_view(buffer_).substr(0, at)));
      buffer_.erase(0, at + delimiter_.size());
      NIMBUS_TRY(end_part());
      state_ = State::kAfterBoundary;
      progressed = true;
      return Status::ok();
    }
    case State::kDone:
      return Status::ok();
  }
  return Status::ok();
}

Status FormDataParser::begin_part(std::string_view headers) {
  std::optional<std::string> disposition;
  std::string content_type;
  size_t pos = 0;
  while (pos <= headers.size()) {
    size_t eol = headers.find("\r\n", pos);
    std::string_view line =
        headers.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (!line.empty()) {
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return malformed_post();
      std::string name = ascii_lower(trim(line.substr(0, colon)));
      std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") disposition = std::string(value);
      if (name == "content-type") content_type = std::string(value);
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 2;
  }
  if (!disposition ||
      ascii_lower(trim(disposition->substr(0, disposition->find(';')))) != "form-data") {
    return malformed_post();
  }
  auto name = parameter(*disposition, "name");
  if (!name) return malformed_post();
  if (++fields_ > limits_.fields) return malformed_post();
  auto filename = parameter(*disposition, "filename");
  if (filename) {
    in_file_ = true;
    if (handler_.file_begin) {
      return handler_.file_begin(FilePart{*name, *filename, content_type});
    }
    return Status::ok();
  }
  in_file_ = false;
  field_name_ = std::move(*name);
  field_value_.clear();
  return Status::ok();
}

Status FormDataParser::emit(std::string_view bytes) {
  if (bytes.empty()) return Status::ok();
  if (in_file_) return handler_.file_data ? handler_.file_data(bytes) : Status::ok();
  if (field_value_.size() + bytes.size() > limits_.field_bytes) return malformed_post();
  field_value_.append(bytes);
  return Status::ok();
}

Status FormDataParser::end_part() {
  if (in_file_) {
    in_file_ = false;
    return handler_.file_end ? handler_.file_end() : Status::ok();
  }
  if (!handler_.field) return Status::ok();
  return handler_.field(std::move(field_name_), std::move(field_value_));
}

}  // namespace nimbus::s3config
