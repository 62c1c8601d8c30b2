// Invoke: the API's checks and answer. Resolving the qualifier (alias
// weights included), concurrency limits and the runtime call are the
// engine's (Engine::resolve / run).
#include "common/encoding.h"
#include "services/lambda/async_queue.h"
#include "services/lambda/errors.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr size_t kSyncLimit = 6 * 1024 * 1024;
constexpr size_t kAsyncLimit = 1024 * 1024;  // 256 KB until Lambda raised it to 1 MB (2025)
constexpr size_t kResponseLimit = 6 * 1024 * 1024;

}  // namespace

void LambdaService::invoke(const CallContext& ctx, json::object in, Respond respond) {
  engine_.note_endpoint(ctx.endpoint_url);
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string qualifier = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  std::string type = has(in, "InvocationType") ? str(in, "InvocationType") : "RequestResponse";
  std::string payload = str(in, "Payload");
  size_t limit = type == "Event" ? kAsyncLimit : kSyncLimit;
  if (payload.size() > limit) {
    return respond(Error::make(code::kRequestTooLarge,
                               "Request must be smaller than " + std::to_string(limit) +
                                   " bytes for the InvokeFunction operation"));
  }
  if (payload.empty()) payload = "{}";
  boost::system::error_code ec;
  json::parse(payload, ec);
  if (ec) {
    return respond(invalid_request_content(
        "Could not parse request body into json: Could not parse payload into json: " +
        ec.message()));
  }
  // Base64 JSON on the wire; the Runtime API hands the function the JSON,
  // re-serialized on one line since it travels in a header.
  std::string client_context;
  if (has(in, "ClientContext")) {
    auto text = base64_decode(str(in, "ClientContext"));
    json::value doc = text ? json::parse(*text, ec) : json::value();
    if (!text || ec || !doc.is_object()) {
      return respond(
          invalid_request_content("Client context must be a valid Base64-encoded JSON object."));
    }
    client_context = json::serialize(doc);
  }
  auto target = resolve(ref.name, qualifier);
  if (!target) return respond(target.take_error());
  if (type == "DryRun") return respond(json::object{{"StatusCode", 204}});
  if (type == "Event") {
    async_->enqueue(*target, ref.name, qualifier, std::move(payload), ctx.request_id,
                    [respond = std::move(respond)](Status st) {
                      if (!st) return respond(st.take_error());
                      respond(json::object{{"StatusCode", 202}});
                    });
    return;
  }
  runtime::InvokeRequest req;
  req.request_id = ctx.request_id;
  req.payload = std::move(payload);
  req.client_context = std::move(client_context);
  bool tail = str(in, "LogType") == "Tail";
  std::string executed = target->executed_version;
  run(std::move(*target), std::move(req),
      [respond = std::move(respond), tail, executed](Result<runtime::InvokeResult> r) {
        if (!r) return respond(r.take_error());
        auto& res = *r;
        if (res.status == runtime::InvokeStatus::kInternal && res.error_type.empty()) {
          return respond(service_error(res.payload));
        }
        json::object out;
        out["StatusCode"] = 200;
        out["ExecutedVersion"] = executed;
        if (res.status != runtime::InvokeStatus::kOk) {
          out["FunctionError"] = res.function_error.empty() ? "Unhandled" : res.function_error;
        }
        if (res.payload.size() > kResponseLimit) {
          out["FunctionError"] = "Unhandled";
          res.payload =
              "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size "
              "(6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}";
        }
        out["Payload"] = std::move(res.payload);
        if (tail) out["LogResult"] = base64_encode(res.log_tail);
        respond(std::move(out));
      });
}

}  // namespace nimbus::services::lambda
