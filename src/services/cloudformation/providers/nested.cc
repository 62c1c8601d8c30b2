// AWS::CloudFormation::Stack: a nested stack, its template read from
// nimbus's S3 (TemplateURL), created, updated and deleted through this
// service's own CreateStack / UpdateStack / DeleteStack, and waited for
// without a thread (ResourceRequest::when_settled). The physical id is the
// nested stack's id; Fn::GetAtt Outputs.NAME reads its outputs.
#include <memory>

#include "common/json_fields.h"
#include "http/body.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

constexpr size_t kMaxTemplate = 1024 * 1024;  // AWS's limit for a template in S3

// Bucket and key of a TemplateURL: s3://BUCKET/KEY, path style
// (https://s3[.REGION].amazonaws.com/BUCKET/KEY, http://HOST:PORT/BUCKET/KEY
// on nimbus) or virtual-hosted (https://BUCKET.s3[.REGION].amazonaws.com/KEY,
// http://BUCKET.s3.localhost:PORT/KEY).
std::optional<std::pair<std::string, std::string>> s3_location(std::string_view url) {
  std::string_view rest;
  bool s3_scheme = url.starts_with("s3://");
  if (s3_scheme) {
    rest = url.substr(5);
  } else if (url.starts_with("https://") || url.starts_with("http://")) {
    rest = url.substr(url.find("//") + 2);
  } else {
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  std::string bucket;
  if (!s3_scheme) {
    // Virtual-hosted: the bucket is what comes before ".s3." / ".s3-".
    for (std::string_view mark : {".s3.", ".s3-"}) {
      if (auto at = host.find(mark); at != std::string_view::npos && at > 0) {
        bucket = std::string(host.substr(0, at));
        break;
      }
    }
  } else {
    bucket = std::string(host);
  }
  if (bucket.empty()) {  // path style
    auto cut = path.find('/');
    if (cut == std::string_view::npos) return std::nullopt;
    bucket = std::string(path.substr(0, cut));
    path = path.substr(cut + 1);
  }
  if (bucket.empty() || path.empty()) return std::nullopt;
  return std::make_pair(bucket, std::string(path));
}

void read_template(const ResourceRequest& r, std::function<void(Result<std::string>)> done) {
  std::string url = str(r.properties, "TemplateURL");
  auto at = s3_location(url);
  if (!at) {
    return done(Error::validation("TemplateURL must be an Amazon S3 URL: " + url));
  }
  CallContext ctx = r.ctx;
  ctx.payload = std::make_shared<Payload>();
  auto payload = ctx.payload;
  r.calls->call(
      "s3", "GetObject", std::move(ctx), {{"Bucket", at->first}, {"Key", at->second}},
      [payload, url, done = std::move(done)](Output out) {
        if (!out) {
          return done(Error::validation("Template format error: unable to read " + url + ": " +
                                        out.error().message));
        }
        if (payload->response == nullptr) {
          const auto* b = out->if_contains("Body");
          return done(b != nullptr && b->is_string() ? std::string(b->as_string()) : std::string());
        }
        http::read_all(payload->response, kMaxTemplate, done);
      });
}

json::array parameters(const json::object& props) {
  json::array out;
  if (const auto* p = props.if_contains("Parameters"); p != nullptr && p->is_object()) {
    for (const auto& [k, v] : p->as_object()) {
      out.push_back(json::object{{"ParameterKey", k}, {"ParameterValue", provide::text(v)}});
    }
  }
  return out;
}

json::object stack_input(const ResourceRequest& r, std::string name, std::string body) {
  json::object in{{"StackName", std::move(name)},
                  {"TemplateBody", std::move(body)},
                  {"Parameters", parameters(r.properties)},
                  {"Capabilities", json::array{"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM",
                                               "CAPABILITY_AUTO_EXPAND"}}};
  provide::copy(r.properties, in, {"Tags", "NotificationARNs"});
  return in;
}

// Waits for `id` to settle and answers with its outputs when it reached
// `want` ("" : any status a stack is usable in), else with why not (AWS's
// words for an embedded stack).
void await(const ResourceRequest& r, std::string id, std::string want, std::string verb,
           ProvideDone done) {
  r.call("cloudformation", "DescribeStacks", {{"StackName", id}},
         [r, id, want, verb, done](Output out) {
           if (!out) return done(out.take_error());
           const auto& s = out->at("Stacks").as_array()[0].as_object();
           std::string status = str(s, "StackStatus");
           if (status.ends_with("_IN_PROGRESS")) {
             return r.when_settled(id,
                                   [r, id, want, verb, done] { await(r, id, want, verb, done); });
           }
           bool usable = status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" ||
                         status == "UPDATE_ROLLBACK_COMPLETE";
           if (want.empty() ? !usable : status != want) {
             return done(Error::validation("Embedded stack " + id + " was not successfully " +
                                           verb + ": " + str(s, "StackStatusReason")));
           }
           json::object atts;
           if (const auto* o = s.if_contains("Outputs"); o != nullptr && o->is_array()) {
             for (const auto& item : o->as_array()) {
               atts["Outputs." + str(item.as_object(), "OutputKey")] =
                   str(item.as_object(), "OutputValue");
             }
           }
           done(Provided{id, std::move(atts)});
         });
}

void create_nested(const ResourceRequest& r, ProvideDone done) {
  read_template(r, [r, done](Result<std::string> body) {
    if (!body) return done(body.take_error());
    r.call("cloudformation", "CreateStack",
           stack_input(r, r.name_or_generated("", 128), std::move(*body)), [r, done](Output out) {
             if (!out) return done(out.take_error());
             await(r, str(*out, "StackId"), "CREATE_COMPLETE", "created", done);
           });
  });
}

void update_nested(const ResourceRequest& r, ProvideDone done) {
  read_template(r, [r, done](Result<std::string> body) {
    if (!body) return done(body.take_error());
    r.call("cloudformation", "UpdateStack", stack_input(r, r.physical_id, std::move(*body)),
           [r, done](Output out) {
             // Nothing changed in the nested stack: it stays as it is.
             bool unchanged = !out && out.error().message == "No updates are to be performed.";
             if (!out && !unchanged) return done(out.take_error());
             await(r, r.physical_id, unchanged ? "" : "UPDATE_COMPLETE", "updated", done);
           });
  });
}

void delete_nested(const ResourceRequest& r, RemoveDone done) {
  r.call("cloudformation", "DeleteStack", {{"StackName", r.physical_id}}, [r, done](Output out) {
    if (!out) return done(out.take_error());
    await(r, r.physical_id, "DELETE_COMPLETE", "deleted",
          [done](Result<Provided> p) { done(p.status()); });
  });
}

}  // namespace

const Provider kNestedStack{
    "AWS::CloudFormation::Stack", create_nested, update_nested, delete_nested, {}};

}  // namespace nimbus::services::cloudformation::providers
