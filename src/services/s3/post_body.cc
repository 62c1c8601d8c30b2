#include "services/s3/post_body.h"

#include <cctype>

#include "common/text.h"

namespace nimbus::services::s3 {

namespace {

Error no_file() {
  return Error::make("IncorrectNumberOfFilesInPostRequest",
                     "POST requires exactly one file upload per request.", 400)
      .with("ArgumentName", "file")
      .with("ArgumentValue", "0");
}

}  // namespace

std::shared_ptr<PostBody> PostBody::make(std::shared_ptr<http::BodySource> body,
                                         std::string boundary) {
  return std::make_shared<PostBody>(std::move(body), std::move(boundary));
}

PostBody::PostBody(std::shared_ptr<http::BodySource> body, std::string boundary)
    : body_(std::move(body)),
      parser_(std::move(boundary), s3config::FormHandler{
                                       .field =
                                           [this](std::string name, std::string value) {
                                             // Fields after the file are ignored.
                                             if (!file_seen_)
                                               fields_.fields.try_emplace(ascii_lower(name),
                                                                          std::move(value));
                                             return Status::ok();
                                           },
                                       .file_begin =
                                           [this](const s3config::FilePart& part) {
                                             // Only the first file is the upload; S3 ignores what
                                             // follows it.
                                             if (file_seen_) return Status::ok();
                                             file_seen_ = in_file_ = true;
                                             fields_.file = part;
                                             return Status::ok();
                                           },
                                       .file_data =
                                           [this](std::string_view chunk) {
                                             if (in_file_) pending_.append(chunk);
                                             return Status::ok();
                                           },
                                       .file_end =
                                           [this] {
                                             if (in_file_) file_ended_ = true;
                                             in_file_ = false;
                                             return Status::ok();
                                           },
                                   }) {}

void PostBody::pull(std::function<void(Status)> done) {
  body_->read([self = shared_from_this(), done = std::move(done)](http::BodyChunk chunk) {
    if (!chunk) return done(chunk.take_error());
    if (chunk->empty()) {
      self->ended_ = true;
      return done(self->parser_.finish());
    }
    done(self->parser_.feed(*chunk));
  });
}

void PostBody::read_fields(std::function<void(Result<PostFields>)> done) {
  pull([self = shared_from_this(), done = std::move(done)](Status st) mutable {
    if (!st) return done(st.take_error());
    if (self->file_seen_) return done(self->fields_);
    if (self->ended_) return done(no_file());
    self->read_fields(std::move(done));
  });
}

// The file part of the form as a body of its own.
class PostBody::File final : public http::BodySource,
                             public std::enable_shared_from_this<PostBody::File> {
 public:
  File(std::shared_ptr<PostBody> form, SizeCheck check)
      : form_(std::move(form)), check_(std::move(check)) {}

  std::optional<uint64_t> size() const override { return std::nullopt; }

  void read(http::BodyCallback next) override {
    auto& f = *form_;
    if (!f.pending_.empty()) {
      std::string piece = std::move(f.pending_);
      f.pending_.clear();
      size_ += piece.size();
      if (auto st = check_(size_, false); !st) return next(st.take_error());
      return next(std::move(piece));
    }
    if (f.file_ended_ && f.ended_) {
      if (auto st = check_(size_, true); !st) return next(st.take_error());
      return next(std::string());
    }
    // More of the file, or (after it) the rest of the form, read to its
    // end so that the connection can serve the next request.
    f.pull([self = shared_from_this(), next = std::move(next)](Status st) mutable {
      if (!st) return next(st.take_error());
      if (self->form_->ended_ && !self->form_->file_ended_) {
        return next(s3config::malformed_post());
      }
      self->read(std::move(next));
    });
  }

 private:
  std::shared_ptr<PostBody> form_;
  SizeCheck check_;
  uint64_t size_ = 0;
};

std::shared_ptr<http::BodySource> PostBody::file(SizeCheck check) {
  return std::make_shared<File>(shared_from_this(), std::move(check));
}

}  // namespace nimbus::services::s3
