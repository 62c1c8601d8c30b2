#include "server/router.h"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>

#include "common/request_id.h"
#include "http/event_payload.h"
#include "protocol/event_stream.h"

namespace nimbus::server {

namespace {

// "10.1.2.3:5000" / "[::1]:5000" -> the address alone (aws:SourceIp).
std::string ip_of(std::string_view remote) {
  if (remote.starts_with("[")) {
    size_t close = remote.find(']');
    return std::string(
        remote.substr(1, close == std::string_view::npos ? remote.size() : close - 1));
  }
  size_t colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

}  // namespace

Router::Router(const ServeOptions& options, const Clock& clock,
               const protocol::ModelRegistry& models, const services::Registry& services,
               const auth::CredentialProvider& credentials, Metrics& metrics, const Access* access)
    : options_(options),
      clock_(clock),
      models_(models),
      services_(services),
      credentials_(credentials),
      metrics_(metrics),
      access_(access),
      auth_failures_(metrics.counter("nimbus_auth_failures_total", {},
                                     "AWS API requests rejected by SigV4 verification")) {}

http::Response Router::error_response(const http::Request& request, std::string_view scope_service,
                                      const Error& error, std::string_view request_id) const {
  // The request failed before it became a Call; ask the engine which
  // protocol it speaks so the client can read the error.
  auto parsed = protocol::parse_request(request, models_, scope_service);
  protocol::Protocol wire = parsed.call ? parsed.call->protocol : parsed.failure->protocol;
  const protocol::ServiceModel* service =
      parsed.call ? parsed.call->service : parsed.failure->service;
  bool query_mode = parsed.call ? parsed.call->query_mode : parsed.failure->query_mode;
  // The JSON protocols name SigV4 failures differently from query and S3
  // (InvalidSignatureException, UnrecognizedClientException).
  Error named = error;
  if (wire == protocol::Protocol::kJson10 || wire == protocol::Protocol::kJson11 ||
      wire == protocol::Protocol::kJson11Cbor || wire == protocol::Protocol::kRpcV2Cbor ||
      wire == protocol::Protocol::kRestJson) {
    named.code = std::string(auth::json_error_code(error.code));
  }
  return protocol::serialize_error(wire, service, query_mode, named, request_id);
}

Router::OperationMetrics& Router::metrics_for(const protocol::Call& call) const {
  {
    std::shared_lock lock(ops_mu_);
    if (auto it = ops_.find(call.operation); it != ops_.end()) return it->second;
  }
  Labels labels{{"service", call.service_name}, {"operation", call.operation_name}};
  OperationMetrics m{&metrics_.histogram("nimbus_request_duration_seconds", labels,
                                         "AWS API request latency, parse to reply"),
                     &metrics_.counter("nimbus_request_errors_total", labels,
                                       "AWS API requests answered with an error")};
  std::unique_lock lock(ops_mu_);
  return ops_.try_emplace(call.operation, m).first->second;
}

void Router::read_whole_body(http::Request request, Reply reply,
                             std::function<void(http::Request, Reply)> then) const {
  auto body = std::move(request.stream);
  http::read_all(std::move(body), options_.max_body_bytes,
                 [this, request = std::move(request), reply = std::move(reply),
                  then = std::move(then)](Result<std::string> whole) mutable {
                   if (whole) {
                     request.body = std::move(whole).value();
                     return then(std::move(request), std::move(reply));
                   }
                   if (whole.error().http_status == 413) {
                     // As the edge answers a buffered body over the limit.
                     http::Response r;
                     r.status = 413;
                     r.set_header("Content-Type", "text/plain");
                     r.body = whole.error().message + "\n";
                     return reply(std::move(r));
                   }
                   // A chunk signature, hash or checksum the body broke.
                   auto scope = auth::peek_scope(request);
                   reply(error_response(request, scope ? scope->service : "", whole.error(),
                                        new_request_id()));
                 });
}

namespace {

// The links in SNS's messages work unsigned, as on AWS: a GET of
// ?Action=ConfirmSubscription (SubscribeURL; the token is the secret) or
// ?Action=Unsubscribe (UnsubscribeURL) with no signature at all.
bool sns_link(const http::Request& r) {
  if (r.method != "GET" || r.has_header("authorization")) return false;
  std::string_view q = r.query();
  if (q.find("X-Amz-") != std::string_view::npos) return false;
  return q.starts_with("Action=ConfirmSubscription&") || q.starts_with("Action=Unsubscribe&");
}

// A browser's POST upload to S3: an unsigned multipart/form-data POST
// whose form carries its own credential (a signed policy), checked by S3
// once the fields are read (services/s3/post_auth.h).
bool browser_post(const http::Request& r) {
  if (r.method != "POST" || r.has_header("authorization")) return false;
  std::string_view type = r.header("content-type");
  constexpr std::string_view kForm = "multipart/form-data";
  if (type.size() < kForm.size()) return false;
  for (size_t i = 0; i < kForm.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(type[i])) != kForm[i]) return false;
  }
  std::string_view q = r.query();
  return q.find("X-Amz-") == std::string_view::npos &&
         q.find("Signature") == std::string_view::npos;
}

// S3's POST uploads: the form is the credential, and S3 authenticates and
// authorizes it (s3:PutObject on the key) once its fields are read.
bool authorized_by_service(const protocol::Call& call) {
  return call.service_name == "s3" && call.operation_name == "PostObject";
}

// Calls AWS serves without a signature: STS AssumeRoleWithWebIdentity (the
// token is its credential), S3's POST uploads (the form's), and S3 under
// --iam enforce, where bucket policies decide unsigned requests.
bool may_be_unsigned(const protocol::Call& call, bool enforcing) {
  if (call.service_name == "sts") return call.operation_name == "AssumeRoleWithWebIdentity";
  return call.service_name == "s3" && (enforcing || authorized_by_service(call));
}

}  // namespace

void Router::handle(http::Request request, Reply reply) const {
  if (request.stream && options_.auth == AuthMode::kStrict && !auth::verifies_streaming(request) &&
      !browser_post(request)) {
    // The signature covers the body's hash: it needs the whole body.
    return read_whole_body(std::move(request), std::move(reply), [this](http::Request r, Reply re) {
      handle(std::move(r), std::move(re));
    });
  }
  Caller caller;
  caller.started = std::chrono::steady_clock::now();
  caller.request_id = new_request_id();
  caller.region = options_.region;
  caller.account = options_.account_id;
  auto take_scope = [&caller](auth::Scope& scope) {
    caller.scope_service = std::move(scope.service);
    if (!scope.region.empty()) caller.region = std::move(scope.region);
  };
  // The scope names the service and region; a verified request's is the one
  // verify() read (the same header or query parameter), so it is read once.
  auto peek = [&] {
    if (auto scope = auth::peek_scope(request)) take_scope(*scope);
  };
  if (sns_link(request)) {
    peek();
    caller.scope_service = "sns";
  } else if (options_.auth != AuthMode::kStrict) {
    peek();
  } else {
    // A streamed body is checked as it is read (auth wraps the stream), so
    // a bad signature is answered here, before anything of the body (or a
    // 100 Continue) was asked for.
    auto verified = auth::verify(request, credentials_, clock_.now());
    if (verified) {
      take_scope(verified->scope);
    } else {
      peek();
    }
    bool enforcing = access_ && access_->mode() == IamMode::kEnforce;
    if (!verified && verified.error().code == "MissingAuthenticationToken" &&
        (enforcing || !request.stream || browser_post(request))) {
      // Some calls are served unsigned (may_be_unsigned, once the call is
      // known); route() refuses the others.
      caller.unsigned_error = verified.take_error();
      return route(std::move(request), std::move(reply), std::move(caller));
    }
    if (!verified) {
      auth_failures_.add();
      spdlog::debug("{} {} rejected: {} {}", request.method, request.target, verified.error().code,
                    verified.error().message);
      reply(error_response(request, caller.scope_service, verified.error(), caller.request_id));
      return;
    }
    caller.access_key = verified->credentials->access_key_id;
    caller.principal_arn = verified->credentials->principal_arn;
    caller.principal_id = verified->credentials->principal_id;
    if (!verified->credentials->account_id.empty()) {
      caller.account = verified->credentials->account_id;
    }
  }
  route(std::move(request), std::move(reply), std::move(caller));
}

void Router::route(http::Request request, Reply reply, Caller caller) const {
  const std::string& request_id = caller.request_id;
  auto parsed = protocol::parse_request(request, models_, caller.scope_service);
  if (request.stream) {
    // Parsed from the head alone. The body goes to the service as a stream
    // when the operation takes one; an answer the head decides (unknown
    // operation, not implemented) goes out without reading the body;
    // anything else needs the whole body.
    bool head_decides = false;
    if (parsed.call) {
      services::Service* service = services_.find(parsed.call->service_name);
      const auto* h = service ? service->find(parsed.call->operation_name) : nullptr;
      head_decides =
          h == nullptr || protocol::streams_input(*parsed.call->service, *parsed.call->operation);
    } else {
      head_decides = parsed.failure->error.code == "UnknownOperationException";
    }
    if (!head_decides) {
      return read_whole_body(std::move(request), std::move(reply),
                             [this, caller = std::move(caller)](http::Request r, Reply re) mutable {
                               route(std::move(r), std::move(re), std::move(caller));
                             });
    }
  }
  bool enforcing = access_ && access_->mode() == IamMode::kEnforce;
  if (caller.unsigned_error && (!parsed.call || !may_be_unsigned(*parsed.call, enforcing))) {
    auth_failures_.add();
    reply(error_response(request, caller.scope_service, *caller.unsigned_error, request_id));
    return;
  }
  if (!parsed.call) {
    const auto& f = *parsed.failure;
    reply(protocol::serialize_error(f.protocol, f.service, f.query_mode, f.error, request_id));
    return;
  }
  auto call = std::make_shared<protocol::Call>(std::move(*parsed.call));

  services::Service* service = services_.find(call->service_name);
  const services::Handler* handler = service ? service->find(call->operation_name) : nullptr;
  if (!handler) {
    reply(protocol::serialize_error(
        call->protocol, call->service, call->query_mode,
        Error::make("NotImplemented",
                    "The operation " + call->operation_name + " of service " + call->service_name +
                        " is not implemented by nimbus.",
                    501),
        request_id));
    return;
  }

  services::CallContext ctx;
  ctx.request_id = request_id;
  ctx.service = call->service_name;
  ctx.operation = call->operation_name;
  ctx.region = std::move(caller.region);
  ctx.account_id = std::move(caller.account);
  ctx.access_key_id = std::move(caller.access_key);
  Principal principal{std::move(caller.principal_arn), std::move(caller.principal_id),
                      caller.unsigned_error.has_value()};
  std::string_view host = request.header("host");
  ctx.endpoint_url = "http://" + std::string(host.empty() ? options_.bind : host);
  ctx.path = std::string(request.path());
  ctx.payload->request = std::move(request.stream);
  ctx.payload->json_text = call->protocol == protocol::Protocol::kJson10 ||
                           call->protocol == protocol::Protocol::kJson11;
  auto payload = ctx.payload;

  OperationMetrics& op_metrics = metrics_for(*call);
  Histogram& latency = *op_metrics.latency;
  Counter& errors = *op_metrics.errors;

  // IAM: the caller's policies against the action and the ARNs the call
  // touches, in one place for every service.
  std::string source_ip = ip_of(request.remote);
  if (access_ && access_->mode() != IamMode::kOff && !authorized_by_service(*call)) {
    auto resources = service->resources(call->operation_name, ctx, call->input);
    if (auto denied = access_->check(*call, ctx, principal,
                                     std::move(resources).value_or(services::Resources{}), *service,
                                     source_ip)) {
      errors.add();
      access_->record_call(ctx, principal, source_ip, &*denied);
      reply(protocol::serialize_error(call->protocol, call->service, call->query_mode, *denied,
                                      request_id));
      return;
    }
  }
  // IAM and STS changes go to the audit log once answered.
  std::shared_ptr<std::pair<services::CallContext, Principal>> audited;
  if (access_ && (ctx.service == "iam" || ctx.service == "sts")) {
    audited = std::make_shared<std::pair<services::CallContext, Principal>>(ctx, principal);
  }

  boost::json::object input = std::move(call->input);
  // The handler is the last use of `caller`: its request id moves into the
  // answer (`request_id` refers to it until then).
  (*handler)(
      ctx, std::move(input),
      [call, request_id = std::move(caller.request_id), reply = std::move(reply),
       started = caller.started, &latency, &errors, payload = std::move(payload), access = access_,
       audited = std::move(audited), source_ip](services::Output output) {
        if (audited) {
          access->record_call(audited->first, audited->second, source_ip,
                              output ? nullptr : &output.error(), output ? &*output : nullptr);
        }
        http::Response response;
        if (output) {
          response =
              protocol::serialize_output(*call, *output, request_id, payload->json_fragments);
          if (auto events = std::dynamic_pointer_cast<http::EventPayload>(payload->response)) {
            // An event stream: the serialized output travels as its
            // initial-response, then the service's events, framed here.
            std::string initial = std::move(response.body);
            response.body.clear();
            response.stream =
                protocol::event_stream_body(*call, std::move(initial), events->events());
            response.set_header("Content-Type", "application/vnd.amazon.eventstream");
          } else if (payload->response) {
            response.body.clear();
            response.stream = std::move(payload->response);
          }
        } else {
          errors.add();
          response = protocol::serialize_error(call->protocol, call->service, call->query_mode,
                                               output.error(), request_id);
        }
        latency.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        reply(std::move(response));
      });
}

}  // namespace nimbus::server
