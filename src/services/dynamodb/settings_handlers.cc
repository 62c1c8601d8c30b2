// Tags, time to live, and the account-level calls SDKs and tools make
// (DescribeLimits, DescribeEndpoints, DescribeContinuousBackups).
#include <algorithm>

#include "common/json_fields.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodb/errors.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

// The table a tag call's ResourceArn names ("" when it names none).
std::string table_of_arn(const std::string& arn) {
  if (arn.rfind("arn:", 0) != 0) return "";
  auto at = arn.find(":table/");
  if (at == std::string::npos) return "";
  std::string rest = arn.substr(at + 7);
  return rest.find('/') == std::string::npos ? rest : "";  // an index or stream is not taggable
}

}  // namespace

void DynamoDbService::tag_resource(const CallContext& ctx, object in, Respond respond) {
  std::string arn = str(in, "ResourceArn");
  std::string name = table_of_arn(arn);
  if (name.empty() || !tables_->find(name)) return respond(errors::arn_not_found(arn));
  auto tags = parse_tags(in.if_contains("Tags"), takes_aws_tags(ctx));
  if (!tags) return respond(tags.take_error());
  auto change = [&tags](TableDef& t) -> Status {
    for (const auto& tag : *tags) {
      auto same = std::find_if(t.tags.begin(), t.tags.end(),
                               [&](const auto& p) { return p.first == tag.first; });
      if (same != t.tags.end()) {
        same->second = tag.second;
      } else {
        t.tags.push_back(tag);
      }
    }
    if (t.tags.size() > 50) {
      return errors::validation(
          "One or more parameter values were invalid: The number of tags "
          "exceeds the limit of 50");
    }
    return Status::ok();
  };
  tables_->update(name, change, [arn, respond = std::move(respond)](Result<TablePtr> t) {
    if (!t) return respond(errors::arn_not_found(arn));
    respond(json::object{});
  });
}

void DynamoDbService::untag_resource(const CallContext&, object in, Respond respond) {
  std::string arn = str(in, "ResourceArn");
  std::string name = table_of_arn(arn);
  if (name.empty() || !tables_->find(name)) return respond(errors::arn_not_found(arn));
  auto keys = string_list(in, "TagKeys");
  auto change = [&keys](TableDef& t) -> Status {
    std::erase_if(t.tags, [&](const auto& p) {
      return std::find(keys.begin(), keys.end(), p.first) != keys.end();
    });
    return Status::ok();
  };
  tables_->update(name, change, [arn, respond = std::move(respond)](Result<TablePtr> t) {
    if (!t) return respond(errors::arn_not_found(arn));
    respond(json::object{});
  });
}

Output DynamoDbService::list_tags_of_resource(const CallContext&, const object& in) const {
  std::string arn = str(in, "ResourceArn");
  std::string name = table_of_arn(arn);
  auto t = name.empty() ? nullptr : tables_->find(name);
  if (!t) return errors::arn_not_found(arn);
  json::array tags;
  for (const auto& [k, v] : t->tags) tags.push_back(json::object{{"Key", k}, {"Value", v}});
  return json::object{{"Tags", std::move(tags)}};
}

void DynamoDbService::update_time_to_live(const CallContext&, object in, Respond respond) {
  std::string name = table_name_of(in);
  const auto* spec_value = in.if_contains("TimeToLiveSpecification");
  if (spec_value == nullptr || !spec_value->is_object()) {
    return respond(
        errors::constraint("null", "timeToLiveSpecification", "Member must not be null"));
  }
  json::object spec = spec_value->as_object();
  bool enable = boolean(spec, "Enabled").value_or(false);
  std::string attribute = str(spec, "AttributeName");
  int64_t now_ms = env_.clock.now_millis();
  auto change = [enable, &attribute, now_ms](TableDef& t) -> Status {
    if (enable && t.ttl_enabled) return errors::validation("TimeToLive is already enabled");
    if (!enable && !t.ttl_enabled) return errors::validation("TimeToLive is already disabled");
    if (!enable && attribute != t.ttl_attribute) {
      return errors::validation(
          "TimeToLive is active on a different AttributeName: current "
          "AttributeName is " +
          t.ttl_attribute);
    }
    t.ttl_enabled = enable;
    t.ttl_attribute = enable ? attribute : "";
    if (enable) t.ttl_since = now_ms;  // a new expiry index generation (expiry.h)
    return Status::ok();
  };
  tables_->update(name, change,
                  [this, spec = std::move(spec), respond = std::move(respond)](Result<TablePtr> t) {
                    if (!t) return respond(t.take_error());
                    if ((*t)->ttl_enabled) rebuild_expiry((*t)->name, (*t)->ttl_since, "");
                    respond(json::object{{"TimeToLiveSpecification", spec}});
                  });
}

Output DynamoDbService::describe_time_to_live(const CallContext&, const object& in) const {
  std::string name = table_name_of(in);
  auto t = tables_->find(name);
  if (!t) return errors::table_not_found_named(name);
  json::object d{{"TimeToLiveStatus", t->ttl_enabled ? "ENABLED" : "DISABLED"}};
  if (t->ttl_enabled) d["AttributeName"] = t->ttl_attribute;
  return json::object{{"TimeToLiveDescription", std::move(d)}};
}

Output DynamoDbService::describe_continuous_backups(const CallContext&, const object& in) const {
  std::string name = table_name_of(in);
  if (!tables_->find(name)) return errors::table_not_found_backup(name);
  return json::object{{"ContinuousBackupsDescription",
                       json::object{{"ContinuousBackupsStatus", "ENABLED"},
                                    {"PointInTimeRecoveryDescription",
                                     json::object{{"PointInTimeRecoveryStatus", "DISABLED"}}}}}};
}

Output DynamoDbService::describe_limits(const CallContext&, const object&) const {
  // AWS's default quotas per account and Region.
  return json::object{{"AccountMaxReadCapacityUnits", 80000},
                      {"AccountMaxWriteCapacityUnits", 80000},
                      {"TableMaxReadCapacityUnits", 40000},
                      {"TableMaxWriteCapacityUnits", 40000}};
}

Output DynamoDbService::describe_endpoints(const CallContext& ctx, const object&) const {
  // The endpoint the client reached, so an SDK that discovers endpoints
  // keeps talking to nimbus.
  std::string address = ctx.endpoint_url;
  if (auto scheme = address.find("://"); scheme != std::string::npos) {
    address = address.substr(scheme + 3);
  }
  if (address.empty()) address = "dynamodb." + region(ctx) + ".amazonaws.com";
  return json::object{{"Endpoints", json::array{json::object{{"Address", address},
                                                             {"CachePeriodInMinutes", 1440}}}}};
}

}  // namespace nimbus::services::dynamodb
