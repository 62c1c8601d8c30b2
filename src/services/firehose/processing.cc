#include "services/firehose/processing.h"

#include <map>
#include <memory>

#include <spdlog/spdlog.h>

#include "common/encoding.h"
#include "common/request_id.h"

namespace nimbus::services::firehose {

namespace json = boost::json;

namespace {

std::string record_id(uint64_t seq) {
  return "firehose-record-" + std::to_string(seq);
}

std::string region_of(const std::string& arn) {
  // arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME
  size_t a = arn.find(':', 12);
  size_t b = a == std::string::npos ? a : arn.find(':', a + 1);
  return b == std::string::npos ? "" : arn.substr(a + 1, b - a - 1);
}

void fail(const storage::LogRecord& r, const std::string& lambda_arn, int attempts, int64_t now_ms,
          const std::string& code, const std::string& message, Processed& out) {
  json::object line{{"attemptsMade", attempts},
                    {"arrivalTimestamp", r.arrival_ms},
                    {"errorCode", code},
                    {"errorMessage", message},
                    {"attemptEndingTimestamp", now_ms},
                    {"rawData", base64_encode(r.data)},
                    {"lambdaArn", lambda_arn}};
  out.failed += json::serialize(line);
  out.failed += '\n';
}

std::string event(const DeliveryStream& def, const std::vector<storage::LogRecord>& batch) {
  json::array records;
  records.reserve(batch.size());
  for (const auto& r : batch) {
    records.push_back(json::object{{"recordId", record_id(r.seq)},
                                   {"approximateArrivalTimestamp", r.arrival_ms},
                                   {"data", base64_encode(r.data)}});
  }
  return json::serialize(json::object{{"invocationId", new_request_id()},
                                      {"deliveryStreamArn", def.arn},
                                      {"region", region_of(def.arn)},
                                      {"records", std::move(records)}});
}

// The error message of a failed invocation's error document.
std::string error_message(const std::string& payload) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  if (!ec && v.is_object()) {
    if (const auto* m = v.as_object().if_contains("errorMessage"); m && m->is_string()) {
      return std::string(m->as_string());
    }
  }
  return payload;
}

// One run of process(): the batches left and what they made so far.
struct Run {
  lambda::Functions* functions;
  const Clock* clock;
  DeliveryStream def;
  events::RoleCheck role_check;
  std::vector<std::vector<storage::LogRecord>> batches;
  size_t next = 0;
  int attempts = 0;
  Processed out;
  std::function<void(Processed)> done;
};

void invoke(std::shared_ptr<Run> run);

// The current batch's invocation answered `r`: its records read, or the
// invocation tried again, or its records failed; then the next batch.
void answered(std::shared_ptr<Run> run, Result<lambda::SyncResult> r) {
  const auto& batch = run->batches[run->next];
  const std::string& arn = run->def.lambda_arn;
  int64_t now = run->clock->now_millis();
  if (r && !r->function_error) {
    read_answer(r->payload, batch, arn, run->attempts, now, run->out);
  } else if (run->attempts <= run->def.retries) {
    return invoke(run);
  } else {
    std::string code = r ? "Lambda.FunctionError" : "Lambda." + r.error().code;
    std::string message = r ? error_message(r->payload) : r.error().message;
    // AWS writes these to the stream's CloudWatch error log; the server log
    // is nimbus's, beside S3.AccessDenied's (delivery.cc): the failed records'
    // own lines cannot reach S3 when the role is what refused.
    if (!r &&
        (r.error().code == "AssumeRoleAccessDenied" || r.error().code == "InvokeAccessDenied")) {
      spdlog::warn("firehose: processing {}: {}: {}", run->def.name, code, message);
    }
    for (const auto& rec : batch) fail(rec, arn, run->attempts, now, code, message, run->out);
  }
  ++run->next;
  run->attempts = 0;
  invoke(run);
}

void invoke(std::shared_ptr<Run> run) {
  if (run->next == run->batches.size()) return run->done(std::move(run->out));
  const auto& batch = run->batches[run->next];
  ++run->attempts;
  // Firehose invokes through its role (RoleArn), not a resource policy: no
  // source ARN; the role must allow lambda:InvokeFunction on the function.
  if (run->role_check) {
    if (auto allowed = run->role_check(run->def.role_arn, run->def.lambda_arn, {}); !allowed) {
      if (allowed.error().code == "AssumeRoleAccessDenied") {
        return answered(run, Error::make("AssumeRoleAccessDenied",
                                         "Access was denied. Ensure that the trust policy for the "
                                         "provided IAM role allows Firehose to assume the role.",
                                         403));
      }
      return answered(
          run, Error::make("InvokeAccessDenied",
                           "Access was denied. Ensure that the access policy allows access to "
                           "the Lambda function.",
                           403));
    }
  }
  lambda::SyncInvoke call{run->def.lambda_arn, event(run->def, batch), new_request_id(), ""};
  run->functions->invoke_sync(std::move(call),
                              [run](Result<lambda::SyncResult> r) { answered(run, std::move(r)); });
}

}  // namespace

void read_answer(const std::string& payload, const std::vector<storage::LogRecord>& records,
                 const std::string& lambda_arn, int attempts, int64_t now_ms, Processed& out) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  const json::array* answered = nullptr;
  if (!ec && v.is_object()) {
    if (const auto* list = v.as_object().if_contains("records"); list && list->is_array()) {
      answered = &list->as_array();
    }
  }
  if (answered == nullptr) {
    for (const auto& r : records) {
      fail(r, lambda_arn, attempts, now_ms, "Lambda.JsonProcessingException",
           "The Lambda function's response is not a JSON object with a records array.", out);
    }
    return;
  }
  std::map<std::string, const json::object*> by_id;
  std::map<std::string, int> seen;
  for (const auto& a : *answered) {
    if (!a.is_object()) continue;
    const auto* id = a.as_object().if_contains("recordId");
    if (id == nullptr || !id->is_string()) continue;
    std::string key(id->as_string());
    ++seen[key];
    by_id[key] = &a.as_object();
  }
  for (const auto& r : records) {
    std::string id = record_id(r.seq);
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      fail(r, lambda_arn, attempts, now_ms, "Lambda.MissingRecordId",
           "The Lambda function did not return record " + id + ".", out);
      continue;
    }
    if (seen[id] > 1) {
      fail(r, lambda_arn, attempts, now_ms, "Lambda.DuplicatedRecordId",
           "The Lambda function returned record " + id + " more than once.", out);
      continue;
    }
    const json::object& a = *it->second;
    const auto* result = a.if_contains("result");
    std::string status = result && result->is_string() ? std::string(result->as_string()) : "";
    if (status == "Dropped") continue;
    if (status == "Ok") {
      const auto* data = a.if_contains("data");
      auto bytes = data && data->is_string() ? base64_decode(data->as_string()) : std::nullopt;
      if (bytes) {
        out.body += *bytes;
        continue;
      }
      fail(r, lambda_arn, attempts, now_ms, "Lambda.ProcessingFailedStatus",
           "The Lambda function returned record " + id + " as Ok without base64 data.", out);
      continue;
    }
    fail(r, lambda_arn, attempts, now_ms, "Lambda.ProcessingFailedStatus",
         status == "ProcessingFailed"
             ? "ProcessingFailed status returned from the Lambda function."
             : "The Lambda function returned record " + id + " with result '" + status + "'.",
         out);
  }
}

void process(lambda::Functions& functions, const Clock& clock, const DeliveryStream& def,
             std::vector<storage::LogRecord> records, const events::RoleCheck& role_check,
             std::function<void(Processed)> done) {
  auto run = std::make_shared<Run>();
  run->functions = &functions;
  run->clock = &clock;
  run->def = def;
  run->role_check = role_check;
  run->done = std::move(done);
  int64_t bytes = 0;
  for (auto& r : records) {
    if (run->batches.empty() || bytes + static_cast<int64_t>(r.data.size()) > def.processor_bytes) {
      run->batches.emplace_back();
      bytes = 0;
    }
    bytes += static_cast<int64_t>(r.data.size());
    run->batches.back().push_back(std::move(r));
  }
  invoke(std::move(run));
}

}  // namespace nimbus::services::firehose
