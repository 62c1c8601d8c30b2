// The operations that change a stream after its creation: tags,
// encryption (stored and described) and UpdateDestination.
#include "services/firehose/test_helpers.h"

namespace nimbus::services::firehose {
namespace {

using namespace std::chrono_literals;
using testing::FirehoseTest;
namespace json = boost::json;

json::object tag(const std::string& k, const std::string& v) {
  return {{"Key", k}, {"Value", v}};
}

TEST_F(FirehoseTest, TagsAreAddedReplacedAndRemoved) {
  bucket("out");
  stream("s", "out");
  call("TagDeliveryStream",
       {{"DeliveryStreamName", "s"}, {"Tags", json::array{tag("team", "a"), tag("env", "x")}}});
  call("TagDeliveryStream", {{"DeliveryStreamName", "s"}, {"Tags", json::array{tag("team", "b")}}});
  auto tags = call("ListTagsForDeliveryStream", {{"DeliveryStreamName", "s"}})["Tags"];
  EXPECT_EQ(tags, (json::array{tag("team", "b"), tag("env", "x")}));
  call("UntagDeliveryStream", {{"DeliveryStreamName", "s"}, {"TagKeys", json::array{"team"}}});
  tags = call("ListTagsForDeliveryStream", {{"DeliveryStreamName", "s"}})["Tags"];
  EXPECT_EQ(tags, json::array{tag("env", "x")});
  json::array many;
  for (int i = 0; i < 50; ++i) many.push_back(tag("k" + std::to_string(i), "v"));
  expect_error("TagDeliveryStream", {{"DeliveryStreamName", "s"}, {"Tags", many}},
               "LimitExceededException");
  expect_error("TagDeliveryStream",
               {{"DeliveryStreamName", "nope"}, {"Tags", json::array{tag("a", "b")}}},
               "ResourceNotFoundException");
  expect_error("TagDeliveryStream",
               {{"DeliveryStreamName", "s"}, {"Tags", json::array{tag("", "b")}}},
               "InvalidArgumentException");
  tags = call("ListTagsForDeliveryStream", {{"DeliveryStreamName", "s"}})["Tags"];
  EXPECT_EQ(tags, json::array{tag("env", "x")});
}

TEST_F(FirehoseTest, EncryptionIsStoredAndDescribed) {
  bucket("out");
  stream("s", "out");
  auto status = [&] {
    return call("DescribeDeliveryStream", {{"DeliveryStreamName", "s"}})
        .at("DeliveryStreamDescription")
        .at("DeliveryStreamEncryptionConfiguration")
        .as_object();
  };
  EXPECT_EQ(status().at("Status"), "DISABLED");
  call("StartDeliveryStreamEncryption", {{"DeliveryStreamName", "s"}});
  EXPECT_EQ(status().at("Status"), "ENABLED");
  EXPECT_EQ(status().at("KeyType"), "AWS_OWNED_CMK");
  expect_error("StartDeliveryStreamEncryption",
               {{"DeliveryStreamName", "s"},
                {"DeliveryStreamEncryptionConfigurationInput",
                 json::object{{"KeyType", "CUSTOMER_MANAGED_CMK"}}}},
               "InvalidArgumentException");
  call("StopDeliveryStreamEncryption", {{"DeliveryStreamName", "s"}});
  EXPECT_EQ(status().at("Status"), "DISABLED");
  reopen();
  EXPECT_EQ(status().at("Status"), "DISABLED");
  EXPECT_EQ(status().at("KeyType"), "AWS_OWNED_CMK");
}

TEST_F(FirehoseTest, UpdateDestinationChangesTheNextDeliveries) {
  bucket("out");
  stream("s", "out", {{"BufferingHints", json::object{{"IntervalInSeconds", 60}}}});
  expect_error("UpdateDestination",
               {{"DeliveryStreamName", "s"},
                {"CurrentDeliveryStreamVersionId", "7"},
                {"DestinationId", "destinationId-000000000001"},
                {"ExtendedS3DestinationUpdate", json::object{{"Prefix", "new/"}}}},
               "ConcurrentModificationException");
  expect_error("UpdateDestination",
               {{"DeliveryStreamName", "s"},
                {"CurrentDeliveryStreamVersionId", "1"},
                {"DestinationId", "destinationId-000000000001"},
                {"ExtendedS3DestinationUpdate", json::object{{"CompressionFormat", "ZIP"}}}},
               "InvalidArgumentException");
  call("UpdateDestination",
       {{"DeliveryStreamName", "s"},
        {"CurrentDeliveryStreamVersionId", "1"},
        {"DestinationId", "destinationId-000000000001"},
        {"ExtendedS3DestinationUpdate",
         json::object{{"Prefix", "new/"},
                      {"BufferingHints", json::object{{"IntervalInSeconds", 0}}}}}});
  auto d = call("DescribeDeliveryStream", {{"DeliveryStreamName", "s"}})
               .at("DeliveryStreamDescription")
               .as_object();
  EXPECT_EQ(d.at("VersionId"), "2");
  const auto& ext = d.at("Destinations").at(0).at("ExtendedS3DestinationDescription");
  EXPECT_EQ(ext.at("Prefix"), "new/");
  EXPECT_EQ(ext.at("BufferingHints").at("SizeInMBs"), 5);
  put("s", "data");
  ASSERT_TRUE(advance_until([&] { return objects("out").size() == 1; }, 100ms, 100));
  EXPECT_TRUE(objects("out").begin()->first.starts_with("new/"));
}

}  // namespace
}  // namespace nimbus::services::firehose
