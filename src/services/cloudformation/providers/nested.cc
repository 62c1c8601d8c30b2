// AWS::CloudFormation::Stack: a nested stack, its template read from
// nimbus's S3 (TemplateURL), created, updated and deleted through this
// service's own CreateStack / UpdateStack / DeleteStack, and waited for
// without a thread (ResourceRequest::when_settled). The physical id is the
// nested stack's id; Fn::GetAtt Outputs.NAME reads its outputs.
#include <memory>

#include "common/json_fields.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"
#include "services/cloudformation/template_url.h"

namespace nimbus::services::cloudformation::providers {

namespace {

void read_template(const ResourceRequest& r, std::function<void(Result<std::string>)> done) {
  std::string url = str(r.properties, "TemplateURL");
  read_template_url(*r.calls, r.ctx, url, [url, done = std::move(done)](Result<std::string> t) {
    if (!t) {
      return done(Error::validation("Template format error: unable to read " + url + ": " +
                                    t.error().message));
    }
    done(std::move(t));
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
