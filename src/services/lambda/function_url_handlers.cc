// CreateFunctionUrlConfig, GetFunctionUrlConfig, UpdateFunctionUrlConfig,
// DeleteFunctionUrlConfig, ListFunctionUrlConfigs, and the lookup API
// Gateway's function URL data plane makes (Functions::function_url).
#include <random>

#include "services/lambda/function_url.h"
#include "services/lambda/lambda_service.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace {

constexpr const char* kNoUrl = "The resource you requested does not exist.";

// 32 lowercase letters and digits, as AWS's url ids.
std::string new_url_id() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(32, 'a');
  for (auto& c : out) c = kChars[rng() % 36];
  return out;
}

// "http://127.0.0.1:4566" -> "http://{id}.lambda-url.{region}.localhost:4566/".
std::string url_of(const CallContext& ctx, const std::string& id) {
  std::string_view e = ctx.endpoint_url;
  if (size_t s = e.find("://"); s != std::string_view::npos) e.remove_prefix(s + 3);
  size_t colon = e.rfind(':');
  std::string port = colon == std::string_view::npos ? "" : std::string(e.substr(colon));
  return "http://" + id + ".lambda-url." + ctx.region + ".localhost" + port + "/";
}

// The answer of Get/Update (Create leaves LastModifiedTime out).
json::object output(const CallContext& ctx, const json::object& doc, const std::string& arn) {
  json::object out{{"FunctionUrl", url_of(ctx, str(doc, "UrlId"))},
                   {"FunctionArn", arn},
                   {"AuthType", str(doc, "AuthType")},
                   {"CreationTime", str(doc, "CreationTime")},
                   {"LastModifiedTime", str(doc, "LastModifiedTime")},
                   {"InvokeMode", str(doc, "InvokeMode")}};
  if (const auto* c = doc.if_contains("Cors");
      c != nullptr && c->is_object() && !c->as_object().empty()) {
    out["Cors"] = *c;
  }
  return out;
}

Status check(const json::object& in) {
  if (has(in, "AuthType") && str(in, "AuthType") != "NONE" && str(in, "AuthType") != "AWS_IAM") {
    return invalid("1 validation error detected: Value '" + str(in, "AuthType") +
                   "' at 'authType' failed to satisfy constraint: Member must satisfy enum value "
                   "set: [NONE, AWS_IAM]");
  }
  if (has(in, "InvokeMode") && str(in, "InvokeMode") != "BUFFERED" &&
      str(in, "InvokeMode") != "RESPONSE_STREAM") {
    return invalid("1 validation error detected: Value '" + str(in, "InvokeMode") +
                   "' at 'invokeMode' failed to satisfy constraint: Member must satisfy enum "
                   "value set: [RESPONSE_STREAM, BUFFERED]");
  }
  return Status::ok();
}

// The URL configuration an input names: its function, its qualifier
// (Qualifier, else the one in FunctionName) and what they resolve to.
struct UrlRef {
  std::string name, qualifier;
  Target target;
};

Result<UrlRef> url_ref(LambdaService& lambda, const json::object& in) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  std::string qualifier = has(in, "Qualifier") ? str(in, "Qualifier") : ref.qualifier;
  auto target = lambda.resolve(ref.name, qualifier);
  if (!target) return target.take_error();
  return UrlRef{std::move(ref.name), std::move(qualifier), std::move(*target)};
}

}  // namespace

void LambdaService::create_function_url_config(const CallContext& ctx, json::object in,
                                               Respond respond) {
  auto ref = url_ref(*this, in);
  if (!ref) return respond(ref.take_error());
  if (auto st = check(in); !st) return respond(st.take_error());
  std::string arn = ref->target.invoked_arn;
  if (urls_->get(ref->name, ref->qualifier)) {
    return respond(
        conflict("Failed to create function url config for [functionArn = " + arn +
                 "]. Error message:  FunctionUrlConfig exists for this Lambda function"));
  }
  std::string now = lambda_time(env_.clock.now_millis());
  json::object doc{{"FunctionName", ref->name},
                   {"Qualifier", ref->qualifier},
                   {"UrlId", new_url_id()},
                   {"AuthType", str(in, "AuthType")},
                   {"InvokeMode", has(in, "InvokeMode") ? str(in, "InvokeMode") : "BUFFERED"},
                   {"CreationTime", now},
                   {"LastModifiedTime", now}};
  if (has(in, "Cors")) doc["Cors"] = in["Cors"];
  json::object out = output(ctx, doc, arn);
  out.erase("LastModifiedTime");
  urls_->put(std::move(doc), [out = std::move(out), respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(out);
  });
}

Output LambdaService::get_function_url_config(const CallContext& ctx, const json::object& in) {
  auto ref = url_ref(*this, in);
  if (!ref) return ref.take_error();
  auto doc = urls_->get(ref->name, ref->qualifier);
  if (!doc) return resource_not_found(kNoUrl);
  return output(ctx, *doc, ref->target.invoked_arn);
}

void LambdaService::update_function_url_config(const CallContext& ctx, json::object in,
                                               Respond respond) {
  auto ref = url_ref(*this, in);
  if (!ref) return respond(ref.take_error());
  if (auto st = check(in); !st) return respond(st.take_error());
  auto doc = urls_->get(ref->name, ref->qualifier);
  if (!doc) return respond(resource_not_found(kNoUrl));
  for (const char* m : {"AuthType", "Cors", "InvokeMode"}) {
    if (has(in, m)) (*doc)[m] = in[m];
  }
  (*doc)["LastModifiedTime"] = lambda_time(env_.clock.now_millis());
  json::object out = output(ctx, *doc, ref->target.invoked_arn);
  urls_->put(std::move(*doc), [out = std::move(out), respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(out);
  });
}

void LambdaService::delete_function_url_config(const CallContext&, json::object in,
                                               Respond respond) {
  auto ref = url_ref(*this, in);
  if (!ref) return respond(ref.take_error());
  if (!urls_->get(ref->name, ref->qualifier)) return respond(resource_not_found(kNoUrl));
  urls_->remove(ref->name, ref->qualifier, [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(json::object());
  });
}

Output LambdaService::list_function_url_configs(const CallContext& ctx, const json::object& in) {
  auto ref = parse_function_name(str(in, "FunctionName"));
  auto target = resolve(ref.name, "");
  if (!target) return target.take_error();
  size_t start = 0;
  if (std::string marker = str(in, "Marker"); !marker.empty()) {
    start = static_cast<size_t>(std::max<int64_t>(0, std::atoll(marker.c_str())));
  }
  size_t limit = static_cast<size_t>(std::max<int64_t>(1, integer(in, "MaxItems").value_or(50)));
  auto all = urls_->list(ref.name);
  json::array items;
  for (size_t i = start; i < all.size() && items.size() < limit; ++i) {
    std::string q = str(all[i], "Qualifier");
    items.push_back(output(ctx, all[i], target->invoked_arn + (q.empty() ? "" : ":" + q)));
  }
  json::object out{{"FunctionUrlConfigs", std::move(items)}};
  if (start + limit < all.size()) out["NextMarker"] = std::to_string(start + limit);
  return out;
}

std::optional<UrlTarget> LambdaService::function_url(const std::string& url_id) const {
  auto doc = urls_ ? urls_->by_url_id(url_id) : std::nullopt;
  if (!doc) return std::nullopt;
  UrlTarget t;
  std::string q = str(*doc, "Qualifier");
  t.function = str(*doc, "FunctionName") + (q.empty() ? "" : ":" + q);
  t.auth_type = str(*doc, "AuthType");
  if (const auto* c = doc->if_contains("Cors"); c != nullptr && c->is_object())
    t.cors = c->as_object();
  return t;
}

}  // namespace nimbus::services::lambda
