// The download links of code_links.h, served: GET /_aws/lambda-code/{sha}
// with a valid signature answers the zip from the code's blob; otherwise
// S3's answers to a presigned URL (403 AccessDenied "Request has expired",
// 403 SignatureDoesNotMatch, 404 NoSuchKey), as the link stands for one.
#include <string>

#include "auth/crypto.h"
#include "common/request_id.h"
#include "http/file_body.h"
#include "services/lambda/code.h"
#include "services/lambda/code_links.h"
#include "services/lambda/engine.h"
#include "services/lambda/lambda_service.h"
#include "storage/blob_files.h"
#include "storage/storage.h"

namespace nimbus::services::lambda {

namespace {

http::Response s3_error(int status, std::string_view code, std::string_view message) {
  http::Response r;
  r.status = status;
  std::string id = new_request_id();
  r.set_header("Content-Type", "application/xml");
  r.set_header("x-amz-request-id", id);
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + std::string(code) +
           "</Code><Message>" + std::string(message) + "</Message><RequestId>" + id +
           "</RequestId></Error>";
  return r;
}

}  // namespace

Result<std::shared_ptr<http::BodySource>> Engine::code_body(const std::string& sha) {
  std::string blob = code_->blob_of(sha);
  if (blob.empty() || env_.storage == nullptr) {
    return Error::make("NoSuchKey", "The specified key does not exist.", 404);
  }
  // Storage keeps its blob store at <data_dir>/blobs (storage.h).
  auto path = storage::blob_path(env_.storage->options().data_dir + "/blobs", blob);
  if (!path) return Error::make("NoSuchKey", "The specified key does not exist.", 404);
  return http::file_body(*path, 0, std::nullopt, env_.workers);
}

void Engine::serve_code(const std::string& sha, std::function<void(http::Response)> reply) {
  auto in = gate_->hold();
  if (!in) return reply(s3_error(503, "ServiceUnavailable", "Please reduce your request rate."));
  env_.workers.post([this, in, sha, reply = std::move(reply)] {
    auto body = code_body(sha);
    if (!body)
      return reply(s3_error(body.error().http_status, body.error().code, body.error().message));
    http::Response r;
    r.set_header("Content-Type", "application/zip");
    r.set_header("x-amz-request-id", new_request_id());
    r.stream = std::move(*body);
    reply(std::move(r));
  });
}

void LambdaService::serve_code_links() {
  if (env_.user_apis == nullptr) return;
  env_.user_apis->add(UserApi::kLambdaCode, [this](UserRequest r, UserReply reply) {
    if (r.request.method != "GET" && r.request.method != "HEAD") {
      return reply(s3_error(405, "MethodNotAllowed",
                            "The specified method is not allowed against this resource."));
    }
    std::string sha = r.id;
    if (sha.ends_with(".zip")) sha.resize(sha.size() - 4);
    if (!auth::crypto::is_sha256_hex(sha)) {
      return reply(s3_error(404, "NoSuchKey", "The specified key does not exist."));
    }
    switch (engine_.links().check(sha, r.request.query())) {
      case CodeLinks::Check::kBadSignature:
        return reply(s3_error(403, "SignatureDoesNotMatch",
                              "The request signature we calculated does not match the signature "
                              "you provided. Check your key and signing method."));
      case CodeLinks::Check::kExpired:
        return reply(s3_error(403, "AccessDenied", "Request has expired"));
      case CodeLinks::Check::kValid:
        break;
    }
    engine_.serve_code(sha, std::move(reply));
  });
}

}  // namespace nimbus::services::lambda
