// AWS::Lambda::Version and AWS::Lambda::Alias, what SAM's AutoPublishAlias
// generates: a published version (physical id: the version's ARN) and an
// alias pointing at one (physical id: the alias ARN). AWS::Lambda::LayerVersion
// (physical id: the layer version's ARN) and AWS::Lambda::LayerVersionPermission
// (physical id: LAYER_VERSION_ARN#STATEMENT_ID).
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

// ---- AWS::Lambda::LayerVersion (replaced on any change: a layer version is immutable)

// "arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N" -> (NAME, N); ("", 0) when not one.
std::pair<std::string, int64_t> layer_version_of(std::string_view arn) {
  auto at = arn.find(":layer:");
  auto colon = arn.rfind(':');
  if (at == std::string_view::npos || colon <= at + 6) return {"", 0};
  int64_t n = 0;
  for (char c : arn.substr(colon + 1)) {
    if (c < '0' || c > '9') return {"", 0};
    n = n * 10 + (c - '0');
  }
  return {std::string(arn.substr(at + 7, colon - at - 7)), n};
}

void create_layer_version(const ResourceRequest& r, ProvideDone done) {
  json::object in;
  provide::copy(r.properties, in,
                {"CompatibleRuntimes", "CompatibleArchitectures", "Description", "LicenseInfo"});
  in["LayerName"] = r.name_or_generated("LayerName", 140);
  json::object content;
  if (const auto* c = r.properties.if_contains("Content"); c != nullptr && c->is_object()) {
    provide::copy(c->as_object(), content, {"S3Bucket", "S3Key", "S3ObjectVersion"});
  }
  in["Content"] = std::move(content);
  r.call("lambda", "PublishLayerVersion", std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "LayerVersionArn");
    done(Provided{arn, json::object{{"LayerVersionArn", arn}}});
  });
}

void delete_layer_version(const ResourceRequest& r, RemoveDone done) {
  auto [name, n] = layer_version_of(r.physical_id);
  if (name.empty()) return done(Status::ok());
  r.call("lambda", "DeleteLayerVersion", json::object{{"LayerName", name}, {"VersionNumber", n}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

// ---- AWS::Lambda::LayerVersionPermission (replaced on any change)

void create_layer_permission(const ResourceRequest& r, ProvideDone done) {
  std::string arn = str(r.properties, "LayerVersionArn");
  auto [name, n] = layer_version_of(arn);
  if (name.empty()) {
    return done(Error::make("ValidationError", "LayerVersionArn must be a layer version ARN"));
  }
  std::string sid = r.name_or_generated("", 100);
  json::object in{{"LayerName", name}, {"VersionNumber", n}, {"StatementId", sid}};
  provide::copy(r.properties, in, {"Action", "Principal", "OrganizationId"});
  r.call("lambda", "AddLayerVersionPermission", std::move(in), [done, arn, sid](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{arn + "#" + sid, json::object{}});
  });
}

void delete_layer_permission(const ResourceRequest& r, RemoveDone done) {
  auto hash = r.physical_id.find('#');
  auto [name, n] = layer_version_of(std::string_view(r.physical_id).substr(0, hash));
  if (name.empty() || hash == std::string::npos) return done(Status::ok());
  r.call("lambda", "RemoveLayerVersionPermission",
         json::object{{"LayerName", name},
                      {"VersionNumber", n},
                      {"StatementId", r.physical_id.substr(hash + 1)}},
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(out ? Status::ok() : Status(out.take_error()));
         });
}

}  // namespace

const Provider kLayerVersion{"AWS::Lambda::LayerVersion",
                             create_layer_version,
                             nullptr,
                             delete_layer_version,
                             {"CompatibleRuntimes", "CompatibleArchitectures", "Content",
                              "Description", "LayerName", "LicenseInfo"}};
const Provider kLayerPermission{"AWS::Lambda::LayerVersionPermission",
                                create_layer_permission,
                                nullptr,
                                delete_layer_permission,
                                {"Action", "LayerVersionArn", "OrganizationId", "Principal"}};

const Provider kVersion{"AWS::Lambda::Version",
                        create_version,
                        nullptr,
                        delete_version,
                        {"FunctionName", "Description", "CodeSha256"}};
const Provider kAlias{
    "AWS::Lambda::Alias", create_alias, update_alias, delete_alias, {"FunctionName", "Name"}};

}  // namespace nimbus::services::cloudformation::providers
