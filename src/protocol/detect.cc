// parse_request(): which protocol, service and operation a request speaks,
// then the protocol's parser and validation. Detection order follows what
// SDKs send: RPCv2 CBOR (smithy-protocol header or /service/*/operation/*),
// awsJson (X-Amz-Target), awsQuery (Action= in the form body or query), REST
// (Lambda by its dated path, other REST services by the SigV4 scope, else S3).
#include <array>

#include "protocol/engine.h"
#include "protocol/input.h"
#include "protocol/input_values.h"
#include "protocol/quirks.h"
#include "protocol/registry_impl.h"

namespace nimbus::protocol {
namespace json = boost::json;

namespace {

ParseResult fail(Protocol p, const ServiceModel* service, Error e, bool query_mode = false) {
  ParseResult r;
  r.failure = ParseFailure{p, service, query_mode, std::move(e)};
  return r;
}

ParseResult finish(Protocol p, const ServiceModel& service, const OperationModel& op,
                   Result<json::object> input, bool query_mode) {
  if (!input) return fail(p, &service, input.take_error(), query_mode);
  if (auto s = input::validate(service, op, *input, p); !s) {
    return fail(p, &service, s.take_error(), query_mode);
  }
  Call call;
  call.protocol = p;
  call.service = &service;
  call.operation = &op;
  call.service_name = service.name();
  call.operation_name = op.name;
  call.query_mode = query_mode;
  call.input = std::move(*input);
  ParseResult r;
  r.call = std::move(call);
  return r;
}

}  // namespace

// Friend of ModelRegistry: looks services up by what the wire carries.
struct Detector {
  const ModelRegistry::Impl& impl;

  const ServiceModel* by_name(std::string_view name) const {
    const auto* e = impl.find(name);
    return e == nullptr ? nullptr : impl.load(*e);
  }

  const ServiceModel* by_target_prefix(std::string_view prefix) const {
    for (const auto& e : impl.entries) {
      if (e->embedded->target_prefix == prefix) return impl.load(*e);
    }
    std::string_view alias = service_for_json_alias(prefix);
    return alias.empty() ? nullptr : by_name(alias);
  }

  // A service of the given protocol family whose signing name (or endpoint
  // prefix) is `scope`.
  const ServiceModel* by_scope(std::string_view scope, bool rest) const {
    if (scope.empty()) return nullptr;
    for (const auto& e : impl.entries) {
      std::string_view proto = e->embedded->protocol;
      bool is_rest = proto == "rest-json" || proto == "rest-xml";
      if (is_rest != rest) continue;
      std::string_view signing = e->embedded->signing_name;
      if (signing.empty()) signing = e->embedded->endpoint_prefix;
      if (signing == scope || e->embedded->endpoint_prefix == scope) return impl.load(*e);
    }
    return nullptr;
  }

  const ServiceModel* query_by_version(std::string_view version) const {
    if (version.empty()) return nullptr;
    const ServiceModel* found = nullptr;
    for (const auto& e : impl.entries) {
      std::string_view proto = e->embedded->protocol;
      if ((proto == "query" || proto == "ec2") && e->embedded->api_version == version) {
        if (found != nullptr) return nullptr;  // ambiguous: the scope must say
        found = impl.load(*e);
      }
    }
    return found;
  }

  static const ModelRegistry::Impl& impl_of(const ModelRegistry& r) { return *r.impl_; }

  // Smithy RPC v2 CBOR: POST /service/{ServiceName}/operation/{Operation},
  // the service named as the awsJson target prefix names it (CloudWatch's
  // GraniteServiceVersion20100801), the body the input in CBOR.
  ParseResult cbor(const http::Request& request, std::string_view scope) const {
    bool query_mode = http::iequals(request.header("x-amzn-query-mode"), "true");
    auto path = request.path();
    std::string_view service_name, op_name;
    constexpr std::string_view kService = "/service/", kOperation = "/operation/";
    if (path.starts_with(kService)) {
      auto rest = path.substr(kService.size());
      auto slash = rest.find('/');
      service_name = rest.substr(0, slash);
      if (slash != std::string_view::npos && rest.substr(slash).starts_with(kOperation)) {
        op_name = rest.substr(slash + kOperation.size());
      }
    }
    const ServiceModel* service = service_name.empty() ? nullptr : by_target_prefix(service_name);
    if (service == nullptr) service = by_scope(scope, false);
    auto unknown = [&] {
      return fail(
          Protocol::kRpcV2Cbor, service,
          Error::make("UnknownOperationException",
                      "Unknown operation " + std::string(service_name) + "." + std::string(op_name),
                      404),
          query_mode);
    };
    if (service == nullptr || op_name.empty() || op_name.find('/') != std::string_view::npos) {
      return unknown();
    }
    // Every RPC v2 operation is a POST; another method names no operation.
    const auto* op = request.method == "POST" ? service->operation(op_name) : nullptr;
    if (op == nullptr) return unknown();
    return finish(Protocol::kRpcV2Cbor, *service, *op,
                  input::parse_cbor(*service, *op, request.body, cbor::Epoch::kSeconds),
                  query_mode);
  }

  ParseResult json_target(const http::Request& request, std::string_view scope) const {
    auto target = request.header("x-amz-target");
    bool query_mode = http::iequals(request.header("x-amzn-query-mode"), "true");
    auto dot = target.rfind('.');
    auto prefix = target.substr(0, dot == std::string_view::npos ? 0 : dot);
    auto op_name = dot == std::string_view::npos ? target : target.substr(dot + 1);
    const ServiceModel* service = by_target_prefix(prefix);
    auto content_type = request.header("content-type");
    bool cbor = content_type.find("cbor") != std::string_view::npos;
    Protocol p = cbor                                                     ? Protocol::kJson11Cbor
                 : content_type.find("1.0") != std::string_view::npos     ? Protocol::kJson10
                 : content_type.find("1.1") != std::string_view::npos     ? Protocol::kJson11
                 : service != nullptr && service->json_version() == "1.1" ? Protocol::kJson11
                                                                          : Protocol::kJson10;
    if (service == nullptr) {
      return fail(
          p, nullptr,
          Error::make("UnknownOperationException", "Unknown operation " + std::string(target), 400),
          query_mode);
    }
    const auto* op = service->operation(op_name);
    if (op == nullptr) {
      return fail(
          p, service,
          Error::make("UnknownOperationException", "Unknown operation " + std::string(target), 400),
          query_mode);
    }
    return finish(p, *service, *op,
                  cbor ? input::parse_cbor(*service, *op, request.body)
                       : input::parse_json(*service, *op, request.body),
                  query_mode);
  }

  ParseResult query(const http::Request& request, const input::FormParams& params,
                    std::string_view scope) const {
    std::string_view action, version;
    for (const auto& [k, v] : params) {
      if (k == "Action" && action.empty()) action = v;
      if (k == "Version" && version.empty()) version = v;
    }
    const ServiceModel* service = by_scope(scope, false);
    if (service == nullptr) service = query_by_version(version);
    if (service == nullptr) {
      return fail(
          Protocol::kQuery, nullptr,
          Error::make("InvalidAction",
                      "The action " + std::string(action) + " is not valid for this web service.",
                      400));
    }
    Protocol p = service->protocol() == Protocol::kEc2 ? Protocol::kEc2 : Protocol::kQuery;
    const auto* op = service->operation(action);
    if (op == nullptr) {
      return fail(
          p, service,
          Error::make("InvalidAction",
                      "The action " + std::string(action) + " is not valid for this web service.",
                      400));
    }
    auto input = input::parse_query(*service, *op, params);
    if (input) input::apply_request_defaults(*service, *op, request, *input);
    return finish(p, *service, *op, std::move(input), false);
  }

  ParseResult rest(const http::Request& request, std::string_view scope) const {
    const ServiceModel* service = by_scope(scope, true);
    if (service == nullptr) service = by_name(service_for_unscoped_rest(request.path()));
    if (service == nullptr) {
      return fail(Protocol::kRestXml, nullptr,
                  Error::make("UnknownOperationException", "Unknown operation", 404));
    }
    // Virtual-hosted S3 (bucket.s3.localhost): the bucket is the path's
    // first segment as the model's routes expect it.
    std::string path(request.path());
    if (auto bucket = virtual_host_bucket(request.header("host"));
        !bucket.empty() && quirks_of(service->name()).s3_xml) {
      path = "/" + std::string(bucket) + (path == "/" ? "" : path);
    }
    const auto* op = input::match_rest(*service, request, path);
    if (op == nullptr && !scope.empty()) {
      // Two REST services sign with one name (apigateway and apigatewayv2):
      // the one whose operations match the request's method and path.
      for (const auto& e : impl.entries) {
        std::string_view signing = e->embedded->signing_name;
        std::string_view proto = e->embedded->protocol;
        if (signing != scope || (proto != "rest-json" && proto != "rest-xml")) continue;
        const ServiceModel* other = impl.load(*e);
        if (other == service) continue;
        if (const auto* found = input::match_rest(*other, request, path)) {
          service = other;
          op = found;
          break;
        }
      }
    }
    Protocol p = service->protocol();
    if (op == nullptr) {
      return fail(p, service,
                  Error::make("UnknownOperationException",
                              "Unknown operation " + request.method + " " + path, 404));
    }
    return finish(p, *service, *op, input::parse_rest(*service, *op, request, path), false);
  }
};

namespace {

bool names_rpcv2(const http::Request& request) {
  auto path = request.path();
  return http::iequals(request.header("smithy-protocol"), "rpc-v2-cbor") ||
         (path.starts_with("/service/") && path.find("/operation/") != std::string_view::npos);
}

bool is_form(const http::Request& request) {
  return request.method == "POST" &&
         request.header("content-type").find("application/x-www-form-urlencoded") !=
             std::string_view::npos;
}

ParseResult detect_and_parse(const Detector& d, const http::Request& request,
                             std::string_view scope_service) {
  if (names_rpcv2(request)) return d.cbor(request, scope_service);
  if (request.has_header("x-amz-target")) return d.json_target(request, scope_service);

  // awsQuery: Action in a form body, else in the query string.
  input::FormParams params;
  if (is_form(request)) params = input::parse_form(request.body);
  auto query = input::parse_form(request.query());
  bool has_action = false;
  for (const auto& [k, v] : params) has_action = has_action || k == "Action";
  if (!has_action) {
    for (const auto& [k, v] : query) has_action = has_action || k == "Action";
    if (has_action) params.insert(params.end(), query.begin(), query.end());
  }
  if (has_action) return d.query(request, params, scope_service);
  return d.rest(request, scope_service);
}

// The largest body a gzip request body may inflate to (the edge's limit on
// a buffered body).
constexpr size_t kMaxInflatedBody = 16 * 1024 * 1024;

}  // namespace

// RPC requests may come gzip-compressed (Content-Encoding: gzip: botocore and
// the JS SDK compress CloudWatch PutMetricData from 10 KiB on); their body is
// inflated before parsing. A REST body's Content-Encoding belongs to the
// payload (S3 stores it with the object), so a request that turns out to be
// REST is parsed as it came.
ParseResult parse_request(const http::Request& request, const ModelRegistry& models,
                          std::string_view scope_service) {
  Detector d{Detector::impl_of(models)};
  bool rpc = names_rpcv2(request) || request.has_header("x-amz-target") || is_form(request);
  if (!rpc || request.body.empty() || !input::gzip_encoded(request)) {
    return detect_and_parse(d, request, scope_service);
  }
  http::Request inflated = request;
  auto body = input::gunzip(request.body, kMaxInflatedBody);
  inflated.body = body ? std::move(*body) : std::string();
  auto r = detect_and_parse(d, inflated, scope_service);
  Protocol p = r.call ? r.call->protocol : r.failure->protocol;
  if (p == Protocol::kRestJson || p == Protocol::kRestXml) {
    return detect_and_parse(d, request, scope_service);
  }
  if (!body) {
    return fail(p, r.call ? r.call->service : r.failure->service, body.take_error(),
                r.call ? r.call->query_mode : r.failure->query_mode);
  }
  return r;
}

}  // namespace nimbus::protocol
