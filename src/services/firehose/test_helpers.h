// The firehose tests' fixture: the s3, kinesis and firehose services on
// one ServiceFixture (Firehose writes through S3's ObjectWriter), with
// helpers to make buckets and streams and to read what was delivered.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <vector>

#include "http/body.h"
#include "services/firehose/firehose_service.h"
#include "services/kinesis/kinesis_service.h"
#include "services/s3/s3_service.h"
#include "services/testing/service_fixture.h"

namespace nimbus::services::firehose::testing {

namespace json = boost::json;

// Lambda for the processing tests: `handler` answers each invocation (on
// the calling thread); every event is kept.
class FakeFunctions : public lambda::Functions {
 public:
  std::function<Result<lambda::SyncResult>(const json::object& event)> handler;

  void invoke_sync(lambda::SyncInvoke call,
                   std::function<void(Result<lambda::SyncResult>)> done) override {
    json::object event = json::parse(call.payload).as_object();
    {
      std::lock_guard l(mu_);
      events_.push_back(event);
      functions_.push_back(call.function);
    }
    if (!handler) return done(Error::make("ResourceNotFoundException", "Function not found"));
    done(handler(event));
  }
  std::optional<lambda::UrlTarget> function_url(const std::string&) const override {
    return std::nullopt;
  }
  std::vector<json::object> events() const {
    std::lock_guard l(mu_);
    return events_;
  }
  std::vector<std::string> functions() const {
    std::lock_guard l(mu_);
    return functions_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<json::object> events_;
  std::vector<std::string> functions_;
};

// A role check for Engine::set_role_check (check()) that records each
// question as "ROLE TARGET" and refuses `action` until allow_all, except
// for targets starting with `always`.
class RecordedRoleChecks {
 public:
  std::atomic<bool> allow_all{false};
  std::string always;  // set before check() is used

  events::RoleCheck check(std::string action) {
    return [this, action = std::move(action)](const std::string& role, const std::string& target,
                                              const events::Delivery&) -> Status {
      std::lock_guard l(mu_);
      asked_.push_back(role + " " + target);
      if (allow_all || (!always.empty() && target.starts_with(always))) return Status::ok();
      return Error::make("AccessDenied", "not authorized to perform: " + action, 403);
    };
  }
  std::vector<std::string> asked() const {
    std::lock_guard l(mu_);
    return asked_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> asked_;
};

// Constructed before the services that point at it.
struct FakeFunctionsHolder {
  FakeFunctions lambda;
};

class FirehoseTest : protected FakeFunctionsHolder,
                     public services::testing::ServiceTest<FirehoseService> {
 protected:
  FirehoseTest()
      : ServiceTest(
            {build<s3::S3Service>(), build<kinesis::KinesisService>(), [this](Environment& env) {
               auto& s3 = static_cast<s3::S3Service&>(*services.front());
               return std::make_unique<FirehoseService>(env, &s3.writer(), &lambda);
             }}) {}

  json::object kinesis(const std::string& op, json::object in) {
    auto out = try_call(service("kinesis"), ctx(op), std::move(in));
    EXPECT_TRUE(out) << op << ": " << (out ? "" : out.error().message);
    return out ? *out : json::object{};
  }

  s3::S3Service& s3() { return static_cast<s3::S3Service&>(service("s3")); }

  void bucket(const std::string& name) {
    auto out = try_call(s3(), ctx("CreateBucket"), {{"Bucket", name}});
    ASSERT_TRUE(out) << out.error().message;
  }
  // A DirectPut stream to `bucket` with these ExtendedS3 members.
  json::object stream(const std::string& name, const std::string& bucket, json::object dest = {}) {
    dest["RoleARN"] = "arn:aws:iam::000000000000:role/firehose";
    dest["BucketARN"] = "arn:aws:s3:::" + bucket;
    return call("CreateDeliveryStream",
                {{"DeliveryStreamName", name}, {"ExtendedS3DestinationConfiguration", dest}});
  }
  void put(const std::string& name, const std::string& data) {
    call("PutRecord", {{"DeliveryStreamName", name}, {"Record", json::object{{"Data", data}}}});
  }
  // Every object of the bucket: key -> body.
  std::map<std::string, std::string> objects(const std::string& bucket) {
    std::map<std::string, std::string> out;
    auto page = s3().objects().list(bucket, "", "", 1000);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return out;
    for (const auto& meta : page->objects) {
      auto body = s3().objects().open(meta, 0, std::nullopt);
      EXPECT_TRUE(body);
      if (!body) continue;
      std::promise<Result<std::string>> p;
      http::read_all(*body, 1 << 30, [&p](Result<std::string> r) { p.set_value(std::move(r)); });
      auto r = p.get_future().get();
      EXPECT_TRUE(r);
      if (r) out[meta.key] = std::move(*r);
    }
    return out;
  }
};

}  // namespace nimbus::services::firehose::testing
