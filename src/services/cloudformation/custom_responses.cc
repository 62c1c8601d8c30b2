#include "services/cloudformation/custom_responses.h"

#include <random>

#include "common/json_fields.h"

namespace nimbus::services::cloudformation {

namespace {

// 128 bits from the OS's random source, as hex: URLs nobody can guess
// (request ids come from a seeded generator whose output is public).
std::string random_hex() {
  static thread_local std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    uint32_t v = device();
    for (int j = 0; j < 8; ++j) out += kHex[(v >> (j * 4)) & 0xF];
  }
  return out;
}

Error failure(std::string message) {
  return Error::validation(std::move(message));
}

}  // namespace

Result<CustomAnswer> read_answer(std::string_view body, const CustomResponses::Expected& e) {
  // AWS reads at most 4096 bytes of an answer.
  if (body.size() > 4096) return failure("Response object is too long.");
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return failure("Invalid response object: the response is not a JSON object");
  }
  const json::object& o = v.as_object();
  std::string status = str(o, "Status");
  if (status != "SUCCESS" && status != "FAILED") {
    return failure("Invalid response object: Status must be SUCCESS or FAILED");
  }
  if (str(o, "StackId") != e.stack_id || str(o, "RequestId") != e.request_id ||
      str(o, "LogicalResourceId") != e.logical_id) {
    return failure(
        "Invalid response object: StackId, RequestId and LogicalResourceId must be those of the "
        "request");
  }
  if (status == "FAILED") {
    return failure("Received response status [FAILED] from custom resource. Message returned: " +
                   str(o, "Reason") + " (RequestId: " + e.request_id + ")");
  }
  CustomAnswer answer;
  answer.physical_id = str(o, "PhysicalResourceId");
  if (const auto* d = o.if_contains("Data"); d != nullptr && !d->is_null()) {
    if (!d->is_object()) return failure("Invalid response object: Data must be an object");
    answer.data = d->as_object();
  }
  if (const auto* n = o.if_contains("NoEcho")) {
    answer.no_echo = n->is_bool() ? n->as_bool() : (n->is_string() && n->as_string() == "true");
  }
  return answer;
}

CustomResponses::CustomResponses(Scheduler& scheduler, WorkerPool& workers)
    : scheduler_(scheduler), workers_(workers) {}

CustomResponses::~CustomResponses() {
  std::vector<Scheduler::TimerId> timers;
  {
    MutexLock lock(mu_);
    for (const auto& [token, w] : waits_) timers.push_back(w.timer);
    waits_.clear();
  }
  for (auto id : timers) scheduler_.cancel_and_wait(id);
}

std::string CustomResponses::expect(Expected e) {
  std::string token = random_hex();
  std::string signature = random_hex() + random_hex();
  auto timeout = e.timeout;
  std::string request_id = e.request_id;
  {
    MutexLock lock(mu_);
    waits_[token] = Wait{std::move(e), signature, 0};
  }
  auto timer = scheduler_.after(timeout, [this, token, request_id] {
    settle(token, [request_id](const Expected&) -> Result<CustomAnswer> {
      return failure(
          "CloudFormation did not receive a response from your Custom Resource. Please check "
          "your logs for requestId [" +
          request_id +
          "]. If you are using the Python cfn-response module, you may need to update your "
          "Lambda function code so that CloudFormation can attach the updated version.");
    });
  });
  {
    MutexLock lock(mu_);
    if (auto it = waits_.find(token); it != waits_.end()) it->second.timer = timer;
  }
  return std::string(kPathPrefix) + token + "?X-Amz-Expires=" +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
         "&X-Amz-Signature=" + signature;
}

void CustomResponses::forget(const std::string& url_path, Error why) {
  std::string token = url_path.substr(kPathPrefix.size());
  token = token.substr(0, token.find('?'));
  settle(token, [why = std::move(why)](const Expected&) -> Result<CustomAnswer> { return why; });
}

void CustomResponses::settle(const std::string& token,
                             std::function<Result<CustomAnswer>(const Expected&)> answer) {
  Wait w;
  {
    MutexLock lock(mu_);
    auto it = waits_.find(token);
    if (it == waits_.end()) return;
    w = std::move(it->second);
    waits_.erase(it);
  }
  scheduler_.cancel(w.timer);
  workers_.post(
      [w = std::move(w), answer = std::move(answer)] { w.expected.done(answer(w.expected)); });
}

Status CustomResponses::check(const std::string& arn) const {
  auto parsed = events::Arn::parse(arn);
  if (!parsed || !parsed->resource.starts_with(kArnResource)) {
    return Error::make("AccessDeniedException", "Access Denied", 403);
  }
  return Status::ok();
}

void CustomResponses::deliver(const std::string& arn, events::Delivery d,
                              events::DeliverDone done) {
  std::string signature;
  for (const auto& a : d.attributes) {
    if (a.name == "X-Amz-Signature") signature = a.value;
  }
  auto parsed = events::Arn::parse(arn);
  std::string token = parsed && parsed->resource.starts_with(kArnResource)
                          ? parsed->resource.substr(kArnResource.size())
                          : std::string();
  bool known = false;
  {
    MutexLock lock(mu_);
    auto it = waits_.find(token);
    known = it != waits_.end() && !signature.empty() && it->second.signature == signature;
  }
  if (!known) {
    return done(events::Outcome::failed(
        events::Failure::kRejected,
        Error::make("AccessDeniedException",
                    "Request has expired or the signature does not match the request URL", 403)));
  }
  settle(token, [body = std::move(d.body)](const Expected& e) { return read_answer(body, e); });
  done(events::Outcome::ok());
}

}  // namespace nimbus::services::cloudformation
