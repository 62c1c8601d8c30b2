// AWS::Lambda::Version and AWS::Lambda::Alias, what SAM's AutoPublishAlias
// generates: a published version (physical id: the version's ARN) and an
// alias pointing at one (physical id: the alias ARN).
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

// ---- AWS::Lambda::Version (replaced on any change: a version is immutable)

void create_version(const ResourceRequest& r, ProvideDone done) {
  json::object in;
  provide::copy(r.properties, in, {"FunctionName", "Description", "CodeSha256"});
  r.call("lambda", "PublishVersion", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "FunctionArn");
    done(Provided{arn, json::object{{"Version", str(*out, "Version")},
                                    {"FunctionArn", arn},
                                    {"FunctionName", str(*out, "FunctionName")}}});
  });
}

void delete_version(const ResourceRequest& r, RemoveDone done) {
  r.call("lambda", "DeleteFunction",
         json::object{{"FunctionName", str(r.attributes, "FunctionName")},
                      {"Qualifier", str(r.attributes, "Version")}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

// ---- AWS::Lambda::Alias (moved to another version in place)

Provided alias(const json::object& out, std::string function_name) {
  std::string arn = str(out, "AliasArn");
  return {arn, json::object{{"AliasArn", arn},
                            {"Name", str(out, "Name")},
                            {"FunctionName", std::move(function_name)}}};
}

// CreateAlias and UpdateAlias take the same input.
void put_alias(const ResourceRequest& r, std::string_view operation, ProvideDone done) {
  json::object in;
  provide::copy(r.properties, in,
                {"FunctionName", "FunctionVersion", "Name", "Description", "RoutingConfig"});
  std::string function_name = str(r.properties, "FunctionName");
  r.call("lambda", operation, std::move(in), [done, function_name](Output out) {
    if (!out) return done(out.take_error());
    done(alias(*out, function_name));
  });
}

void create_alias(const ResourceRequest& r, ProvideDone done) {
  put_alias(r, "CreateAlias", std::move(done));
}
void update_alias(const ResourceRequest& r, ProvideDone done) {
  put_alias(r, "UpdateAlias", std::move(done));
}

void delete_alias(const ResourceRequest& r, RemoveDone done) {
  std::string function_name = str(r.attributes, "FunctionName");
  if (function_name.empty()) function_name = str(r.properties, "FunctionName");
  std::string name = str(r.attributes, "Name");
  if (name.empty()) name = str(r.properties, "Name");
  r.call("lambda", "DeleteAlias", json::object{{"FunctionName", function_name}, {"Name", name}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

}  // namespace

const Provider kVersion{"AWS::Lambda::Version",
                        create_version,
                        nullptr,
                        delete_version,
                        {"FunctionName", "Description", "CodeSha256"}};
const Provider kAlias{
    "AWS::Lambda::Alias", create_alias, update_alias, delete_alias, {"FunctionName", "Name"}};

}  // namespace nimbus::services::cloudformation::providers
