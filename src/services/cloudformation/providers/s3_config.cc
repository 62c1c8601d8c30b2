// AWS::S3::Bucket's configuration properties as S3's Put*/Delete* calls
// (s3_config.h). CloudFormation's property names differ from S3's document
// members (CorsRules/CORSRules, ExpirationInDays/Expiration.Days,
// Queue/QueueArn with one Event each, ...); the translation is here, the
// checking is S3's own.
#include "services/cloudformation/providers/s3_config.h"

#include <cstdio>
#include <ctime>

#include "common/json_fields.h"

namespace nimbus::services::cloudformation::providers {

namespace {

const json::array* array_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->as_array() : nullptr;
}

// The members of `from` named in `names`, as strings (CloudFormation may
// hand numbers, S3's documents hold text).
json::object texts(const json::object* from, const std::vector<std::string_view>& names) {
  json::object out;
  if (from == nullptr) return out;
  for (auto n : names) {
    if (const auto* v = from->if_contains(n); v != nullptr && !v->is_null()) {
      out[n] = provide::text(*v);
    }
  }
  return out;
}

// from[cfn] as an integer at to[s3] (a parameter hands "30"); a value that
// is no integer is passed as it is, for the model check to refuse.
void put_integer(const json::object& from, std::string_view cfn, json::object& to,
                 std::string_view s3) {
  if (!has(from, cfn)) return;
  if (auto n = integer(from, cfn)) {
    to[s3] = *n;
  } else {
    to[s3] = from.at(cfn);
  }
}

void put_boolean(const json::object& from, std::string_view cfn, json::object& to,
                 std::string_view s3) {
  if (!has(from, cfn)) return;
  if (auto b = boolean(from, cfn)) {
    to[s3] = *b;
  } else {
    to[s3] = from.at(cfn);
  }
}

// CloudFormation's dates ("2030-01-01", "2030-01-01T00:00:00Z") as the epoch
// seconds the operation's timestamp members take.
void put_date(const json::object& from, std::string_view cfn, json::object& to,
              std::string_view s3) {
  if (!has(from, cfn)) return;
  std::string text = str(from, cfn);
  std::tm tm{};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
  if (n != 3 && n != 6) {
    to[s3] = from.at(cfn);
    return;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  to[s3] = static_cast<int64_t>(timegm(&tm));
}

void put_strings(const json::object& from, std::string_view cfn, json::object& to,
                 std::string_view s3) {
  if (const auto* v = from.if_contains(cfn); v != nullptr && v->is_array()) {
    json::array out;
    for (const auto& item : v->as_array()) out.push_back(json::string(provide::text(item)));
    to[s3] = std::move(out);
  }
}

// [{Key, Value}] as S3's tag list.
json::array tag_list(const json::value* tags) {
  json::array out;
  if (tags == nullptr || !tags->is_array()) return out;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    out.push_back(texts(&t.as_object(), {"Key", "Value"}));
  }
  return out;
}

// One lifecycle rule's filter: its Prefix, TagFilters and object sizes, in
// an And when there is more than one condition.
json::object lifecycle_filter(const json::object& rule) {
  json::object conditions;
  if (has(rule, "Prefix")) conditions["Prefix"] = str(rule, "Prefix");
  json::array tags = tag_list(rule.if_contains("TagFilters"));
  put_integer(rule, "ObjectSizeGreaterThan", conditions, "ObjectSizeGreaterThan");
  put_integer(rule, "ObjectSizeLessThan", conditions, "ObjectSizeLessThan");
  size_t count = conditions.size() + tags.size();
  if (count == 0) return {{"Prefix", ""}};
  if (count == 1 && tags.empty()) return conditions;
  if (count == 1) return {{"Tag", tags.front()}};
  if (!tags.empty()) conditions["Tags"] = std::move(tags);
  return {{"And", std::move(conditions)}};
}

json::object transition(const json::object& t, bool noncurrent) {
  json::object out;
  if (has(t, "StorageClass")) out["StorageClass"] = str(t, "StorageClass");
  if (noncurrent) {
    put_integer(t, "TransitionInDays", out, "NoncurrentDays");
    put_integer(t, "NewerNoncurrentVersions", out, "NewerNoncurrentVersions");
  } else {
    put_integer(t, "TransitionInDays", out, "Days");
    put_date(t, "TransitionDate", out, "Date");
  }
  return out;
}

// Transition and Transitions (NoncurrentVersionTransition(s)) as one list.
void put_transitions(const json::object& rule, std::string_view one, std::string_view many,
                     bool noncurrent, json::object& out, std::string_view s3) {
  json::array list;
  if (const auto* t = object_at(rule, one)) list.push_back(transition(*t, noncurrent));
  if (const auto* ts = array_at(rule, many)) {
    for (const auto& t : *ts) {
      if (t.is_object()) list.push_back(transition(t.as_object(), noncurrent));
    }
  }
  if (!list.empty()) out[s3] = std::move(list);
}

json::object lifecycle_rule(const json::object& rule) {
  json::object out;
  if (has(rule, "Id")) out["ID"] = str(rule, "Id");
  out["Status"] = str(rule, "Status");
  out["Filter"] = lifecycle_filter(rule);
  json::object expiration;
  put_integer(rule, "ExpirationInDays", expiration, "Days");
  put_date(rule, "ExpirationDate", expiration, "Date");
  put_boolean(rule, "ExpiredObjectDeleteMarker", expiration, "ExpiredObjectDeleteMarker");
  if (!expiration.empty()) out["Expiration"] = std::move(expiration);
  json::object noncurrent;
  if (const auto* n = object_at(rule, "NoncurrentVersionExpiration")) {
    put_integer(*n, "NoncurrentDays", noncurrent, "NoncurrentDays");
    put_integer(*n, "NewerNoncurrentVersions", noncurrent, "NewerNoncurrentVersions");
  }
  put_integer(rule, "NoncurrentVersionExpirationInDays", noncurrent, "NoncurrentDays");
  if (!noncurrent.empty()) out["NoncurrentVersionExpiration"] = std::move(noncurrent);
  if (const auto* a = object_at(rule, "AbortIncompleteMultipartUpload")) {
    json::object abort;
    put_integer(*a, "DaysAfterInitiation", abort, "DaysAfterInitiation");
    out["AbortIncompleteMultipartUpload"] = std::move(abort);
  }
  put_transitions(rule, "Transition", "Transitions", false, out, "Transitions");
  put_transitions(rule, "NoncurrentVersionTransition", "NoncurrentVersionTransitions", true, out,
                  "NoncurrentVersionTransitions");
  return out;
}

// One of CloudFormation's Queue/Topic/LambdaConfigurations (one Event
// each) as S3's configuration (an Events list).
json::object destination(const json::object& c, std::string_view cfn_target,
                         std::string_view s3_target) {
  json::object out{{s3_target, str(c, cfn_target)},
                   {"Events", json::array{json::string(str(c, "Event"))}}};
  const auto* filter = object_at(c, "Filter");
  const auto* key = filter != nullptr ? object_at(*filter, "S3Key") : nullptr;
  if (const auto* rules = key != nullptr ? array_at(*key, "Rules") : nullptr) {
    json::array converted;
    for (const auto& rule : *rules) {
      if (rule.is_object()) converted.push_back(texts(&rule.as_object(), {"Name", "Value"}));
    }
    out["Filter"] = {{"Key", {{"FilterRules", std::move(converted)}}}};
  }
  return out;
}

void put_destinations(const json::object& cfn, std::string_view list, std::string_view target,
                      json::object& out, std::string_view s3_list, std::string_view s3_target) {
  const auto* items = array_at(cfn, list);
  if (items == nullptr) return;
  json::array converted;
  for (const auto& c : *items) {
    if (c.is_object()) converted.push_back(destination(c.as_object(), target, s3_target));
  }
  out[s3_list] = std::move(converted);
}

// One configuration property: how it is put and how it is taken away.
struct Configuration {
  std::string_view property;
  std::string_view put;
  std::string_view document_member;  // the Put operation's document member
  json::object (*document)(const json::value&);
  std::string_view remove;  // the Delete operation; empty: put `removed`
  json::object (*removed)(const json::value& old);
};

json::object versioning_doc(const json::value& v) {
  return v.is_object() ? texts(&v.as_object(), {"Status"}) : json::object();
}
json::object versioning_removed(const json::value& old) {
  // A bucket once versioned cannot be unversioned: S3 only suspends it.
  bool enabled = old.is_object() && str(old.as_object(), "Status") == "Enabled";
  return enabled ? json::object{{"Status", "Suspended"}} : json::object();
}
json::object tagging_doc(const json::value& v) {
  return s3doc::tagging(v);
}
json::object cors_doc(const json::value& v) {
  return v.is_object() ? s3doc::cors(v.as_object()) : json::object();
}
json::object lifecycle_doc(const json::value& v) {
  return v.is_object() ? s3doc::lifecycle(v.as_object()) : json::object();
}
json::object website_doc(const json::value& v) {
  return v.is_object() ? s3doc::website(v.as_object()) : json::object();
}
json::object notification_doc(const json::value& v) {
  return v.is_object() ? s3doc::notification(v.as_object()) : json::object();
}
json::object no_notifications(const json::value&) {
  return {};
}

const Configuration kConfigurations[] = {
    {"VersioningConfiguration", "PutBucketVersioning", "VersioningConfiguration", versioning_doc,
     "", versioning_removed},
    {"Tags", "PutBucketTagging", "Tagging", tagging_doc, "DeleteBucketTagging", nullptr},
    {"CorsConfiguration", "PutBucketCors", "CORSConfiguration", cors_doc, "DeleteBucketCors",
     nullptr},
    {"LifecycleConfiguration", "PutBucketLifecycleConfiguration", "LifecycleConfiguration",
     lifecycle_doc, "DeleteBucketLifecycle", nullptr},
    {"WebsiteConfiguration", "PutBucketWebsite", "WebsiteConfiguration", website_doc,
     "DeleteBucketWebsite", nullptr},
    {"NotificationConfiguration", "PutBucketNotificationConfiguration", "NotificationConfiguration",
     notification_doc, "", no_notifications},
};

}  // namespace

namespace s3doc {

json::object website(const json::object& w) {
  json::object out;
  if (has(w, "IndexDocument")) out["IndexDocument"] = {{"Suffix", str(w, "IndexDocument")}};
  if (has(w, "ErrorDocument")) out["ErrorDocument"] = {{"Key", str(w, "ErrorDocument")}};
  if (const auto* all = object_at(w, "RedirectAllRequestsTo")) {
    out["RedirectAllRequestsTo"] = texts(all, {"HostName", "Protocol"});
  }
  if (const auto* rules = array_at(w, "RoutingRules")) {
    json::array converted;
    for (const auto& rule : *rules) {
      if (!rule.is_object()) continue;
      json::object c;
      c["Redirect"] = texts(
          object_at(rule.as_object(), "RedirectRule"),
          {"HostName", "HttpRedirectCode", "Protocol", "ReplaceKeyPrefixWith", "ReplaceKeyWith"});
      auto condition = texts(object_at(rule.as_object(), "RoutingRuleCondition"),
                             {"HttpErrorCodeReturnedEquals", "KeyPrefixEquals"});
      if (!condition.empty()) c["Condition"] = std::move(condition);
      converted.push_back(std::move(c));
    }
    out["RoutingRules"] = std::move(converted);
  }
  return out;
}

json::object cors(const json::object& c) {
  json::array rules;
  if (const auto* list = array_at(c, "CorsRules")) {
    for (const auto& item : *list) {
      if (!item.is_object()) continue;
      const auto& rule = item.as_object();
      json::object out;
      if (has(rule, "Id")) out["ID"] = str(rule, "Id");
      put_strings(rule, "AllowedHeaders", out, "AllowedHeaders");
      put_strings(rule, "AllowedMethods", out, "AllowedMethods");
      put_strings(rule, "AllowedOrigins", out, "AllowedOrigins");
      put_strings(rule, "ExposedHeaders", out, "ExposeHeaders");
      put_integer(rule, "MaxAge", out, "MaxAgeSeconds");
      rules.push_back(std::move(out));
    }
  }
  return {{"CORSRules", std::move(rules)}};
}

json::object lifecycle(const json::object& l) {
  json::array rules;
  if (const auto* list = array_at(l, "Rules")) {
    for (const auto& rule : *list) {
      if (rule.is_object()) rules.push_back(lifecycle_rule(rule.as_object()));
    }
  }
  return {{"Rules", std::move(rules)}};
}

json::object notification(const json::object& n) {
  json::object out;
  put_destinations(n, "QueueConfigurations", "Queue", out, "QueueConfigurations", "QueueArn");
  put_destinations(n, "TopicConfigurations", "Topic", out, "TopicConfigurations", "TopicArn");
  put_destinations(n, "LambdaConfigurations", "Function", out, "LambdaFunctionConfigurations",
                   "LambdaFunctionArn");
  if (const auto* eb = object_at(n, "EventBridgeConfiguration");
      eb != nullptr && boolean(*eb, "EventBridgeEnabled").value_or(true)) {
    out["EventBridgeConfiguration"] = json::object{};
  }
  return out;
}

json::object tagging(const json::value& tags) {
  return {{"TagSet", tag_list(&tags)}};
}

}  // namespace s3doc

std::vector<provide::Step> bucket_config_steps(const ResourceRequest& r,
                                               const std::string& bucket) {
  std::vector<provide::Step> steps;
  for (const auto& c : kConfigurations) {
    const auto* now = r.properties.if_contains(c.property);
    const auto* was = r.old_properties.if_contains(c.property);
    if (now != nullptr && !now->is_null()) {
      if (was != nullptr && *was == *now) continue;
      steps.push_back(
          provide::call_step(r, "s3", std::string(c.put),
                             {{"Bucket", bucket}, {c.document_member, c.document(*now)}}));
    } else if (was != nullptr && !was->is_null()) {
      if (!c.remove.empty()) {
        steps.push_back(provide::call_step(r, "s3", std::string(c.remove), {{"Bucket", bucket}},
                                           {"NoSuchBucket"}));
        continue;
      }
      json::object document = c.removed(*was);
      if (c.property == "VersioningConfiguration" && document.empty()) continue;
      steps.push_back(provide::call_step(r, "s3", std::string(c.put),
                                         {{"Bucket", bucket}, {c.document_member, document}}));
    }
  }
  return steps;
}

}  // namespace nimbus::services::cloudformation::providers
