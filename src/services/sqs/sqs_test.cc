// SQS unit tests: queues, attributes, messages, visibility, errors, MD5s,
// redrive, restart recovery. FIFO semantics are in sqs_fifo_test.cc.
#include "services/sqs/digest.h"
#include "services/sqs/test_support.h"

namespace nimbus::services::sqs::testing {
namespace {

TEST_F(SqsTest, CreateGetListDeleteQueue) {
  std::string url = create("orders");
  EXPECT_EQ(url, "http://localhost:4566/000000000000/orders");
  EXPECT_EQ(s(call("GetQueueUrl", {{"QueueName", "orders"}})["QueueUrl"]), url);
  create("orders-2");
  create("other");
  auto listed = call("ListQueues", {{"QueueNamePrefix", "ord"}});
  EXPECT_EQ(listed["QueueUrls"].as_array().size(), 2u);
  call("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_EQ(error_code("GetQueueUrl", {{"QueueName", "orders"}}), "QueueDoesNotExist");
  EXPECT_EQ(error_code("SendMessage", {{"QueueUrl", url}, {"MessageBody", "x"}}),
            "QueueDoesNotExist");
}

}  // namespace
}  // namespace nimbus::services::sqs::testing
