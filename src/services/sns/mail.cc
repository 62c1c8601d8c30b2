#include "services/sns/mail.h"

#include "common/encoding.h"
#include "common/time_format.h"
#include "services/sns/http_delivery.h"

namespace nimbus::services::sns {

namespace {

constexpr const char* kDefaultSender = "no-reply@sns.amazonaws.com";

bool plain(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f) return false;
  }
  return true;
}

// A header value: as is when printable ASCII, else an RFC 2047 encoded word.
std::string header_text(const std::string& s) {
  if (plain(s)) return s;
  return "=?UTF-8?B?" + base64_encode(s) + "?=";
}

// The display name of From: quoted when printable ASCII, else encoded.
std::string display(const std::string& name) {
  if (!plain(name)) return header_text(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string wrapped_base64(const std::string& body) {
  std::string b64 = base64_encode(body);
  std::string out;
  out.reserve(b64.size() + b64.size() / 76 * 2 + 2);
  for (size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

std::string mail_date(int64_t ms) {
  std::string d = http_date(ms);  // "..., 06 Nov 1994 08:49:37 GMT"
  return d.substr(0, d.size() - 3) + "+0000";
}

}  // namespace

bool is_mail(const std::string& protocol) {
  return protocol == "email" || protocol == "email-json";
}

std::string mail_sender(const Settings& settings) {
  auto it = settings.service_options.find("sns.smtp-from");
  return it == settings.service_options.end() ? kDefaultSender : it->second;
}

std::string compose_mail(const std::string& from, const std::string& display_name,
                         const std::string& to, const std::string& subject, const std::string& body,
                         int64_t date_ms, const std::string& message_id) {
  std::string name = display_name.empty() ? "AWS Notifications" : display_name;
  auto at = from.find('@');
  std::string domain = at == std::string::npos ? "localhost" : from.substr(at + 1);
  return "From: " + display(name) + " <" + from + ">\r\n" + "To: " + to + "\r\n" +
         "Subject: " + header_text(subject) + "\r\n" + "Date: " + mail_date(date_ms) + "\r\n" +
         "Message-ID: <" + message_id + "@" + domain + ">\r\n" + "MIME-Version: 1.0\r\n" +
         "Content-Type: text/plain; charset=UTF-8\r\n" +
         "Content-Transfer-Encoding: base64\r\n\r\n" + wrapped_base64(body);
}

std::string notification_mail(const Message& m, const Subscription& s, const Rendering& r) {
  std::string subject = m.subject.empty() ? "AWS Notification Message" : m.subject;
  std::string body;
  if (s.protocol == "email-json") {
    body = envelope(m, s, r);
  } else {
    body = m.text_for(s.protocol) +
           "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
           "visit the link below to unsubscribe:\n" +
           unsubscribe_url(s, r) +
           "\n\nPlease do not reply directly to this email. If you have any questions or "
           "comments regarding this email, please contact the administrator of this nimbus "
           "server.\n";
  }
  return compose_mail(r.mail_from, r.display_name, s.endpoint, subject, body, m.timestamp_ms, m.id);
}

std::string confirmation_mail(const Subscription& s, const std::string& message_id,
                              const std::string& token, int64_t timestamp_ms, const Rendering& r) {
  std::string body;
  if (s.protocol == "email-json") {
    body = confirmation_envelope(kSubscriptionConfirmation, s, message_id, token, timestamp_ms, r);
  } else {
    body = "You have chosen to subscribe to the topic: \n" + s.topic_arn +
           "\n\nTo confirm this subscription, click or visit the link below (If this was in "
           "error no action is necessary): \nConfirm subscription\n" +
           subscribe_url(s.topic_arn, token, r) +
           "\n\nPlease do not reply directly to this email.\n";
  }
  return compose_mail(r.mail_from, r.display_name, s.endpoint,
                      "AWS Notification - Subscription Confirmation", body, timestamp_ms,
                      message_id);
}

}  // namespace nimbus::services::sns
