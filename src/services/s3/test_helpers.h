// The S3 tests' fixture: the service on the shared kit, and helpers to make
// buckets, put objects and read their bodies back from the response stream.
#pragma once

#include <filesystem>
#include <future>
#include <mutex>
#include <string>

#include "http/body.h"
#include "services/s3/engine.h"
#include "services/s3/s3_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::s3::testing {

namespace json = boost::json;

// `text` made one byte longer than a body kept in its record
// (Engine::kInlineBytes): it goes to a file, for tests of what is on disk.
inline std::string file_sized(std::string text) {
  text.resize(Engine::kInlineBytes + 1, '.');
  return text;
}

class S3Test : public services::testing::ServiceTest<S3Service> {
 protected:
  explicit S3Test(services::testing::FixtureOptions options = {})
      : ServiceTest({build<S3Service>()}, options) {}

  void make_bucket(const std::string& name) { call("CreateBucket", {{"Bucket", name}}); }

  // Committed object bodies on disk. Slots not yet written (blob_slots.h)
  // are empty files, not bodies; a body removed while this looks (a
  // refused upload's, an overwritten one's) is not counted.
  size_t body_files() {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(settings.data_dir + "/s3/blobs", ec)) {
      std::error_code gone;
      if (e.is_regular_file(gone) && e.path().parent_path().filename() != "tmp" &&
          e.file_size(gone) > 0 && !gone) {
        ++n;
      }
    }
    return n;
  }

  json::object put(const std::string& bucket, const std::string& key, const std::string& body,
                   json::object extra = {}) {
    extra["Bucket"] = bucket;
    extra["Key"] = key;
    extra["Body"] = body;
    return call("PutObject", std::move(extra));
  }

  // A GetObject: its output, and the body read from its stream.
  struct Got {
    Output out;
    std::string body;
  };
  Got get(const std::string& bucket, const std::string& key, json::object extra = {}) {
    extra["Bucket"] = bucket;
    extra["Key"] = key;
    CallContext c = ctx("GetObject");
    Got g{try_call(*svc, c, std::move(extra)), {}};
    if (g.out && c.payload->response) {
      std::promise<Result<std::string>> p;
      http::read_all(c.payload->response, 1 << 30,
                     [&p](Result<std::string> r) { p.set_value(std::move(r)); });
      auto r = p.get_future().get();
      EXPECT_TRUE(r) << r.error().message;
      if (r) g.body = std::move(*r);
    }
    return g;
  }
};

}  // namespace nimbus::services::s3::testing
