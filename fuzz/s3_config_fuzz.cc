// libFuzzer target for the bucket configuration documents S3 accepts from a
// caller (src/services/s3/config/): the first byte picks the document kind,
// the rest is its JSON (as the protocol engine would hand it over) or, for
// bucket policies, the policy text. Every accepted document is then applied:
// CORS matched, notifications filtered and rendered, lifecycle rules
// evaluated, the website resolved.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/s3/config/cors.h"
#include "services/s3/config/lifecycle.h"
#include "services/s3/config/notification.h"
#include "services/s3/config/validate.h"
#include "services/s3/config/website.h"

using namespace nimbus::s3config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  uint8_t kind = data[0] % 8;
  if (kind == 0) {
    (void)validate_bucket_policy(input, "bucket");
    return 0;
  }
  boost::system::error_code ec;
  auto doc = boost::json::parse(input, ec);
  if (ec || !doc.is_object()) return 0;
  auto& o = doc.as_object();
  switch (kind) {
    case 1:
      if (validate_cors(o)) {
        CorsRequest r{"https://a.example.com", "PUT", {"content-type", "x-amz-date"}, true};
        if (auto i = match_cors(o, r)) (void)cors_headers(o, *i, r);
        (void)match_cors(o, CorsRequest{"http://x", "GET", {}, false});
      }
      break;
    case 2: {
      auto n = parse_notifications(o, [] { return std::string("id"); });
      if (n) {
        for (const auto& d : n->destinations) (void)wants(d, "ObjectCreated:Put", "a/b.txt");
        (void)read_notifications(o);
      }
      break;
    }
    case 3:
      if (validate_lifecycle(o)) {
        ObjectFacts f;
        f.key = "logs/a";
        f.tags = {{"k", "v"}};
        f.size = 100;
        (void)object_due(o, f);
        f.current = false;
        (void)object_due(o, f);
        (void)upload_due(o, "logs/a", 0);
      }
      break;
    case 4:
      if (validate_website(o)) {
        for (const char* path : {"/", "/a", "/a/", "/%zz", "/old/x"}) {
          (void)resolve_website(o, path, "h",
                                [](const std::string& k) { return k.size() % 2 == 0; });
        }
      }
      break;
    case 5:
      (void)validate_bucket_tagging(o);
      break;
    case 6:
      (void)validate_ownership_controls(o);
      (void)validate_encryption(o);
      break;
    default:
      (void)validate_accelerate(o, "b");
      (void)validate_request_payment(o);
      break;
  }
  return 0;
}
