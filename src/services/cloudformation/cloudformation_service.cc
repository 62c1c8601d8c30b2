#include "services/cloudformation/cloudformation_service.h"

#include <type_traits>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/cloudformation/errors.h"
#include "services/cloudformation/policy.h"
#include "services/cloudformation/template_url.h"

namespace nimbus::services::cloudformation {

namespace {

// The stack a call names, as the service authorization reference lists it
// (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/*).
Resources stack_resource(const CallContext& ctx, const json::object& in) {
  std::string name = str(in, "StackName");
  if (name.empty()) return {};
  if (name.starts_with("arn:")) return {name};
  return {"arn:aws:cloudformation:" + ctx.region + ":" + ctx.account_id + ":stack/" + name + "/*"};
}

}  // namespace

template <auto Next>
void CloudFormationService::with_template_url(const CallContext& ctx, json::object in,
                                              Respond respond) {
  auto run = [this](const CallContext& c, json::object input, Respond r) {
    if constexpr (std::is_invocable_v<decltype(Next), CloudFormationService&, const CallContext&,
                                      json::object, Respond>) {
      (this->*Next)(c, std::move(input), std::move(r));
    } else {
      r((this->*Next)(c, input));
    }
  };
  const auto* url = in.if_contains("TemplateURL");
  if (url == nullptr) return run(ctx, std::move(in), std::move(respond));
  if (in.contains("TemplateBody")) {
    return respond(Error::validation("You cannot specify both Template URL and Template Body."));
  }
  if (!url->is_string() || calls_ == nullptr) {
    return respond(Error::validation("TemplateURL must be an Amazon S3 URL."));
  }
  std::string where(url->as_string());
  read_template_url(*calls_, ctx, where,
                    [run, ctx, in = std::move(in), respond](Result<std::string> body) mutable {
                      if (!body) return respond(body.take_error());
                      in.erase("TemplateURL");
                      in["TemplateBody"] = std::move(*body);
                      run(ctx, std::move(in), std::move(respond));
                    });
}

template <auto Next>
void CloudFormationService::with_policy_url(const CallContext& ctx, json::object in,
                                            Respond respond) {
  auto run = [this](const CallContext& c, json::object input, Respond r) {
    if constexpr (std::is_invocable_v<decltype(Next), CloudFormationService&, const CallContext&,
                                      json::object, Respond>) {
      (this->*Next)(c, std::move(input), std::move(r));
    } else {
      r((this->*Next)(c, input));
    }
  };
  for (std::string_view member : {"StackPolicy", "StackPolicyDuringUpdate"}) {
    std::string url_key = std::string(member) + "URL";
    std::string body_key = std::string(member) + "Body";
    const auto* url = in.if_contains(url_key);
    if (url == nullptr) continue;
    if (in.contains(body_key)) {
      return respond(
          Error::validation("You cannot specify both " + url_key + " and " + body_key + "."));
    }
    if (!url->is_string() || calls_ == nullptr) {
      return respond(Error::validation(url_key + " must be an Amazon S3 URL."));
    }
    std::string where(url->as_string());
    // One URL at a time: this runs again for the next one.
    return read_template_url(*calls_, ctx, where,
                             [this, ctx, in = std::move(in), url_key, body_key,
                              respond](Result<std::string> body) mutable {
                               if (!body) return respond(body.take_error());
                               in.erase(url_key);
                               in[body_key] = std::move(*body);
                               with_policy_url<Next>(ctx, std::move(in), std::move(respond));
                             });
  }
  run(ctx, std::move(in), std::move(respond));
}

const Operation<CloudFormationService> CloudFormationService::kOperations[] = {
    {"CreateStack",
     &CloudFormationService::with_template_url<
         &CloudFormationService::with_policy_url<&CloudFormationService::create_stack>>,
     stack_resource},
    {"UpdateStack",
     &CloudFormationService::with_template_url<
         &CloudFormationService::with_policy_url<&CloudFormationService::update_stack>>,
     stack_resource},
    {"RollbackStack", &CloudFormationService::rollback_stack, stack_resource},
    {"ContinueUpdateRollback", &CloudFormationService::continue_update_rollback, stack_resource},
    {"SetStackPolicy",
     &CloudFormationService::with_policy_url<&CloudFormationService::set_stack_policy>,
     stack_resource},
    {"GetStackPolicy", &CloudFormationService::get_stack_policy, stack_resource},
    {"ListImports", &CloudFormationService::list_imports, no_resources},
    {"DeleteStack", &CloudFormationService::delete_stack, stack_resource},
    {"UpdateTerminationProtection", &CloudFormationService::update_termination_protection,
     stack_resource},
    {"DescribeStacks", &CloudFormationService::describe_stacks, stack_resource},
    {"ListStacks", &CloudFormationService::list_stacks, no_resources},
    {"DescribeStackEvents", &CloudFormationService::describe_stack_events, stack_resource},
    {"DescribeStackResources", &CloudFormationService::describe_stack_resources, stack_resource},
    {"DescribeStackResource", &CloudFormationService::describe_stack_resource, stack_resource},
    {"ListStackResources", &CloudFormationService::list_stack_resources, stack_resource},
    {"ListExports", &CloudFormationService::list_exports, no_resources},
    {"GetTemplate", &CloudFormationService::get_template, stack_resource},
    {"ValidateTemplate",
     &CloudFormationService::with_template_url<&CloudFormationService::validate_template>,
     no_resources},
    {"GetTemplateSummary",
     &CloudFormationService::with_template_url<&CloudFormationService::get_template_summary>,
     stack_resource},
    {"CreateChangeSet",
     &CloudFormationService::with_template_url<&CloudFormationService::create_change_set>,
     stack_resource},
    {"DescribeChangeSet", &CloudFormationService::describe_change_set, stack_resource},
    {"ExecuteChangeSet", &CloudFormationService::execute_change_set, stack_resource},
    {"DeleteChangeSet", &CloudFormationService::delete_change_set, stack_resource},
    {"ListChangeSets", &CloudFormationService::list_change_sets, stack_resource},
};

CloudFormationService::CloudFormationService(Environment& env, OperationCalls* calls)
    : Service("cloudformation"), env_(env), calls_(calls), engine_(env, calls), change_sets_(env) {
  serve(*this, kOperations);
}

void CloudFormationService::bind(events::Targets& targets) {
  bound_ = targets.bind("cloudformation", engine_.custom_responses());
}

Status CloudFormationService::start() {
  NIMBUS_TRY(change_sets_.start());
  return engine_.start();
}

Result<StackState> CloudFormationService::stack_named(const json::object& in) const {
  std::string name = str(in, "StackName");
  auto s = engine_.find(name);
  if (!s) return errors::stack_not_found(name);
  return *s;
}

Result<StackRequest> CloudFormationService::stack_request(const json::object& in,
                                                          const StackState* current) const {
  StackRequest req;
  req.name = str(in, "StackName");
  if (boolean(in, "UsePreviousTemplate").value_or(false)) {
    if (current == nullptr) {
      return Error::validation("UsePreviousTemplate is only allowed when updating a stack");
    }
    req.body = current->template_body;
  } else if (has(in, "TemplateBody")) {
    req.body = str(in, "TemplateBody");
  } else {
    return Error::validation("Either Template URL or Template Body must be specified.");
  }
  if (req.body.size() > 1'000'000) {
    return Error::validation(
        "1 validation error detected: Value at 'templateBody' failed to "
        "satisfy constraint: Member must have length less than or equal to "
        "51200");
  }
  if (const auto* params = in.if_contains("Parameters"); params && params->is_array()) {
    for (const auto& p : params->as_array()) {
      if (!p.is_object()) continue;
      const auto& o = p.as_object();
      std::string key = str(o, "ParameterKey");
      if (boolean(o, "UsePreviousValue").value_or(false)) {
        bool found = false;
        if (current != nullptr) {
          for (const auto& old : current->parameters) {
            if (old.key == key) {
              req.given[key] = old.value;
              found = true;
            }
          }
        }
        if (!found) {
          return Error::validation("Invalid input for parameter key " + key +
                                   ". Cannot specify usePreviousValue as true for a parameter key "
                                   "not in the previous template");
        }
      } else {
        req.given[key] = str(o, "ParameterValue");
      }
    }
  }
  req.capabilities = string_list(in, "Capabilities");
  req.notification_arns = string_list(in, "NotificationARNs");
  if (const auto* t = in.if_contains("Tags"); t && t->is_array()) req.tags = t->as_array();
  for (const auto& tag : req.tags) {
    if (tag.is_object() && reserved_tag_key(str(tag.as_object(), "Key"))) {
      return Error::validation("aws: prefixed tag key names are not allowed for external use.");
    }
  }
  std::string on_failure = str(in, "OnFailure");
  if (!on_failure.empty() && has(in, "DisableRollback")) {
    return Error::validation("You can specify either DisableRollback or OnFailure, but not both.");
  }
  req.disable_rollback =
      boolean(in, "DisableRollback").value_or(false) || on_failure == "DO_NOTHING";
  req.delete_on_failure = on_failure == "DELETE";
  if (has(in, "StackPolicyBody")) {
    auto policy = stack_policy(str(in, "StackPolicyBody"));
    if (!policy) return policy.take_error();
    req.policy = std::move(*policy);
  }
  if (has(in, "StackPolicyDuringUpdateBody")) {
    auto policy = stack_policy(str(in, "StackPolicyDuringUpdateBody"));
    if (!policy) return policy.take_error();
    req.policy_during_update = std::move(*policy);
  }
  req.termination_protection = boolean(in, "EnableTerminationProtection").value_or(false);
  return req;
}

}  // namespace nimbus::services::cloudformation
