// Engine::code_zip: where a function's deployment package comes from —
// the request itself (ZipFile) or an object in nimbus's S3.
#include "services/lambda/code.h"
#include "services/lambda/engine.h"
#include "services/lambda/errors.h"
#include "services/lambda/util.h"
#include "services/s3/api.h"

namespace nimbus::services::lambda {

namespace {

// Lambda reports a failed read of the code object with S3's own code and
// message inside its InvalidParameterValueException.
Error s3_read_error(const Error& e) {
  if (e.code == "EntityTooLarge") {
    return invalid("Unzipped size must be smaller than " + std::to_string(kMaxUnzippedBytes) +
                   " bytes");
  }
  return invalid("Error occurred while GetObject. S3 Error Code: " + e.code +
                 ". S3 Error Message: " + e.message);
}

}  // namespace

void Engine::code_zip(const json::object& code, std::function<void(Result<std::string>)> done) {
  bool from_s3 = has(code, "S3Bucket") || has(code, "S3Key") || has(code, "S3ObjectVersion");
  if (has(code, "ZipFile")) {
    if (from_s3) {
      return done(
          invalid("Please do not provide other FunctionCode properties when providing a "
                  "ZipFile."));
    }
    return done(std::string(code.at("ZipFile").as_string()));
  }
  if (!has(code, "S3Bucket") || !has(code, "S3Key")) {
    return done(invalid("Please provide a source for function code."));
  }
  if (code_objects_ == nullptr) {
    return done(invalid("Code from S3 is not available: this server has no S3 service."));
  }
  // A package whose zip alone is past the unzipped limit cannot fit.
  code_objects_->get(str(code, "S3Bucket"), str(code, "S3Key"), str(code, "S3ObjectVersion"),
                     static_cast<uint64_t>(kMaxUnzippedBytes),
                     [gate = gate_, done = std::move(done)](Result<std::string> zip) {
                       auto in = gate->hold();
                       if (!in) return;
                       if (!zip) return done(s3_read_error(zip.error()));
                       done(std::move(*zip));
                     });
}

}  // namespace nimbus::services::lambda
