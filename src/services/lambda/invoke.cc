// Invoke: resolving the qualifier (alias weights included), concurrency
// limits, the runtime call, and mapping its result to the API's answer.
#include <charconv>
#include <random>

#include "common/encoding.h"
#include "services/lambda/async_queue.h"
#include "services/lambda/code.h"
#include "services/lambda/handlers.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr size_t kSyncLimit = 6 * 1024 * 1024;
constexpr size_t kAsyncLimit = 1024 * 1024;  // 256 KB until Lambda raised it to 1 MB (2025)
constexpr size_t kResponseLimit = 6 * 1024 * 1024;

double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

Error throttled(const char* reason) {
  // Reason is a member of the model's TooManyRequestsException, as AWS sends it.
  return Error::make("TooManyRequestsException", "Rate Exceeded.").with("Reason", reason);
}

}  // namespace

Result<Target> LambdaService::resolve_locked(Function& f, const std::string& qualifier) {
  Target t;
  t.qualifier = qualifier;
  t.invoked_arn = arn(f.name) + (qualifier.empty() ? "" : ":" + qualifier);
  std::string version = qualifier.empty() ? "$LATEST" : qualifier;
  if (auto a = f.aliases.find(version); a != f.aliases.end()) {
    version = str(a->second, "FunctionVersion");
    if (const auto* rc = a->second.if_contains("RoutingConfig"); rc && rc->is_object()) {
      if (const auto* w = rc->as_object().if_contains("AdditionalVersionWeights");
          w && w->is_object()) {
        double r = uniform01();
        for (const auto& [v, weight] : w->as_object()) {
          double x = weight.is_number() ? weight.to_number<double>() : 0;
          if (r < x) {
            version = std::string(v);
            break;
          }
          r -= x;
        }
      }
    }
  }
  Version* v = nullptr;
  if (version == "$LATEST") {
    v = &f.latest;
  } else {
    uint64_t n = 0;
    auto r = std::from_chars(version.data(), version.data() + version.size(), n);
    auto it = f.versions.find(n);
    if (r.ec != std::errc() || it == f.versions.end()) return not_found(t.invoked_arn);
    v = &it->second;
  }
  t.spec = v->spec;
  t.code = v->code;
  t.executed_version = version;
  t.stats = stats_locked(f.name);
  t.reserved = f.reserved;
  t.unreserved_cap = options_.account_concurrency - reserved_sum_locked();
  auto eic = f.event_config.find(qualifier.empty() ? "$LATEST" : qualifier);
  if (eic != f.event_config.end()) t.event_config = eic->second;
  if (const auto* d = v->config.if_contains("DeadLetterConfig"); d && d->is_object()) {
    t.dead_letter = d->as_object();
  }
  return t;
}

Result<Target> LambdaService::resolve(const std::string& name, const std::string& qualifier) {
  std::lock_guard l(mu_);
  auto f = find_locked(name);
  if (!f) return not_found(arn(name) + (qualifier.empty() ? "" : ":" + qualifier));
  return resolve_locked(*f, qualifier);
}

void LambdaService::run(Target target, runtime::InvokeRequest request,
                        std::function<void(Result<runtime::InvokeResult>)> done) {
  auto stats = target.stats;
  bool reserved = target.reserved.has_value();
  if (reserved) {
    if (*target.reserved == 0 || stats->in_flight.fetch_add(1) >= *target.reserved) {
      if (*target.reserved != 0) stats->in_flight.fetch_sub(1);
      stats->throttles->add();
      return done(throttled("ReservedFunctionConcurrentInvocationLimitExceeded"));
    }
  } else {
    if (unreserved_in_flight_.fetch_add(1) >= target.unreserved_cap) {
      unreserved_in_flight_.fetch_sub(1);
      stats->throttles->add();
      return done(throttled("ConcurrentInvocationLimitExceeded"));
    }
    stats->in_flight.fetch_add(1);
  }
  auto release = [this, stats, reserved] {
    stats->in_flight.fetch_sub(1);
    if (!reserved) unreserved_in_flight_.fetch_sub(1);
  };
  if (!pool_) {
    release();
    return done(Error::make("ServiceException", "Execution environments are unavailable", 500));
  }
  if (request.invoked_arn.empty()) request.invoked_arn = target.invoked_arn;
  if (code_->cached(target.code))
    return start(std::move(target), std::move(request), std::move(done));
  // First use of this code since start-up (or since an environment failed
  // to start): make sure its unpacked tree exists, rebuilding it from the
  // blob on a worker, before the runtime mounts it.
  post_work([this, life = life_, code = code_, target = std::move(target),
             request = std::move(request), done = std::move(done), release]() mutable {
    Status st = code->ensure(target.code);
    std::lock_guard g(life->mu);
    if (!life->alive) return;  // stopping: the caller's queue and loops are going too
    if (!st) {
      release();
      return done(Error::make("ServiceException",
                              "The function's code is unavailable: " + st.error().message, 500));
    }
    start(std::move(target), std::move(request), std::move(done));
  });
}

void LambdaService::start(Target target, runtime::InvokeRequest request,
                          std::function<void(Result<runtime::InvokeResult>)> done) {
  auto stats = target.stats;
  bool reserved = target.reserved.has_value();
  stats->invocations->add();
  stats->concurrent->set(stats->in_flight.load());
  std::weak_ptr<std::atomic<bool>> alive = alive_;
  pool_->invoke(target.spec, std::move(request),
                [this, alive, stats, reserved, code = code_, sha = std::move(target.code),
                 done = std::move(done)](runtime::InvokeResult r) {
                  stats->in_flight.fetch_sub(1);
                  stats->concurrent->set(stats->in_flight.load());
                  if (auto a = alive.lock(); a && *a && !reserved)
                    unreserved_in_flight_.fetch_sub(1);
                  stats->duration->observe(std::chrono::duration<double>(r.duration).count());
                  if (r.status != runtime::InvokeStatus::kOk) stats->errors->add();
                  // An environment that could not start may have met a
                  // removed cache directory: look again on the next call.
                  if (r.status == runtime::InvokeStatus::kInternal ||
                      r.status == runtime::InvokeStatus::kInitError) {
                    code->forget(sha);
                  }
                  done(std::move(r));
                });
}

void LambdaService::add_invoke_handlers() {
  on("Invoke", [this](const CallContext& ctx, json::object in, Respond respond) {
    Handlers::note_endpoint(*this, ctx);
    auto ref = parse_function_name(str(in, "FunctionName"));
    std::string qualifier = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
    std::string type = has(in, "InvocationType") ? str(in, "InvocationType") : "RequestResponse";
    std::string payload = str(in, "Payload");
    size_t limit = type == "Event" ? kAsyncLimit : kSyncLimit;
    if (payload.size() > limit) {
      return respond(Error::make("RequestTooLargeException",
                                 "Request must be smaller than " + std::to_string(limit) +
                                     " bytes for the InvokeFunction operation"));
    }
    if (payload.empty()) payload = "{}";
    boost::system::error_code ec;
    json::parse(payload, ec);
    if (ec) {
      return respond(Error::make("InvalidRequestContentException",
                                 "Could not parse request body into json: Could not parse payload "
                                 "into json: " +
                                     ec.message()));
    }
    // Base64 JSON on the wire; the Runtime API hands the function the JSON,
    // re-serialized on one line since it travels in a header.
    std::string client_context;
    if (has(in, "ClientContext")) {
      auto text = base64_decode(str(in, "ClientContext"));
      json::value doc = text ? json::parse(*text, ec) : json::value();
      if (!text || ec || !doc.is_object()) {
        return respond(Error::make("InvalidRequestContentException",
                                   "Client context must be a valid Base64-encoded JSON object."));
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
            return respond(Error::make("ServiceException", res.payload, 500));
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
  });
}

}  // namespace nimbus::services::lambda
