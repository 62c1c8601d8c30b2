#include "services/in_process.h"

#include "protocol/access_denied.h"
#include "protocol/engine.h"
#include "protocol/input.h"
#include "protocol/model.h"
#include "services/iam_action.h"

namespace nimbus::services {

namespace {

Error not_served(std::string_view model, std::string_view operation) {
  return Error::make("InvalidAction",
                     "nimbus does not serve " + std::string(model) + " " + std::string(operation),
                     400);
}

// Whether the request asks for the XML form of an awsQuery answer.
bool wants_xml(const http::Request& request) {
  auto accept = http::to_lower(request.header("accept"));
  return accept.find("xml") != std::string::npos;
}

}  // namespace

InProcessCalls::InProcessCalls(const std::vector<std::unique_ptr<Service>>& services)
    : services_(services) {}

InProcessCalls::~InProcessCalls() = default;

const protocol::ModelRegistry& InProcessCalls::models() {
  std::call_once(models_once_, [this] {
    std::vector<std::string> names;
    for (const auto& s : services_) names.push_back(s->model_name());
    models_ = std::make_unique<protocol::ModelRegistry>(names);
  });
  return *models_;
}

Service* InProcessCalls::find(std::string_view model) const {
  for (const auto& s : services_) {
    if (s->model_name() == model) return s.get();
  }
  return nullptr;
}

iam::AccessDecision InProcessCalls::decide_as(const CallerRole& as, std::string_view model,
                                              std::string_view operation, const CallContext& ctx,
                                              const boost::json::object& input) const {
  if (iam_ == nullptr || !iam_->enforcing()) return {};
  iam::RoleAccessRequest request;
  request.role_arn = as.role_arn;
  request.service_principal = as.service_principal;
  request.session_name = as.session_name.empty()
                             ? as.service_principal.substr(0, as.service_principal.find('.'))
                             : as.session_name;
  request.action = iam_action(model, operation);
  CallContext named = ctx;
  named.service = std::string(model);
  named.operation = std::string(operation);
  if (Service* service = find(model)) {
    request.resources = service->resources(operation, named, input).value_or(Resources{});
    if (request_keys_) request_keys_(*service, operation, named, input, request);
  }
  return iam_->authorize_as_role(request);
}

Status InProcessCalls::authorize_as(const std::string& role_arn,
                                    const std::string& service_principal, std::string_view model,
                                    std::string_view operation, const CallContext& ctx,
                                    const boost::json::object& input) const {
  auto decision = decide_as({role_arn, service_principal, ""}, model, operation, ctx, input);
  if (decision.allowed) return Status::ok();
  return Error::make("AccessDenied", decision.message, 403);
}

void InProcessCalls::call(std::string_view model, std::string_view operation, CallContext ctx,
                          boost::json::object input, Respond respond) {
  Service* service = find(model);
  const Handler* handler = service != nullptr ? service->find(operation) : nullptr;
  if (handler == nullptr) {
    respond(not_served(model, operation));
    return;
  }
  const auto* service_model = models().by_name(model);
  const auto* op = service_model != nullptr ? service_model->operation(operation) : nullptr;
  if (op != nullptr) {
    if (auto st = protocol::input::validate(*service_model, *op, input, service_model->protocol());
        !st) {
      respond(st.take_error());
      return;
    }
  }
  ctx.service = std::string(model);
  ctx.operation = std::string(operation);
  (*handler)(ctx, std::move(input), std::move(respond));
}

void InProcessCalls::call_wire(std::string_view service, std::string_view action,
                               http::Request request, CallContext ctx, const CallerRole& as,
                               std::function<void(Result<http::Response>)> respond) {
  const protocol::ServiceModel* model = nullptr;
  for (const auto& s : services_) {
    const auto* m = models().by_name(s->model_name());
    if (m != nullptr && (m->endpoint_prefix() == service || m->signing_name() == service)) {
      model = m;
      break;
    }
  }
  if (model == nullptr) return respond(not_served(service, action));
  if (!action.empty()) {
    switch (model->protocol()) {
      case protocol::Protocol::kQuery:
      case protocol::Protocol::kEc2: {
        std::string target = request.target.empty() ? "/" : request.target;
        target += target.find('?') == std::string::npos ? '?' : '&';
        target += "Action=" + std::string(action) + "&Version=" + std::string(model->api_version());
        request.target = std::move(target);
        break;
      }
      case protocol::Protocol::kJson10:
      case protocol::Protocol::kJson11: {
        std::erase_if(request.headers, [](const auto& h) { return h.first == "x-amz-target"; });
        request.headers.emplace_back(
            "x-amz-target", std::string(model->target_prefix()) + "." + std::string(action));
        if (request.header("content-type").find("amz-json") == std::string_view::npos) {
          std::erase_if(request.headers, [](const auto& h) { return h.first == "content-type"; });
          request.headers.emplace_back(
              "content-type", "application/x-amz-json-" + std::string(model->json_version()));
        }
        break;
      }
      default:
        return respond(not_served(service, action));
    }
  }
  auto parsed = protocol::parse_request(request, models(), model->signing_name());
  if (!parsed.call) {
    const auto& f = *parsed.failure;
    return respond(
        protocol::serialize_error(f.protocol, f.service, f.query_mode, f.error, ctx.request_id));
  }
  auto call = std::make_shared<protocol::Call>(std::move(*parsed.call));
  Service* target = find(call->service_name);
  const Handler* handler = target != nullptr ? target->find(call->operation_name) : nullptr;
  if (handler == nullptr) {
    return respond(protocol::serialize_error(call->protocol, call->service, call->query_mode,
                                             not_served(call->service_name, call->operation_name),
                                             ctx.request_id));
  }
  ctx.service = call->service_name;
  ctx.operation = call->operation_name;
  ctx.path = std::string(request.path());
  bool json_form = call->protocol == protocol::Protocol::kQuery && !wants_xml(request);
  // The JSON form of a query service's error is its awsJson error with the
  // legacy code (x-amzn-query-error).
  auto error_protocol = json_form ? protocol::Protocol::kJson10 : call->protocol;
  bool error_query_mode = json_form || call->query_mode;
  if (!as.role_arn.empty()) {
    auto decision = decide_as(as, call->service_name, call->operation_name, ctx, call->input);
    if (!decision.assumed) return respond(Error::make("AccessDenied", decision.message, 403));
    if (!decision.allowed) {
      return respond(protocol::serialize_error(error_protocol, call->service, error_query_mode,
                                               protocol::access_denied(*call, decision.message),
                                               ctx.request_id));
    }
  }
  std::string request_id = ctx.request_id;
  boost::json::object input = std::move(call->input);
  (*handler)(ctx, std::move(input),
             [call, json_form, error_protocol, error_query_mode, request_id,
              respond = std::move(respond)](Output out) {
               if (!out) {
                 return respond(protocol::serialize_error(
                     error_protocol, call->service, error_query_mode, out.error(), request_id));
               }
               respond(json_form ? protocol::serialize_query_json(*call, *out, request_id)
                                 : protocol::serialize_output(*call, *out, request_id));
             });
}

}  // namespace nimbus::services
