// AWS::Lambda::Function, AWS::Lambda::Permission,
// AWS::Lambda::EventSourceMapping.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"
#include "services/cloudformation/providers/zip.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::status_of;

const std::vector<std::string_view> kConfiguration = {
    "Runtime",       "Role",         "Handler",           "Description", "Timeout",
    "MemorySize",    "VpcConfig",    "DeadLetterConfig",  "Environment", "KmsKeyArn",
    "TracingConfig", "Layers",       "FileSystemConfigs", "ImageConfig", "EphemeralStorage",
    "SnapStart",     "LoggingConfig"};

json::object configuration(const json::object& props) {
  json::object c;
  for (auto name : kConfiguration) {
    if (const auto* v = props.if_contains(name)) c[name == "KmsKeyArn" ? "KMSKeyArn" : name] = *v;
  }
  return c;
}

// The Code property as CreateFunction's Code (inline code zipped).
Result<json::object> code(const json::object& props) {
  const auto* c = props.if_contains("Code");
  if (c == nullptr || !c->is_object()) {
    return Error::validation(
        "Properties validation failed for resource: required key [Code] not found");
  }
  const auto& given = c->as_object();
  if (const auto* inline_code = given.if_contains("ZipFile");
      inline_code && inline_code->is_string()) {
    auto zip = zip_one_file(inline_code_file(str(props, "Runtime")), inline_code->as_string());
    if (!zip) return zip.take_error();
    return json::object{{"ZipFile", json::string(*zip)}};
  }
  json::object out;
  provide::copy(given, out, {"S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri"});
  return out;
}

provide::Step concurrency_step(const ResourceRequest& r, const std::string& name) {
  auto reserved = integer(r.properties, "ReservedConcurrentExecutions");
  bool had = r.old_properties.contains("ReservedConcurrentExecutions");
  return [r, name, reserved, had](std::function<void(Status)> next) {
    if (reserved) {
      r.call("lambda", "PutFunctionConcurrency",
             json::object{{"FunctionName", name}, {"ReservedConcurrentExecutions", *reserved}},
             [next](Output o) { next(status_of(o)); });
    } else if (had) {
      r.call("lambda", "DeleteFunctionConcurrency", json::object{{"FunctionName", name}},
             [next](Output o) { next(status_of(o)); });
    } else {
      next(Status::ok());
    }
  };
}

Provided function(const std::string& name, const json::object& out) {
  return {name, json::object{{"Arn", str(out, "FunctionArn")}}};
}

// Resource import: the function FunctionName names, if Lambda has it.
void read_function(const ResourceRequest& r, ProvideDone done) {
  r.call("lambda", "GetFunction", json::object{{"FunctionName", r.physical_id}},
         [done](Output out) {
           if (!out) return done(out.take_error());
           const auto* c = out->if_contains("Configuration");
           json::object conf = c != nullptr && c->is_object() ? c->as_object() : json::object();
           done(function(str(conf, "FunctionName"), conf));
         });
}

std::string function_name(const ResourceRequest& r) {
  return r.name_or_generated("FunctionName", 64);
}

void create_function(const ResourceRequest& r, ProvideDone done) {
  std::string name = function_name(r);
  auto zipped = code(r.properties);
  if (!zipped) return done(zipped.take_error());
  json::object in = configuration(r.properties);
  in["FunctionName"] = name;
  in["Code"] = std::move(*zipped);
  provide::copy(r.properties, in, {"PackageType", "Architectures", "CodeSigningConfigArn"});
  auto tags = provide::tag_map(r.properties.if_contains("Tags"));
  if (!tags.empty()) in["Tags"] = std::move(tags);
  r.call("lambda", "CreateFunction", std::move(in), [r, name, done](Output out) {
    if (!out) return done(out.take_error());
    json::object created = std::move(*out);
    provide::in_order({concurrency_step(r, name)}, [name, created, done](Status st) {
      if (!st) return done(st.take_error());
      done(function(name, created));
    });
  });
}

void update_function(const ResourceRequest& r, ProvideDone done) {
  std::vector<provide::Step> steps;
  const auto* now = r.properties.if_contains("Code");
  const auto* was = r.old_properties.if_contains("Code");
  bool code_changed = now == nullptr || was == nullptr || *now != *was ||
                      str(r.properties, "Runtime") != str(r.old_properties, "Runtime");
  if (code_changed) {
    auto zipped = code(r.properties);
    if (!zipped) return done(zipped.take_error());
    json::object in = std::move(*zipped);
    in["FunctionName"] = r.physical_id;
    steps.push_back([r, in](std::function<void(Status)> next) {
      r.call("lambda", "UpdateFunctionCode", in, [next](Output o) { next(status_of(o)); });
    });
  }
  json::object config = configuration(r.properties);
  if (config != configuration(r.old_properties)) {
    // Settings the template dropped go back to Lambda's defaults.
    if (!config.contains("Environment"))
      config["Environment"] = json::object{{"Variables", json::object()}};
    if (!config.contains("Description")) config["Description"] = "";
    if (!config.contains("Timeout")) config["Timeout"] = 3;
    if (!config.contains("MemorySize")) config["MemorySize"] = 128;
    config["FunctionName"] = r.physical_id;
    steps.push_back([r, config](std::function<void(Status)> next) {
      r.call("lambda", "UpdateFunctionConfiguration", config,
             [next](Output o) { next(status_of(o)); });
    });
  }
  steps.push_back(concurrency_step(r, r.physical_id));
  // Tags (the stack's among them) change in place.
  for (auto& step : provide::retag_steps(r,
                                         {"lambda", "TagResource", "UntagResource", "Resource",
                                          "Tags", "TagKeys", provide::TagApi::kMap},
                                         str(r.attributes, "Arn"))) {
    steps.push_back(std::move(step));
  }
  provide::in_order(std::move(steps), [r, done](Status st) {
    if (!st) return done(st.take_error());
    done(Provided{r.physical_id, r.attributes});
  });
}

void delete_function(const ResourceRequest& r, RemoveDone done) {
  r.call("lambda", "DeleteFunction", json::object{{"FunctionName", r.physical_id}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

// ---- AWS::Lambda::Permission (physical id: the statement id)

std::string statement_id(const ResourceRequest& r) {
  return r.name_or_generated("", 100);
}

void create_permission(const ResourceRequest& r, ProvideDone done) {
  std::string statement = statement_id(r);
  json::object in{{"StatementId", statement}};
  provide::copy(r.properties, in,
                {"FunctionName", "Action", "Principal", "SourceArn", "SourceAccount",
                 "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"});
  std::string function_name = str(r.properties, "FunctionName");
  r.call("lambda", "AddPermission", std::move(in), [statement, function_name, done](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{statement, json::object{{"FunctionName", function_name}}});
  });
}

void delete_permission(const ResourceRequest& r, RemoveDone done) {
  std::string function_name = str(r.attributes, "FunctionName");
  if (function_name.empty()) function_name = str(r.properties, "FunctionName");
  r.call("lambda", "RemovePermission",
         json::object{{"FunctionName", function_name}, {"StatementId", r.physical_id}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

// ---- AWS::Lambda::EventSourceMapping (physical id: the UUID)

const std::vector<std::string_view> kMappingSettings = {"FunctionName",
                                                        "BatchSize",
                                                        "Enabled",
                                                        "MaximumBatchingWindowInSeconds",
                                                        "FilterCriteria",
                                                        "FunctionResponseTypes",
                                                        "MaximumRetryAttempts",
                                                        "BisectBatchOnFunctionError",
                                                        "MaximumRecordAgeInSeconds",
                                                        "ParallelizationFactor",
                                                        "DestinationConfig",
                                                        "TumblingWindowInSeconds",
                                                        "ScalingConfig"};

Provided mapping(const json::object& out) {
  std::string id = str(out, "UUID");
  return {id,
          json::object{{"Id", id}, {"EventSourceMappingArn", str(out, "EventSourceMappingArn")}}};
}

void create_mapping(const ResourceRequest& r, ProvideDone done) {
  json::object in;
  provide::copy(r.properties, in, kMappingSettings);
  provide::copy(
      r.properties, in,
      {"EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "Queues", "Topics"});
  r.call("lambda", "CreateEventSourceMapping", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    done(mapping(*out));
  });
}

void update_mapping(const ResourceRequest& r, ProvideDone done) {
  json::object in{{"UUID", r.physical_id}};
  provide::copy(r.properties, in, kMappingSettings);
  r.call("lambda", "UpdateEventSourceMapping", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    done(mapping(*out));
  });
}

void delete_mapping(const ResourceRequest& r, RemoveDone done) {
  r.call("lambda", "DeleteEventSourceMapping", json::object{{"UUID", r.physical_id}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

}  // namespace

const Importer kFunctionImport{"AWS::Lambda::Function", "FunctionName", read_function};
const Provider kFunction{
    "AWS::Lambda::Function",         create_function, update_function, delete_function,
    {"FunctionName", "PackageType"}, function_name};
const Provider kPermission{
    "AWS::Lambda::Permission", create_permission, nullptr, delete_permission, {}, statement_id};
const Provider kEventSourceMapping{"AWS::Lambda::EventSourceMapping",
                                   create_mapping,
                                   update_mapping,
                                   delete_mapping,
                                   {"EventSourceArn", "StartingPosition", "Queues", "Topics"}};

}  // namespace nimbus::services::cloudformation::providers
