// The mail of email and email-json subscriptions, composed as SNS composes
// it: the confirmation mail (a link to ConfirmSubscription on this server),
// and each Notification (email: the message and the unsubscribe footer;
// email-json: the Notification JSON envelope), as RFC 5322 messages sent
// through the relay of `nimbus serve --sns-smtp` (deliveries.h).
#pragma once

#include <cstdint>
#include <string>

#include "services/service.h"
#include "services/sns/message.h"
#include "services/sns/types.h"

namespace nimbus::services::sns {

bool is_mail(const std::string& protocol);

// The sender (envelope and From:) of every mail: `--sns-smtp-from`, else
// AWS's no-reply address.
std::string mail_sender(const Settings& settings);

// The whole message: From (the topic's DisplayName, else "AWS
// Notifications", with `from`), To, Subject, Date, Message-ID, and the
// body as UTF-8 text (base64, so any line length and byte goes through).
std::string compose_mail(const std::string& from, const std::string& display_name,
                         const std::string& to, const std::string& subject, const std::string& body,
                         int64_t date_ms, const std::string& message_id);

// The mail a Notification is for `s` (an email or email-json subscription).
std::string notification_mail(const Message& m, const Subscription& s, const Rendering& r);

// The SubscriptionConfirmation mail for pending `s` with `token`.
std::string confirmation_mail(const Subscription& s, const std::string& message_id,
                              const std::string& token, int64_t timestamp_ms, const Rendering& r);

}  // namespace nimbus::services::sns
