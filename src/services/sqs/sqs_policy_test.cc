// SQS unit tests: AddPermission / RemovePermission editing the queue's
// Policy, tag validation, and per-entry checks of SendMessageBatch.
#include <boost/json.hpp>

#include "services/sqs/test_helpers.h"

namespace nimbus::services::sqs::testing {
namespace {

constexpr const char* kArn = "arn:aws:sqs:us-east-1:000000000000:q";

json::object add(const std::string& url, const std::string& label, json::array accounts,
                 json::array actions) {
  return {{"QueueUrl", url},
          {"Label", label},
          {"AWSAccountIds", std::move(accounts)},
          {"Actions", std::move(actions)}};
}

class SqsPolicyTest : public SqsTest {
 protected:
  json::object policy_of(const std::string& url) {
    std::string p = attr(url, "Policy");
    if (p.empty()) return {};
    return json::parse(p).as_object();
  }
};

TEST_F(SqsPolicyTest, AddPermissionWritesThePolicyDocument) {
  std::string url = create("q");
  call("AddPermission", add(url, "send", {"111122223333"}, {"SendMessage"}));
  EXPECT_EQ(attr(url, "Policy"),
            std::string("{\"Version\":\"2012-10-17\",\"Id\":\"") + kArn +
                "/SQSDefaultPolicy\",\"Statement\":[{\"Sid\":\"send\",\"Effect\":\"Allow\","
                "\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"SQS:"
                "SendMessage\",\"Resource\":\"" +
                kArn + "\"}]}");

  // Several principals and actions are arrays; the same grant again is a no-op.
  auto both = add(url, "both", {"111122223333", "444455556666"}, {"ReceiveMessage", "*"});
  call("AddPermission", both);
  call("AddPermission", both);
  auto doc = policy_of(url);
  const auto& statements = doc["Statement"].as_array();
  ASSERT_EQ(statements.size(), 2u);
  const auto& s2 = statements[1].as_object();
  EXPECT_EQ(s(s2.at("Sid")), "both");
  EXPECT_EQ(json::serialize(s2.at("Principal")),
            "{\"AWS\":[\"arn:aws:iam::111122223333:root\",\"arn:aws:iam::444455556666:root\"]}");
  EXPECT_EQ(json::serialize(s2.at("Action")), "[\"SQS:ReceiveMessage\",\"SQS:*\"]");

  call("RemovePermission", {{"QueueUrl", url}, {"Label", "send"}});
  EXPECT_EQ(s(policy_of(url)["Statement"].as_array()[0].as_object()["Sid"]), "both");
  call("RemovePermission", {{"QueueUrl", url}, {"Label", "both"}});
  EXPECT_EQ(attr(url, "Policy"), "");  // the last statement takes the Policy with it
  auto all = call("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  EXPECT_FALSE(all["Attributes"].as_object().contains("Policy"));
}

TEST_F(SqsPolicyTest, AddPermissionExtendsAPolicySetByTheUser) {
  std::string mine =
      "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"mine\",\"Effect\":\"Allow\","
      "\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}}";
  std::string url = create("q", {{"Policy", mine}});
  call("AddPermission", add(url, "more", {"111122223333"}, {"DeleteMessage"}));
  auto doc = policy_of(url);
  EXPECT_FALSE(doc.contains("Id"));  // the user's document keeps its own members
  const auto& statements = doc["Statement"].as_array();
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(s(statements[0].as_object().at("Sid")), "mine");
  EXPECT_EQ(s(statements[1].as_object().at("Sid")), "more");
}

TEST_F(SqsPolicyTest, PermissionErrors) {
  std::string url = create("q");
  call("AddPermission", add(url, "taken", {"111122223333"}, {"SendMessage"}));
  auto message = [&](json::object in) {
    auto out = try_call("AddPermission", std::move(in));
    return out ? std::string("(ok)") : out.error().code + ": " + out.error().message;
  };
  EXPECT_EQ(message(add(url, "taken", {"111122223333"}, {"DeleteMessage"})),
            "InvalidParameterValue: Value taken for parameter Label is invalid. Reason: Already "
            "exists.");
  EXPECT_EQ(message(add(url, "bad label", {"111122223333"}, {"SendMessage"})),
            "InvalidParameterValue: Value bad label for parameter Label is invalid. Reason: Can "
            "only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.");
  EXPECT_EQ(
      message(add(url, std::string(81, 'l'), {"111122223333"}, {"SendMessage"})).substr(0, 21),
      "InvalidParameterValue");
  EXPECT_EQ(message(add(url, "", {"111122223333"}, {"SendMessage"})),
            "MissingParameter: The request must contain the parameter Label.");
  EXPECT_EQ(message(add(url, "l", {"111122223333"}, json::array{})),
            "MissingParameter: The request must contain the parameter Actions.");
  EXPECT_EQ(message(add(url, "l", json::array{}, {"SendMessage"})),
            "InvalidParameterValue: Value [] for parameter PrincipalId is invalid. Reason: Unable "
            "to verify.");
  EXPECT_EQ(message(add(url, "l", {"not-an-account"}, {"SendMessage"})),
            "InvalidParameterValue: Value [not-an-account] for parameter PrincipalId is invalid. "
            "Reason: Unable to verify.");
  EXPECT_EQ(message(add(url, "l", {"111122223333"}, {"CreateQueue"})),
            "InvalidParameterValue: Value SQS:CreateQueue for parameter ActionName is invalid. "
            "Reason: Only the queue owner is allowed to invoke this action.");
  EXPECT_EQ(message(add(url, "l", {"111122223333"}, {"SendMessageBatch"})),
            "InvalidParameterValue: Value SQS:SendMessageBatch for parameter ActionName is "
            "invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.");
  json::array eight{
      "SendMessage",        "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
      "GetQueueAttributes", "GetQueueUrl",    "PurgeQueue",    "*"};
  EXPECT_EQ(message(add(url, "l", {"111122223333"}, eight)),
            "OverLimit: 8 Actions were found, maximum allowed is 7.");
  for (int i = 2; i <= 20; ++i) {
    call("AddPermission", add(url, "l" + std::to_string(i), {"111122223333"}, {"SendMessage"}));
  }
  EXPECT_EQ(message(add(url, "l21", {"111122223333"}, {"SendMessage"})),
            "OverLimit: 21 Statements were found, maximum allowed is 20.");

  auto removed = try_call("RemovePermission", {{"QueueUrl", url}, {"Label", "nope"}});
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().message,
            "Value nope for parameter Label is invalid. Reason: can't find label on existing "
            "policy.");
  std::string other = create("other");
  EXPECT_EQ(error_code("RemovePermission", {{"QueueUrl", other}, {"Label", "x"}}),
            "InvalidParameterValue");
}

TEST_F(SqsPolicyTest, PermissionsSurviveARestart) {
  std::string url = create("q");
  call("AddPermission", add(url, "send", {"111122223333"}, {"SendMessage"}));
  std::string before = attr(url, "Policy");
  reopen();
  EXPECT_EQ(attr(url, "Policy"), before);
}

TEST_F(SqsPolicyTest, TagValidation) {
  std::string url = create("q");
  auto tag = [&](json::object tags) {
    return error_code("TagQueue", {{"QueueUrl", url}, {"Tags", std::move(tags)}});
  };
  EXPECT_EQ(tag({{"team", "core"}, {"a.b:c/d=e+f-g@h_i j", ""}, {"ключ", "値"}}), "(ok)");
  EXPECT_EQ(tag({}), "MissingParameter");
  EXPECT_EQ(tag({{"", "v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{std::string(129, 'k'), "v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{std::string(128, 'k'), std::string(256, 'v')}}), "(ok)");
  EXPECT_EQ(tag({{"k", std::string(257, 'v')}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{"aws:team", "v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{"AWS:team", "v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{"k", "aws:v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{"semi;colon", "v"}}), "InvalidParameterValue");
  EXPECT_EQ(tag({{"k", "emoji \xF0\x9F\x98\x80"}}), "InvalidParameterValue");

  json::object many;
  for (int i = 0; i < 46; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_EQ(tag(many), "(ok)");  // 4 + 46 = 50 tags
  auto over = try_call("TagQueue", {{"QueueUrl", url}, {"Tags", {{"one-more", "v"}}}});
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().message, "Too many tags added for queue q.");
  EXPECT_EQ(call("ListQueueTags", {{"QueueUrl", url}})["Tags"].as_object().size(), 50u);

  EXPECT_EQ(error_code("UntagQueue", {{"QueueUrl", url}, {"TagKeys", json::array{}}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("UntagQueue", {{"QueueUrl", url}, {"TagKeys", {"aws:x"}}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("UntagQueue", {{"QueueUrl", url}, {"TagKeys", {"absent"}}}), "(ok)");

  json::object fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one["k" + std::to_string(i)] = "v";
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", "t"}, {"tags", fifty_one}}),
            "InvalidParameterValue");
  EXPECT_EQ(error_code("CreateQueue", {{"QueueName", "t"}, {"tags", {{"aws:k", "v"}}}}),
            "InvalidParameterValue");
}

TEST_F(SqsPolicyTest, BatchEntryDelayOutOfRangeFailsThatEntry) {
  std::string url = create("q");
  auto out =
      call("SendMessageBatch",
           {{"QueueUrl", url},
            {"Entries", json::array{{{"Id", "late"}, {"MessageBody", "x"}, {"DelaySeconds", 901}},
                                    {{"Id", "early"}, {"MessageBody", "y"}, {"DelaySeconds", -1}},
                                    {{"Id", "ok"}, {"MessageBody", "z"}, {"DelaySeconds", 900}}}}});
  ASSERT_EQ(out["Successful"].as_array().size(), 1u);
  EXPECT_EQ(s(out["Successful"].as_array()[0].as_object()["Id"]), "ok");
  const auto& failed = out["Failed"].as_array();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(s(failed[0].as_object().at("Id")), "late");
  EXPECT_EQ(s(failed[0].as_object().at("Code")), "InvalidParameterValue");
  EXPECT_EQ(s(failed[0].as_object().at("Message")),
            "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 "
            "and <= 900.");
  EXPECT_EQ(s(failed[1].as_object().at("Id")), "early");
  EXPECT_EQ(attr(url, "ApproximateNumberOfMessagesDelayed"), "1");
}

}  // namespace
}  // namespace nimbus::services::sqs::testing
