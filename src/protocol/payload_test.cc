// streams_input() on the embedded models.
#include <gtest/gtest.h>

#include "protocol/engine.h"
#include "protocol/model.h"

namespace nimbus::protocol {
namespace {

bool streams(std::string_view service, std::string_view operation) {
  static const ModelRegistry models;
  const ServiceModel* s = models.by_name(service);
  if (s == nullptr) return false;
  const OperationModel* op = s->operation(operation);
  return op != nullptr && streams_input(*s, *op);
}

TEST(StreamsInput, S3ObjectUploadsStreamOtherPayloadsDoNot) {
  EXPECT_TRUE(streams("s3", "PutObject"));
  EXPECT_TRUE(streams("s3", "UploadPart"));
  EXPECT_FALSE(streams("s3", "PutBucketTagging"));  // an XML payload, parsed
  EXPECT_FALSE(streams("s3", "GetObject"));         // streams its output only
  EXPECT_FALSE(streams("lambda", "Invoke"));        // a blob payload, not streaming
  EXPECT_FALSE(streams("sqs", "SendMessage"));
}

}  // namespace
}  // namespace nimbus::protocol
