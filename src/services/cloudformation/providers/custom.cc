// Custom resources (AWS::CloudFormation::CustomResource and Custom::*): each
// create, update and delete sends the resource's handler AWS's request
// object — a Lambda function invoked asynchronously, or an SNS topic — and
// waits for the answer it PUTs to the request's ResponseURL
// (custom_responses.h). The answer's PhysicalResourceId is the physical id,
// its Data the Fn::GetAtt attributes; FAILED fails the resource with the
// handler's Reason.
#include <atomic>
#include <memory>

#include "common/json_fields.h"
#include "common/request_id.h"
#include "services/cloudformation/custom_responses.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

// CloudFormation hands a custom resource its properties with every scalar
// as a string ("5", "true"), whatever the template wrote.
json::value stringified(const json::value& v) {
  if (v.is_object()) {
    json::object out;
    for (const auto& [k, x] : v.as_object()) out[k] = stringified(x);
    return out;
  }
  if (v.is_array()) {
    json::array out;
    for (const auto& x : v.as_array()) out.push_back(stringified(x));
    return out;
  }
  if (v.is_null()) return v;
  return json::value(json::string(provide::text(v)));
}

Result<std::chrono::milliseconds> timeout_of(const json::object& props) {
  const auto* t = props.if_contains("ServiceTimeout");
  if (t == nullptr) return std::chrono::milliseconds(std::chrono::hours(1));
  std::string text = provide::text(*t);
  int64_t seconds = 0;
  bool digits = !text.empty() && text.size() <= 5 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) seconds = std::stoll(text);
  if (!digits || seconds < 1 || seconds > 3600) {
    return Error::validation("ServiceTimeout must be a number of seconds between 1 and 3600");
  }
  return std::chrono::milliseconds(seconds * 1000);
}

// Sends `type` (Create, Update, Delete) and answers with the handler's.
void send(const ResourceRequest& r, std::string type,
          std::function<void(Result<CustomAnswer>)> done) {
  std::string token = str(r.properties, "ServiceToken");
  if (token.empty()) {
    return done(Error::validation("Property ServiceToken cannot be empty"));
  }
  bool lambda = token.starts_with("arn:aws:lambda:");
  bool sns = token.starts_with("arn:aws:sns:");
  if (!lambda && !sns) {
    return done(Error::validation("Invalid service token: " + token +
                                  " (a Lambda function or SNS topic ARN)"));
  }
  if (r.responses == nullptr) return done(Error::validation("Custom resources are not served"));
  auto timeout = timeout_of(r.properties);
  if (!timeout) return done(timeout.take_error());

  std::string request_id = new_request_id();
  CustomResponses* responses = r.responses;
  // A failure after the request reached the handler says so in its code
  // (kCustomRequestSent): a failed create still gets its Delete on rollback.
  auto delivered = std::make_shared<std::atomic<bool>>(true);
  auto answered = [done = std::move(done), delivered](Result<CustomAnswer> a) {
    if (!a && delivered->load()) {
      return done(Error::make(std::string(kCustomRequestSent), a.error().message));
    }
    done(std::move(a));
  };
  std::string path =
      responses->expect({r.stack_id, request_id, r.logical_id, *timeout, std::move(answered)});
  json::object event{{"RequestType", type},
                     {"ServiceToken", token},
                     {"ResponseURL", r.ctx.endpoint_url + path},
                     {"StackId", r.stack_id},
                     {"RequestId", request_id},
                     {"LogicalResourceId", r.logical_id},
                     {"ResourceType", r.resource_type},
                     {"ResourceProperties", stringified(r.properties)}};
  if (type != "Create") event["PhysicalResourceId"] = r.physical_id;
  if (type == "Update") event["OldResourceProperties"] = stringified(r.old_properties);
  std::string payload = json::serialize(event);

  auto sent = [responses, path, delivered](Output out) {
    // The request never reached the handler: no answer will come.
    if (!out) {
      delivered->store(false);
      responses->forget(path, out.take_error());
    }
  };
  if (lambda) {
    r.call("lambda", "Invoke",
           {{"FunctionName", token}, {"InvocationType", "Event"}, {"Payload", payload}}, sent);
  } else {
    r.call("sns", "Publish", {{"TopicArn", token}, {"Message", payload}}, sent);
  }
}

void create_custom(const ResourceRequest& r, ProvideDone done) {
  send(r, "Create", [done](Result<CustomAnswer> a) {
    if (!a) return done(a.take_error());
    if (a->physical_id.empty()) return done(Error::validation("Invalid PhysicalResourceId"));
    done(Provided{a->physical_id, std::move(a->data), a->no_echo});
  });
}

void update_custom(const ResourceRequest& r, ProvideDone done) {
  if (str(r.properties, "ServiceToken") != str(r.old_properties, "ServiceToken")) {
    return done(Error::validation("Modifying service token is not allowed."));
  }
  // A new PhysicalResourceId is a replacement: the cleanup sends the old
  // one its Delete (as AWS does).
  send(r, "Update", [done, old = r.physical_id](Result<CustomAnswer> a) {
    if (!a) return done(a.take_error());
    done(Provided{a->physical_id.empty() ? old : a->physical_id, std::move(a->data), a->no_echo});
  });
}

void delete_custom(const ResourceRequest& r, RemoveDone done) {
  send(r, "Delete", [done](Result<CustomAnswer> a) { done(a.status()); });
}

}  // namespace

const Provider kCustomResource{
    "AWS::CloudFormation::CustomResource", create_custom, update_custom, delete_custom, {}};

}  // namespace nimbus::services::cloudformation::providers
