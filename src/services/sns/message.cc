#include "services/sns/message.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "auth/crypto.h"
#include "common/encoding.h"
#include "common/json_fields.h"
#include "common/time_format.h"
#include "services/sns/errors.h"
#include "services/sns/mail.h"
#include "services/sns/signing.h"

namespace nimbus::services::sns {

namespace json = boost::json;

namespace {

constexpr size_t kMaxAttributes = 10;
constexpr size_t kMaxSubject = 100;

std::string quote(std::string_view s) {
  return json::serialize(json::value(json::string(s)));
}

bool valid_attribute_name(std::string_view n) {
  if (n.empty() || n.size() > 256 || n.front() == '.' || n.back() == '.') return false;
  if (n.find("..") != std::string_view::npos) return false;
  std::string lower(n);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  // Reserved prefixes, but for SNS's own settings of a message
  // (AWS.SNS.SMS.SMSType, AWS.SNS.SMS.SenderID, AWS.SNS.MOBILE.*, ...).
  bool sns_own = n.starts_with("AWS.SNS.") || n.starts_with("AWS.MM.SMS.");
  if (!sns_own && (lower.rfind("aws.", 0) == 0 || lower.rfind("amazon.", 0) == 0)) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool is_number(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  double d = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  return r.ec == std::errc() && r.ptr == v.data() + v.size() && std::abs(d) <= 1e126;
}

bool is_string_array(std::string_view v) {
  boost::system::error_code ec;
  auto doc = json::parse(v, ec);
  if (ec || !doc.is_array()) return false;
  return std::all_of(doc.as_array().begin(), doc.as_array().end(),
                     [](const json::value& e) { return !e.is_object() && !e.is_array(); });
}

Result<std::vector<events::Attribute>> read_attributes(const json::object& in) {
  std::vector<events::Attribute> out;
  const auto* map = in.if_contains("MessageAttributes");
  if (map == nullptr || !map->is_object()) return out;
  if (map->as_object().size() > kMaxAttributes) {
    return errors::invalid("Number of message attributes [" +
                           std::to_string(map->as_object().size()) +
                           "] exceeds the allowed maximum [10].");
  }
  for (const auto& [key, v] : map->as_object()) {
    std::string name(key);
    if (!valid_attribute_name(name)) {
      return errors::invalid("The message attribute name '" + name + "' is invalid.");
    }
    if (!v.is_object()) continue;
    const auto& o = v.as_object();
    std::string type = str(o, "DataType");
    std::string base = type.substr(0, type.find('.'));
    if (type == "String.Array") base = "String.Array";
    if (base != "String" && base != "Number" && base != "Binary" && base != "String.Array") {
      return errors::invalid("The message attribute '" + name +
                             "' has an invalid message attribute type, the set of supported "
                             "type prefixes is Binary, Number, and String.");
    }
    events::Attribute a{name, type, {}, base == "Binary"};
    if (a.binary) {
      if (!has(o, "BinaryValue") || str(o, "BinaryValue").empty()) {
        return errors::invalid("The message attribute '" + name +
                               "' with type 'Binary' must use "
                               "field 'BinaryValue'.");
      }
      a.value = str(o, "BinaryValue");
    } else {
      a.value = str(o, "StringValue");
      if (a.value.empty()) {
        return errors::invalid("The message attribute '" + name +
                               "' must contain non-empty message attribute value for message "
                               "attribute type '" +
                               base + "'.");
      }
      if (base == "Number" && !is_number(a.value)) {
        return errors::invalid("Could not cast message attribute '" + name + "' value to number.");
      }
      if (base == "String.Array" && !is_string_array(a.value)) {
        return errors::invalid("The message attribute '" + name +
                               "' with type 'String.Array' has an invalid value; it must be a "
                               "JSON array of strings, numbers, booleans and nulls.");
      }
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  return out;
}

bool valid_fifo_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

json::object attributes_json(const Message& m) {
  json::object o;
  for (const auto& a : m.attributes) {
    o[a.name] =
        json::object{{"Type", a.type}, {"Value", a.binary ? base64_encode(a.value) : a.value}};
  }
  return o;
}

}  // namespace

std::string unsubscribe_url(const Subscription& s, const Rendering& r) {
  return r.endpoint_url + "/?Action=Unsubscribe&SubscriptionArn=" + s.arn;
}

const std::string& Message::text_for(const std::string& protocol) const {
  auto it = per_protocol.find(protocol);
  return it == per_protocol.end() ? body : it->second;
}

Result<Message> read_message(const json::object& in, const Topic& topic) {
  Message m;
  m.topic_arn = topic.arn;
  m.body = str(in, "Message");
  if (m.body.empty()) return errors::invalid("Empty message");
  m.subject = str(in, "Subject");
  if (has(in, "Subject")) {
    bool ok = !m.subject.empty() && m.subject.size() <= kMaxSubject &&
              std::all_of(m.subject.begin(), m.subject.end(),
                          [](char c) { return c >= 0x20 && c < 0x7f; }) &&
              m.subject.front() != ' ';
    if (!ok) return errors::invalid("Subject");
  }
  if (has(in, "MessageStructure")) {
    if (str(in, "MessageStructure") != "json") {
      return errors::invalid("Message Structure - Invalid value");
    }
    auto doc = parse_object(m.body);
    if (!doc) return errors::invalid("Message Structure - JSON message body failed to parse");
    const auto* def = doc->if_contains("default");
    if (def == nullptr || !def->is_string()) {
      return errors::invalid("Message Structure - No default entry in JSON message body");
    }
    for (const auto& [k, v] : *doc) {
      if (v.is_string()) m.per_protocol[std::string(k)] = std::string(v.as_string());
    }
    m.body = m.per_protocol["default"];
  }
  auto attrs = read_attributes(in);
  if (!attrs) return attrs.take_error();
  m.attributes = std::move(*attrs);
  m.bytes = str(in, "Message").size();
  for (const auto& a : m.attributes) m.bytes += a.name.size() + a.type.size() + a.value.size();
  if (m.bytes > kMaxMessageBytes) return errors::invalid("Message too long");
  m.group_id = str(in, "MessageGroupId");
  m.dedup_id = str(in, "MessageDeduplicationId");
  if (topic.fifo) {
    if (m.group_id.empty()) {
      return errors::invalid("The MessageGroupId parameter is required for FIFO topics");
    }
    if (!valid_fifo_id(m.group_id)) return errors::invalid("MessageGroupId");
    if (m.dedup_id.empty()) {
      if (!topic.content_based_dedup()) {
        return errors::invalid(
            "The topic should either have ContentBasedDeduplication enabled or "
            "MessageDeduplicationId provided explicitly");
      }
      m.dedup_id = auth::crypto::sha256_hex(str(in, "Message"));
    } else if (!valid_fifo_id(m.dedup_id)) {
      return errors::invalid("MessageDeduplicationId");
    }
  } else {
    if (!m.dedup_id.empty()) {
      return errors::invalid("MessageDeduplicationId",
                             "The request includes MessageDeduplicationId parameter that is not "
                             "valid for this topic type");
    }
    if (!m.group_id.empty() && !valid_fifo_id(m.group_id)) {
      return errors::invalid("MessageGroupId");
    }
  }
  return m;
}

std::optional<Signature> sign(const std::string& canonical, const Rendering& r) {
  if (r.signer == nullptr) return std::nullopt;
  Signature out{std::to_string(r.signature_version), {}, r.endpoint_url + kSigningCertPath};
  auto [it, fresh] = r.signatures->try_emplace(canonical);
  if (fresh) it->second = r.signer->sign(canonical, r.signature_version);
  out.signature = it->second;
  return out;
}

namespace {

// The signature of a Notification: Message, MessageId, Subject (when
// there is one), Timestamp, TopicArn, Type.
std::optional<Signature> sign_notification(const Message& m, const std::string& text,
                                           const std::string& timestamp, const Rendering& r) {
  if (r.signer == nullptr) return std::nullopt;
  std::vector<std::pair<std::string_view, std::string_view>> f;
  f.reserve(6);
  f.emplace_back("Message", text);
  f.emplace_back("MessageId", m.id);
  if (!m.subject.empty()) f.emplace_back("Subject", m.subject);
  f.emplace_back("Timestamp", timestamp);
  f.emplace_back("TopicArn", m.topic_arn);
  f.emplace_back("Type", "Notification");
  return sign(canonical_string(f), r);
}

}  // namespace

std::string envelope(const Message& m, const Subscription& s, const Rendering& r) {
  std::string out = "{\n";
  auto field = [&out](std::string_view k, const std::string& v) {
    out += "  " + quote(k) + " : " + quote(v) + ",\n";
  };
  field("Type", "Notification");
  field("MessageId", m.id);
  if (!m.sequence.empty()) field("SequenceNumber", m.sequence);
  field("TopicArn", m.topic_arn);
  if (!m.subject.empty()) field("Subject", m.subject);
  field("Message", m.text_for(s.protocol));
  std::string timestamp = utc_millis(m.timestamp_ms);
  field("Timestamp", timestamp);
  if (auto sig = sign_notification(m, m.text_for(s.protocol), timestamp, r)) {
    field("SignatureVersion", sig->version);
    field("Signature", sig->signature);
    field("SigningCertURL", sig->cert_url);
  }
  out += "  \"UnsubscribeURL\" : " + quote(unsubscribe_url(s, r));
  if (!m.attributes.empty()) {
    out += ",\n  \"MessageAttributes\" : {\n";
    bool first = true;
    for (const auto& [name, v] : attributes_json(m)) {
      if (!first) out += ",\n";
      first = false;
      out += "    " + quote(name) + " : " + json::serialize(v);
    }
    out += "\n  }";
  }
  out += "\n}";
  return out;
}

std::string lambda_event(const Message& m, const Subscription& s, const Rendering& r) {
  json::object sns{{"Type", "Notification"},
                   {"MessageId", m.id},
                   {"TopicArn", m.topic_arn},
                   {"Subject", m.subject.empty() ? json::value(nullptr) : json::value(m.subject)},
                   {"Message", m.text_for(s.protocol)},
                   {"Timestamp", utc_millis(m.timestamp_ms)},
                   {"UnsubscribeUrl", unsubscribe_url(s, r)},
                   {"MessageAttributes", attributes_json(m)}};
  if (auto sig = sign_notification(m, m.text_for(s.protocol), utc_millis(m.timestamp_ms), r)) {
    sns["SignatureVersion"] = sig->version;
    sns["Signature"] = sig->signature;
    sns["SigningCertUrl"] = sig->cert_url;
  }
  if (!m.sequence.empty()) sns["SequenceNumber"] = m.sequence;
  json::object record{{"EventSource", "aws:sns"},
                      {"EventVersion", "1.0"},
                      {"EventSubscriptionArn", s.arn},
                      {"Sns", std::move(sns)}};
  return json::serialize(json::object{{"Records", json::array{std::move(record)}}});
}

events::Delivery delivery_for(const Message& m, const Subscription& s, const Rendering& r) {
  events::Delivery d;
  d.source_arn = m.topic_arn;
  d.id = m.id;
  if (s.protocol == "lambda") {
    d.body = lambda_event(m, s, r);
    return d;
  }
  if (is_mail(s.protocol)) {
    d.body = notification_mail(m, s, r);
    return d;
  }
  if (s.protocol == "sms") {
    d.body = m.text_for(s.protocol);
    d.attributes = m.attributes;
    return d;
  }
  if (s.raw()) {
    d.body = m.text_for(s.protocol);
    d.attributes = m.attributes;
  } else {
    d.body = envelope(m, s, r);
  }
  // FIFO topics keep the group and deduplication id for FIFO queues.
  if (!m.sequence.empty()) {
    d.group_id = m.group_id;
    d.dedup_id = m.dedup_id;
  }
  return d;
}

}  // namespace nimbus::services::sns
