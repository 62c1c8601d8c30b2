// AWS::DynamoDB::Table, AWS::Logs::LogGroup.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::status_of;

// ---- AWS::DynamoDB::Table

json::object stream_spec(const json::object& props) {
  const auto* s = props.if_contains("StreamSpecification");
  if (s == nullptr || !s->is_object()) return json::object{{"StreamEnabled", false}};
  return json::object{{"StreamEnabled", true},
                      {"StreamViewType", str(s->as_object(), "StreamViewType")}};
}

provide::Step ttl_step(const ResourceRequest& r, const std::string& table) {
  const auto* ttl = r.properties.if_contains("TimeToLiveSpecification");
  json::object spec;
  if (ttl != nullptr && ttl->is_object()) {
    spec["AttributeName"] = str(ttl->as_object(), "AttributeName");
    spec["Enabled"] = boolean(ttl->as_object(), "Enabled").value_or(false);
  }
  return [r, table, spec](std::function<void(Status)> next) {
    if (spec.empty()) return next(Status::ok());
    r.call("dynamodb", "UpdateTimeToLive",
           json::object{{"TableName", table}, {"TimeToLiveSpecification", spec}},
           [next](Output o) { next(status_of(o)); });
  };
}

Provided table(const ResourceRequest& r, const std::string& name, const json::object& desc) {
  json::object a{{"Arn", str(desc, "TableArn").empty() ? r.arn("dynamodb", "table/" + name)
                                                       : str(desc, "TableArn")}};
  if (has(desc, "LatestStreamArn")) a["StreamArn"] = str(desc, "LatestStreamArn");
  return {name, std::move(a)};
}

// Resource import: the table TableName names, if DynamoDB has it.
void read_table(const ResourceRequest& r, ProvideDone done) {
  r.call("dynamodb", "DescribeTable", json::object{{"TableName", r.physical_id}},
         [r, done](Output out) {
           if (!out) return done(out.take_error());
           const auto* d = out->if_contains("Table");
           done(table(r, r.physical_id,
                      d != nullptr && d->is_object() ? d->as_object() : json::object()));
         });
}

std::string table_name(const ResourceRequest& r) {
  return r.name_or_generated("TableName", 255);
}

void create_table(const ResourceRequest& r, ProvideDone done) {
  std::string name = table_name(r);
  json::object in{{"TableName", name}};
  provide::copy(r.properties, in,
                {"AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput",
                 "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "SSESpecification", "Tags",
                 "TableClass", "DeletionProtectionEnabled", "OnDemandThroughput"});
  if (r.properties.contains("StreamSpecification"))
    in["StreamSpecification"] = stream_spec(r.properties);
  r.call("dynamodb", "CreateTable", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    const auto* d = out->if_contains("TableDescription");
    json::object desc = d != nullptr && d->is_object() ? d->as_object() : json::object();
    provide::in_order({ttl_step(r, name)}, [r, name, desc, done](Status st) {
      if (!st) return done(st.take_error());
      done(table(r, name, desc));
    });
  });
}

void update_table(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"TableName", r.physical_id}};
  for (auto name :
       {"BillingMode", "ProvisionedThroughput", "TableClass", "DeletionProtectionEnabled"}) {
    const auto* now = r.properties.if_contains(name);
    const auto* was = r.old_properties.if_contains(name);
    if (now != nullptr && (was == nullptr || *now != *was)) in[name] = *now;
  }
  json::object streams = stream_spec(r.properties);
  if (streams != stream_spec(r.old_properties)) in["StreamSpecification"] = std::move(streams);
  std::vector<provide::Step> steps;
  if (in.size() > 1) {
    steps.push_back([r, in](std::function<void(Status)> next) {
      r.call("dynamodb", "UpdateTable", in, [next](Output o) { next(status_of(o)); });
    });
  }
  if (r.properties.if_contains("TimeToLiveSpecification") != nullptr &&
      r.properties.at("TimeToLiveSpecification") !=
          (r.old_properties.contains("TimeToLiveSpecification")
               ? r.old_properties.at("TimeToLiveSpecification")
               : json::value())) {
    steps.push_back(ttl_step(r, r.physical_id));
  }
  for (auto& s :
       provide::retag_steps(r, {"dynamodb", "TagResource", "UntagResource", "ResourceArn"},
                            str(r.attributes, "Arn"))) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    r.call("dynamodb", "DescribeTable", json::object{{"TableName", r.physical_id}},
           [r, done](Output out) {
             if (!out) return done(out.take_error());
             const auto* d = out->if_contains("Table");
             done(table(r, r.physical_id,
                        d != nullptr && d->is_object() ? d->as_object() : json::object()));
           });
  });
}

void delete_table(const ResourceRequest& r, RemoveDone done) {
  r.call("dynamodb", "DeleteTable", json::object{{"TableName", r.physical_id}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

// ---- AWS::Logs::LogGroup

provide::Step retention_step(const ResourceRequest& r, const std::string& name) {
  auto days = integer(r.properties, "RetentionInDays");
  bool had = r.old_properties.contains("RetentionInDays");
  return [r, name, days, had](std::function<void(Status)> next) {
    if (days) {
      r.call("logs", "PutRetentionPolicy",
             json::object{{"logGroupName", name}, {"retentionInDays", *days}},
             [next](Output o) { next(status_of(o)); });
    } else if (had) {
      r.call("logs", "DeleteRetentionPolicy", json::object{{"logGroupName", name}},
             [next](Output o) { next(status_of(o)); });
    } else {
      next(Status::ok());
    }
  };
}

Provided log_group(const ResourceRequest& r, const std::string& name) {
  return {name, json::object{{"Arn", r.arn("logs", "log-group:" + name + ":*")}}};
}

// Resource import: the group LogGroupName names, if Logs has it.
void read_log_group(const ResourceRequest& r, ProvideDone done) {
  r.call("logs", "DescribeLogGroups", json::object{{"logGroupNamePrefix", r.physical_id}},
         [r, done](Output out) {
           if (!out) return done(out.take_error());
           if (const auto* groups = out->if_contains("logGroups");
               groups != nullptr && groups->is_array()) {
             for (const auto& g : groups->as_array()) {
               if (g.is_object() && str(g.as_object(), "logGroupName") == r.physical_id) {
                 return done(log_group(r, r.physical_id));
               }
             }
           }
           // The engine answers AWS's "was not found" for any failed read.
           done(Error::validation("The specified log group does not exist."));
         });
}

std::string log_group_name(const ResourceRequest& r) {
  return r.name_or_generated("LogGroupName", 512);
}

void create_log_group(const ResourceRequest& r, ProvideDone done) {
  std::string name = log_group_name(r);
  json::object in{{"logGroupName", name}};
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  if (!tags.empty()) in["tags"] = std::move(tags);
  r.call("logs", "CreateLogGroup", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    provide::in_order({retention_step(r, name)}, [r, name, done](Status st) {
      if (!st) return done(st.take_error());
      done(log_group(r, name));
    });
  });
}

void update_log_group(const ResourceRequest& r, ProvideDone done) {
  std::vector<provide::Step> steps{retention_step(r, r.physical_id)};
  for (auto& s : provide::retag_steps(r,
                                      {"logs", "TagResource", "UntagResource", "resourceArn",
                                       "tags", "tagKeys", provide::TagApi::kMap},
                                      r.arn("logs", "log-group:" + r.physical_id))) {
    steps.push_back(std::move(s));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(log_group(r, r.physical_id));
  });
}

void delete_log_group(const ResourceRequest& r, RemoveDone done) {
  r.call("logs", "DeleteLogGroup", json::object{{"logGroupName", r.physical_id}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

}  // namespace

const Importer kTableImport{"AWS::DynamoDB::Table", "TableName", read_table};
const Importer kLogGroupImport{"AWS::Logs::LogGroup", "LogGroupName", read_log_group};
const Provider kTable{"AWS::DynamoDB::Table",
                      create_table,
                      update_table,
                      delete_table,
                      {"TableName", "KeySchema", "LocalSecondaryIndexes"},
                      table_name};
const Provider kLogGroup{"AWS::Logs::LogGroup", create_log_group, update_log_group,
                         delete_log_group,      {"LogGroupName"}, log_group_name};

}  // namespace nimbus::services::cloudformation::providers
