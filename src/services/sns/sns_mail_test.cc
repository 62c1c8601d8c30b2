// email, email-json and sms: the mail as composed (headers, the base64 body,
// AWS's texts), the retry schedule of customer-managed endpoints, SMS
// records as written to CloudWatch Logs, and phone numbers.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/encoding.h"
#include "services/sns/deliveries.h"
#include "services/sns/mail.h"
#include "services/sns/sms.h"
#include "services/sns/test_helpers.h"

namespace nimbus::services::sns {
namespace {

namespace json = boost::json;

// The body of a composed mail, decoded; `headers` gets the header block.
std::string body_of(const std::string& mail, std::string* headers = nullptr) {
  auto split = mail.find("\r\n\r\n");
  EXPECT_NE(split, std::string::npos);
  if (headers != nullptr) *headers = mail.substr(0, split + 2);
  std::string b64 = mail.substr(split + 4);
  std::erase(b64, '\r');
  std::erase(b64, '\n');
  return base64_decode(b64).value_or("<not base64>");
}

Subscription sub(const std::string& protocol) {
  Subscription s;
  s.arn = "arn:aws:sns:us-east-1:000000000000:ops:1234";
  s.topic_arn = "arn:aws:sns:us-east-1:000000000000:ops";
  s.protocol = protocol;
  s.endpoint = "ops@example.com";
  return s;
}

Rendering rendering() {
  Rendering r{"http://127.0.0.1:4566"};
  r.display_name = "Ops Alerts";
  r.mail_from = "alerts@nimbus.example";
  return r;
}

TEST(SnsMail, ANotificationMailHasTheMessageAndTheUnsubscribeFooter) {
  Message m;
  m.id = "m-1";
  m.topic_arn = sub("email").topic_arn;
  m.body = "disk full\n.\nend";
  m.subject = "alarm";
  m.timestamp_ms = 1'700'000'000'000;
  std::string headers;
  std::string body = body_of(notification_mail(m, sub("email"), rendering()), &headers);
  EXPECT_EQ(headers,
            "From: \"Ops Alerts\" <alerts@nimbus.example>\r\nTo: ops@example.com\r\n"
            "Subject: alarm\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            "Message-ID: <m-1@nimbus.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: base64\r\n");
  EXPECT_TRUE(body.starts_with("disk full\n.\nend\n\n--\nIf you wish to stop receiving"));
  EXPECT_NE(body.find("http://127.0.0.1:4566/?Action=Unsubscribe&SubscriptionArn=" + sub("x").arn),
            std::string::npos);

  m.subject.clear();
  body = body_of(notification_mail(m, sub("email-json"), rendering()), &headers);
  EXPECT_NE(headers.find("Subject: AWS Notification Message\r\n"), std::string::npos);
  auto envelope = json::parse(body).as_object();
  EXPECT_EQ(envelope.at("Type"), "Notification");
  EXPECT_EQ(envelope.at("Message"), "disk full\n.\nend");
}

TEST(SnsMail, TheConfirmationMailLinksToConfirmSubscription) {
  std::string headers;
  std::string body =
      body_of(confirmation_mail(sub("email"), "c-1", "TOKEN", 0, rendering()), &headers);
  EXPECT_NE(headers.find("Subject: AWS Notification - Subscription Confirmation\r\n"),
            std::string::npos);
  EXPECT_NE(body.find("\nhttp://127.0.0.1:4566/?Action=ConfirmSubscription&TopicArn=" +
                      sub("email").topic_arn + "&Token=TOKEN\n"),
            std::string::npos);
  auto doc = json::parse(body_of(confirmation_mail(sub("email-json"), "c-2", "T2", 0, rendering())))
                 .as_object();
  EXPECT_EQ(doc.at("Type"), "SubscriptionConfirmation");
  EXPECT_EQ(doc.at("Token"), "T2");
}

TEST(SnsMail, HeadersThatAreNotPlainAsciiAreEncodedWords) {
  std::string mail =
      compose_mail("a@b.c", "Équipe \"ops\"", "x@y.z", "über\r\nBcc: evil@x", "body", 0, "id");
  std::string headers = mail.substr(0, mail.find("\r\n\r\n"));
  EXPECT_NE(headers.find("From: =?UTF-8?B?" + base64_encode("Équipe \"ops\"") + "?= <a@b.c>"),
            std::string::npos);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?" + base64_encode("über\r\nBcc: evil@x") + "?="),
            std::string::npos);
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(compose_mail("a@b.c", "say \"hi\"", "x@y.z", "s", "", 0, "id")
                .find("From: \"say \\\"hi\\\"\" <a@b.c>"),
            std::string::npos);
}

TEST(SnsMail, CustomerManagedEndpointsRetryAsSnsDocuments) {
  EXPECT_EQ(Deliveries::customer_managed_delay_ms(1), 10'000);
  EXPECT_EQ(Deliveries::customer_managed_delay_ms(2), 10'000);
  EXPECT_EQ(Deliveries::customer_managed_delay_ms(3), 10'000);
  EXPECT_EQ(Deliveries::customer_managed_delay_ms(12), 600'000);
  EXPECT_GT(Deliveries::customer_managed_delay_ms(8), Deliveries::customer_managed_delay_ms(7));
  EXPECT_EQ(Deliveries::customer_managed_delay_ms(50), 600'000);
  EXPECT_FALSE(Deliveries::customer_managed_delay_ms(51));
}

TEST(SnsSms, RecordsGoToTheGroupAwsLogsSmsTo) {
  Settings settings;
  EXPECT_EQ(sms_log_group(settings, "DirectPublishToPhoneNumber"),
            "sns/us-east-1/000000000000/DirectPublishToPhoneNumber");
  testing::RecordedLogs logs;
  ASSERT_TRUE(write_sms(&logs, "g", "m-1", "+15555550100", "code 1234",
                        {{"AWS.SNS.SMS.SMSType", "String", "Transactional", false}}, 5'000)
                  .is_ok());
  auto got = logs.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].group, "g");
  EXPECT_EQ(got[0].stream, "nimbus-sms");
  EXPECT_EQ(got[0].event.timestamp_ms, 5'000);
  auto rec = json::parse(got[0].event.message).as_object();
  EXPECT_EQ(rec.at("notification").at("messageId"), "m-1");
  EXPECT_EQ(rec.at("notification").at("timestamp"), "1970-01-01 00:00:05.000");
  EXPECT_EQ(rec.at("delivery").at("destination"), "+15555550100");
  EXPECT_EQ(rec.at("delivery").at("smsType"), "Transactional");
  EXPECT_EQ(rec.at("status"), "SUCCESS");
  EXPECT_EQ(rec.at("message"), "code 1234");
  EXPECT_FALSE(write_sms(nullptr, "g", "m", "+1555", "x", {}, 0).is_ok());
}

TEST(SnsSms, PhoneNumbersAreE164) {
  for (const char* ok : {"+15555550100", "+447700900123", "+12"}) {
    EXPECT_TRUE(valid_phone_number(ok)) << ok;
  }
  for (const char* bad : {"", "+", "15555550100", "+0123", "+1-555", "+1234567890123456", "+1 5"}) {
    EXPECT_FALSE(valid_phone_number(bad)) << bad;
  }
}

}  // namespace
}  // namespace nimbus::services::sns
