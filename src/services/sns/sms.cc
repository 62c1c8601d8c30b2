#include "services/sns/sms.h"

#include <boost/json.hpp>

#include "services/sns/delivery_status.h"
#include "services/sns/errors.h"

namespace nimbus::services::sns {

namespace json = boost::json;

std::string sms_log_group(const Settings& settings, const std::string& name) {
  return "sns/" + settings.region + "/" + settings.account_id + "/" + name;
}

bool valid_phone_number(const std::string& number) {
  if (number.size() < 2 || number.size() > 16 || number[0] != '+' || number[1] == '0') {
    return false;
  }
  return number.find_first_not_of("0123456789", 1) == std::string::npos;
}

Status write_sms(logs::LogWriter* logs, const std::string& group, const std::string& message_id,
                 const std::string& phone, const std::string& text,
                 const std::vector<events::Attribute>& attributes, int64_t now_ms) {
  if (logs == nullptr) return errors::unavailable("no CloudWatch Logs to write SMS to");
  std::string sms_type = "Promotional";  // AWS's DefaultSMSType
  std::string sender;
  for (const auto& a : attributes) {
    if (a.name == "AWS.SNS.SMS.SMSType") sms_type = a.value;
    if (a.name == "AWS.SNS.SMS.SenderID") sender = a.value;
  }
  json::object delivery{{"destination", phone},
                        {"smsType", sms_type},
                        {"providerResponse", "Written to CloudWatch Logs by nimbus (no SMS sent)"},
                        {"dwellTimeMs", 0},
                        {"priceInUSD", 0}};
  if (!sender.empty()) delivery["senderId"] = sender;
  json::object record{{"notification", json::object{{"messageId", message_id},
                                                    {"timestamp", log_timestamp(now_ms)}}},
                      {"delivery", std::move(delivery)},
                      {"status", "SUCCESS"},
                      {"message", text}};
  logs->put(group, "nimbus-sms", {logs::LogEvent{now_ms, json::serialize(record)}});
  return Status::ok();
}

}  // namespace nimbus::services::sns
