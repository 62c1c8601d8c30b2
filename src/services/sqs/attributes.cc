#include "services/sqs/attributes.h"

#include <boost/json.hpp>
#include <charconv>
#include <set>

#include "services/sqs/errors.h"

namespace nimbus::services::sqs {

namespace json = boost::json;

namespace {

struct IntRange {
  const char* name;
  int lo;
  int hi;
};
constexpr IntRange kIntAttributes[] = {
    {"DelaySeconds", 0, 900},
    {"MaximumMessageSize", 1024, 1048576},  // 1 MiB, also the default, since 2025
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, 20},
    {"VisibilityTimeout", 0, 43200},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};

const std::set<std::string>& read_only() {
  static const std::set<std::string> names = {"ApproximateNumberOfMessages",
                                              "ApproximateNumberOfMessagesNotVisible",
                                              "ApproximateNumberOfMessagesDelayed",
                                              "CreatedTimestamp",
                                              "LastModifiedTimestamp",
                                              "QueueArn"};
  return names;
}

const std::set<std::string>& fifo_only() {
  static const std::set<std::string> names = {"FifoQueue", "ContentBasedDeduplication",
                                              "DeduplicationScope", "FifoThroughputLimit"};
  return names;
}

const std::set<std::string>& optional_attributes() {
  static const std::set<std::string> names = {"Policy", "RedrivePolicy", "RedriveAllowPolicy",
                                              "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"};
  return names;
}

bool parse_int(const std::string& s, int& out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_bool(const std::string& s, bool& out) {
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true")
    out = true;
  else if (l == "false")
    out = false;
  else
    return false;
  return true;
}

// RedrivePolicy: {"deadLetterTargetArn": "...", "maxReceiveCount": 1..1000}.
// Normalized to SQS's own rendering (count as a number).
Result<std::string> normalize_redrive(const std::string& value) {
  std::string reason = "Redrive policy is not a valid JSON map.";
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return errors::invalid_value(value, "RedrivePolicy", reason);
  const auto& o = v.as_object();
  const auto* arn = o.if_contains("deadLetterTargetArn");
  const auto* count = o.if_contains("maxReceiveCount");
  if (arn == nullptr || !arn->is_string()) {
    return errors::invalid_value(value, "RedrivePolicy",
                                 "Redrive policy does not contain mandatory attribute: "
                                 "deadLetterTargetArn.");
  }
  if (count == nullptr) {
    return errors::invalid_value(value, "RedrivePolicy",
                                 "Redrive policy does not contain mandatory attribute: "
                                 "maxReceiveCount.");
  }
  int n = 0;
  if (count->is_int64()) {
    n = count->as_int64() > 100000 ? 100000 : static_cast<int>(count->as_int64());
  } else if (!count->is_string() || !parse_int(std::string(count->as_string()), n)) {
    n = -1;
  }
  if (n < 1 || n > 1000) {
    return errors::invalid_value(value, "RedrivePolicy",
                                 "Invalid value for maxReceiveCount: " + json::serialize(*count) +
                                     ", valid values are from 1 to 1000 both inclusive.");
  }
  for (const auto& [k, _] : o) {
    if (k != "deadLetterTargetArn" && k != "maxReceiveCount") {
      return errors::invalid_value(value, "RedrivePolicy",
                                   "Only following attributes are supported: "
                                   "[deadLetterTargetArn, maxReceiveCount].");
    }
  }
  json::object out;
  out["deadLetterTargetArn"] = arn->as_string();
  out["maxReceiveCount"] = n;
  return json::serialize(out);
}

Status check_redrive_allow(const std::string& value) {
  boost::system::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec || !v.is_object()) return errors::invalid_attribute_value("RedriveAllowPolicy");
  const auto& o = v.as_object();
  const auto* perm = o.if_contains("redrivePermission");
  const auto* sources = o.if_contains("sourceQueueArns");
  if (perm == nullptr || !perm->is_string()) {
    return errors::invalid_attribute_value("RedriveAllowPolicy");
  }
  std::string p(perm->as_string());
  if (p != "allowAll" && p != "denyAll" && p != "byQueue") {
    return errors::invalid_attribute_value("RedriveAllowPolicy");
  }
  if (p == "byQueue") {
    if (sources == nullptr || !sources->is_array() || sources->as_array().empty() ||
        sources->as_array().size() > 10) {
      return errors::invalid_attribute_value("RedriveAllowPolicy");
    }
    for (const auto& s : sources->as_array()) {
      if (!s.is_string()) return errors::invalid_attribute_value("RedriveAllowPolicy");
    }
  } else if (sources != nullptr) {
    return errors::invalid_attribute_value("RedriveAllowPolicy");
  }
  return Status::ok();
}

}  // namespace

bool is_known_attribute(const std::string& name) {
  for (const auto& r : kIntAttributes) {
    if (name == r.name) return true;
  }
  return read_only().count(name) > 0 || fifo_only().count(name) > 0 ||
         optional_attributes().count(name) > 0 || name == "SqsManagedSseEnabled";
}

QueueConfig default_config(bool fifo) {
  QueueConfig c;
  c.fifo = fifo;
  c.attrs = {{"DelaySeconds", "0"},
             {"MaximumMessageSize", "1048576"},
             {"MessageRetentionPeriod", "345600"},
             {"ReceiveMessageWaitTimeSeconds", "0"},
             {"VisibilityTimeout", "30"},
             {"SqsManagedSseEnabled", "true"}};
  if (fifo) {
    c.attrs["FifoQueue"] = "true";
    c.attrs["ContentBasedDeduplication"] = "false";
    c.attrs["DeduplicationScope"] = "queue";
    c.attrs["FifoThroughputLimit"] = "perQueue";
  }
  derive(c);
  return c;
}

Status apply_attributes(QueueConfig& config, const std::map<std::string, std::string>& requested,
                        bool creating) {
  auto next = config.attrs;
  for (const auto& [name, value] : requested) {
    if (!is_known_attribute(name) || read_only().count(name) > 0) {
      return errors::invalid_attribute_name(name);
    }
    if (fifo_only().count(name) > 0 && !config.fifo) {
      if (name == "FifoQueue" && creating && value == "false") continue;
      return errors::invalid_attribute_name(name);
    }
    bool int_attr = false;
    for (const auto& r : kIntAttributes) {
      if (name != r.name) continue;
      int_attr = true;
      int n = 0;
      if (!parse_int(value, n) || n < r.lo || n > r.hi) {
        return errors::invalid_attribute_value(name);
      }
      next[name] = std::to_string(n);
    }
    if (int_attr) continue;
    bool b = false;
    if (name == "FifoQueue") {
      if (!creating || !parse_bool(value, b) || !b) return errors::invalid_attribute_value(name);
      next[name] = "true";
    } else if (name == "ContentBasedDeduplication" || name == "SqsManagedSseEnabled") {
      if (!parse_bool(value, b)) return errors::invalid_attribute_value(name);
      next[name] = b ? "true" : "false";
    } else if (name == "DeduplicationScope") {
      if (value != "messageGroup" && value != "queue") {
        return errors::invalid_attribute_value(name);
      }
      next[name] = value;
    } else if (name == "FifoThroughputLimit") {
      if (value != "perQueue" && value != "perMessageGroupId") {
        return errors::invalid_attribute_value(name);
      }
      next[name] = value;
    } else if (name == "Policy") {
      if (value.empty()) {
        next.erase(name);
        continue;
      }
      boost::system::error_code ec;
      json::value v = json::parse(value, ec);
      if (ec || !v.is_object()) return errors::invalid_attribute_value(name);
      next[name] = value;
    } else if (name == "RedrivePolicy") {
      if (value.empty()) {
        next.erase(name);
        continue;
      }
      auto normalized = normalize_redrive(value);
      if (!normalized) return normalized.take_error();
      next[name] = *normalized;
    } else if (name == "RedriveAllowPolicy") {
      if (value.empty()) {
        next.erase(name);
        continue;
      }
      NIMBUS_TRY(check_redrive_allow(value));
      next[name] = value;
    } else if (name == "KmsMasterKeyId") {
      if (value.empty()) {
        next.erase(name);
        next.erase("KmsDataKeyReusePeriodSeconds");
        continue;
      }
      next[name] = value;
      if (!next.count("KmsDataKeyReusePeriodSeconds")) next["KmsDataKeyReusePeriodSeconds"] = "300";
      if (!requested.count("SqsManagedSseEnabled")) next["SqsManagedSseEnabled"] = "false";
    }
  }
  if (config.fifo && next["FifoThroughputLimit"] == "perMessageGroupId" &&
      next["DeduplicationScope"] != "messageGroup") {
    return errors::invalid_attribute_value("FifoThroughputLimit");
  }
  config.attrs = std::move(next);
  derive(config);
  return Status::ok();
}

void derive(QueueConfig& c) {
  auto num = [&](const char* name, int fallback) {
    int n = fallback;
    auto it = c.attrs.find(name);
    if (it != c.attrs.end() && !parse_int(it->second, n)) n = fallback;
    return n;
  };
  c.delay_seconds = num("DelaySeconds", 0);
  c.max_message_size = num("MaximumMessageSize", 1048576);
  c.retention_seconds = num("MessageRetentionPeriod", 345600);
  c.wait_seconds = num("ReceiveMessageWaitTimeSeconds", 0);
  c.visibility_timeout = num("VisibilityTimeout", 30);
  c.content_dedup = c.fifo && c.attrs["ContentBasedDeduplication"] == "true";
  c.dedup_per_group = c.fifo && c.attrs["DeduplicationScope"] == "messageGroup";
  c.dlq_arn.clear();
  c.max_receive_count = 0;
  if (auto it = c.attrs.find("RedrivePolicy"); it != c.attrs.end()) {
    boost::system::error_code ec;
    json::value v = json::parse(it->second, ec);
    if (!ec && v.is_object()) {
      const auto& o = v.as_object();
      if (const auto* a = o.if_contains("deadLetterTargetArn"); a && a->is_string()) {
        c.dlq_arn = std::string(a->as_string());
      }
      if (const auto* n = o.if_contains("maxReceiveCount"); n && n->is_int64()) {
        c.max_receive_count = static_cast<int>(n->as_int64());
      }
    }
  }
  c.redrive_permission = "allowAll";
  c.redrive_sources.clear();
  if (auto it = c.attrs.find("RedriveAllowPolicy"); it != c.attrs.end()) {
    boost::system::error_code ec;
    json::value v = json::parse(it->second, ec);
    if (!ec && v.is_object()) {
      const auto& o = v.as_object();
      if (const auto* p = o.if_contains("redrivePermission"); p && p->is_string()) {
        c.redrive_permission = std::string(p->as_string());
      }
      if (const auto* s = o.if_contains("sourceQueueArns"); s && s->is_array()) {
        for (const auto& a : s->as_array()) {
          if (a.is_string()) c.redrive_sources.emplace_back(a.as_string());
        }
      }
    }
  }
}

}  // namespace nimbus::services::sqs
