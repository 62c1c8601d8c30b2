// AWS::Lambda::Url (physical id: the target function's ARN, as AWS's) and
// AWS::Lambda::EventInvokeConfig (physical id: the function and qualifier),
// what SAM's FunctionUrlConfig and EventInvokeConfig generate.
#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

using provide::status_of;

// ---- AWS::Lambda::Url

json::object url_target(const json::object& props) {
  json::object in{{"FunctionName", str(props, "TargetFunctionArn")}};
  if (const auto* q = props.if_contains("Qualifier")) in["Qualifier"] = *q;
  return in;
}

void put_url(const ResourceRequest& r, std::string_view operation, ProvideDone done) {
  json::object in = url_target(r.properties);
  provide::copy(r.properties, in, {"AuthType", "Cors", "InvokeMode"});
  r.call("lambda", operation, std::move(in), [done](Output out) {
    if (!out) return done(out.take_error());
    std::string arn = str(*out, "FunctionArn");
    done(Provided{arn,
                  json::object{{"FunctionArn", arn}, {"FunctionUrl", str(*out, "FunctionUrl")}}});
  });
}

void create_url(const ResourceRequest& r, ProvideDone done) {
  put_url(r, "CreateFunctionUrlConfig", std::move(done));
}
void update_url(const ResourceRequest& r, ProvideDone done) {
  put_url(r, "UpdateFunctionUrlConfig", std::move(done));
}

void delete_url(const ResourceRequest& r, RemoveDone done) {
  r.call("lambda", "DeleteFunctionUrlConfig", url_target(r.properties),
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

// ---- AWS::Lambda::EventInvokeConfig

json::object invoke_target(const json::object& props) {
  return json::object{{"FunctionName", str(props, "FunctionName")},
                      {"Qualifier", str(props, "Qualifier")}};
}

void put_invoke_config(const ResourceRequest& r, ProvideDone done) {
  json::object in = invoke_target(r.properties);
  provide::copy(r.properties, in,
                {"MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig"});
  std::string id = str(r.properties, "FunctionName") + "|" + str(r.properties, "Qualifier");
  r.call("lambda", "PutFunctionEventInvokeConfig", std::move(in), [done, id](Output out) {
    if (!out) return done(out.take_error());
    done(Provided{id, {}});
  });
}

void delete_invoke_config(const ResourceRequest& r, RemoveDone done) {
  r.call("lambda", "DeleteFunctionEventInvokeConfig", invoke_target(r.properties),
         [done = provide::ignoring({"ResourceNotFoundException"}, done)](Output out) {
           done(status_of(out));
         });
}

}  // namespace

const Provider kUrl{
    "AWS::Lambda::Url", create_url, update_url, delete_url, {"TargetFunctionArn", "Qualifier"}};
const Provider kEventInvokeConfig{"AWS::Lambda::EventInvokeConfig",
                                  put_invoke_config,
                                  put_invoke_config,
                                  delete_invoke_config,
                                  {"FunctionName", "Qualifier"}};

}  // namespace nimbus::services::cloudformation::providers
