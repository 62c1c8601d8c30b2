// The Subject of a message a producer sends through an SNS topic target
// (CloudWatch alarm notifications: `ALARM: "name" in US East (N. Virginia)`).
// Delivery has no member for it: it rides as the delivery attribute of this
// name, which the topic target takes as the Subject and drops from the
// message attributes. No client's attribute can collide: SNS reserves names
// starting with "AWS.".
#pragma once

#include <string_view>

namespace nimbus::events {

inline constexpr std::string_view kSubjectAttribute = "AWS.SNS.Subject";

}  // namespace nimbus::events
