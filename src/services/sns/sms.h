// SMS: nimbus has no carrier, so what SNS would text (Publish with
// PhoneNumber, sms subscriptions) is written to CloudWatch Logs, where AWS
// writes its SMS delivery-status logs: one JSON record per message in
// AWS's record shape (notification, delivery, status) plus the text itself
// ("message"), in group `sns/REGION/ACCOUNT/DirectPublishToPhoneNumber`
// (Publish with PhoneNumber) or `sns/REGION/ACCOUNT/TOPIC_NAME` (a topic's
// sms subscriptions), stream `nimbus-sms`. `aws logs tail` reads them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "events/delivery.h"
#include "services/logs/api.h"
#include "services/service.h"

namespace nimbus::services::sns {

// `name`: "DirectPublishToPhoneNumber" or a topic's name.
std::string sms_log_group(const Settings& settings, const std::string& name);

// E.164: "+" and 1 to 15 digits, the first not 0.
bool valid_phone_number(const std::string& number);

// Writes one message to `group`; never blocks (LogWriter::put queues).
// Unavailable when there is no log writer.
Status write_sms(logs::LogWriter* logs, const std::string& group, const std::string& message_id,
                 const std::string& phone, const std::string& text,
                 const std::vector<events::Attribute>& attributes, int64_t now_ms);

}  // namespace nimbus::services::sns
