// libFuzzer target for the condition keys a call's input sets
// (src/server/condition_keys.cc): tag lists and maps, S3's x-amz-tagging
// text, DynamoDB projection and update expressions. Input: an operation's
// input as JSON; it is read as the input of each operation that has rows of
// every kind. Must never crash or hang.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/condition_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !doc.is_object()) return 0;
  static constexpr std::pair<const char*, const char*> kOperations[] = {
      {"dynamodb", "UpdateItem"}, {"dynamodb", "Query"},       {"dynamodb", "PutItem"},
      {"s3", "PutObject"},        {"sqs", "TagQueue"},         {"events", "PutEvents"},
      {"s3", "PutBucketTagging"}, {"lambda", "UntagResource"},
  };
  for (auto [service, operation] : kOperations) {
    (void)nimbus::server::request_condition_keys(service, operation, doc.as_object());
  }
  return 0;
}
