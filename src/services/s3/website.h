// S3 static website hosting: the user API handler for website endpoints
// (`BUCKET.s3-website[-.]REGION.localhost`, server/user_routes.h). Unsigned
// GET and HEAD are answered as S3's website endpoint answers them: the
// bucket's WebsiteConfiguration decides (config/website.h), objects are
// streamed from their files, errors are S3's HTML pages (or the bucket's
// error document with the error's status), other methods are 405. CORS
// as on the REST endpoint (cors_rules.h): a preflight (OPTIONS) is answered
// from the bucket's CORS configuration, and a GET or HEAD with Origin gets
// the matching rule's Access-Control-* headers.
//
// Access: with `--iam enforce` the bucket policy must allow anonymous
// (Principal "*") s3:GetObject on the key; a missing key is 404 only when it
// also allows s3:ListBucket, else 403, as on S3. Otherwise every object of
// a website bucket is readable.
//
// Threads: serve() runs on the edge's event loop (record reads only); file
// opens go to the worker pool. The engine outlives this object.
#pragma once

#include <string>

#include "services/s3/cors_rules.h"
#include "services/s3/engine.h"
#include "services/service.h"

namespace nimbus::services::s3 {

class WebsiteServer {
 public:
  WebsiteServer(Environment& env, Engine& engine);

  // Adds the handler to env.user_apis (when there is one); start-up only.
  void start();

  // Answers one website request (the handler start() adds).
  void serve(UserRequest request, UserReply reply);

 private:
  // Whether anonymous callers may `action` on `resource` under the bucket's
  // policy (always true unless IAM is enforced).
  bool allowed(const std::string& bucket, const std::string& action,
               const std::string& resource) const;
  // A browser's preflight (OPTIONS) for the bucket or one of its keys.
  void preflight(const UserRequest& r, UserReply reply);
  // The object `key` with `status` (200, or an error document's status).
  void serve_object(const UserRequest& r, const std::string& bucket, const std::string& key,
                    int status, UserReply reply);

  Environment& env_;
  Engine& engine_;
  BucketCors cors_{engine_};
  bool enforce_ = false;
};

}  // namespace nimbus::services::s3
