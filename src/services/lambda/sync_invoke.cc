// Functions (api.h): synchronous invocations for other services, on the same
// path as the Invoke API (resolve the qualifier, concurrency, run), after
// the function's resource policy allows the producer (permissions.cc).
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

void LambdaService::invoke_sync(SyncInvoke call, std::function<void(Result<SyncResult>)> done) {
  auto ref = parse_function_name(call.function);
  auto target = resolve(ref.name, ref.qualifier);
  if (!target) return done(target.take_error());
  if (auto allowed = permits_delivery(call.function, call.source_arn); !allowed) {
    return done(allowed.take_error());
  }
  runtime::InvokeRequest req;
  req.request_id = std::move(call.request_id);
  req.payload = call.payload.empty() ? std::string("{}") : std::move(call.payload);
  std::string version = target->executed_version;
  run(std::move(*target), std::move(req),
      [done = std::move(done), version](Result<runtime::InvokeResult> r) {
        if (!r) return done(r.take_error());
        if (r->status == runtime::InvokeStatus::kInternal && r->error_type.empty()) {
          return done(service_error(r->payload));
        }
        SyncResult out;
        out.function_error = r->status != runtime::InvokeStatus::kOk;
        out.payload = std::move(r->payload);
        out.executed_version = version;
        done(std::move(out));
      });
}

}  // namespace nimbus::services::lambda
