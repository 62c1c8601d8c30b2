// Lambda processing (data transformation): a delivery's records are sent to
// the stream's Lambda function in batches of at most the processor's buffer
// size, as Firehose's event ({invocationId, deliveryStreamArn, region,
// records: [{recordId, approximateArrivalTimestamp, data}]}); the answer's
// records say per recordId Ok (its data is delivered), Dropped or
// ProcessingFailed. A failed invocation (the handler's error, a throttle,
// no such function) is tried again NumberOfRetries times, then its records
// fail. Failed records become `processing-failed` JSON lines
// ({attemptsMade, arrivalTimestamp, errorCode, errorMessage,
// attemptEndingTimestamp, rawData, lambdaArn}) for the error output.
// The function is invoked as the stream's RoleARN: an invocation the role
// may not make (lambda:InvokeFunction) fails as Lambda.InvokeAccessDenied,
// one by a role that does not trust Firehose (the check's error code
// AssumeRoleAccessDenied, Engine::set_role_check) as
// Lambda.AssumeRoleAccessDenied; either is tried again like any failed
// invocation.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "events/target_queue.h"
#include "services/firehose/delivery_stream.h"
#include "services/lambda/api.h"
#include "storage/log.h"

namespace nimbus::services::firehose {

struct Processed {
  std::string body;    // the Ok records' data, in record order
  std::string failed;  // one JSON line per failed record
};

// Runs the batches one after the other; `done` runs once, on whichever
// thread Lambda answers on. Never blocks. `role_check` decides each
// invocation as def.role_arn (unset: not checked).
void process(lambda::Functions& functions, const Clock& clock, const DeliveryStream& def,
             std::vector<storage::LogRecord> records, const events::RoleCheck& role_check,
             std::function<void(Processed)> done);

// The checks of one batch's answer (separate for tests and the fuzzer):
// fills `out` from `payload` for `records`, the batch's input.
void read_answer(const std::string& payload, const std::vector<storage::LogRecord>& records,
                 const std::string& lambda_arn, int attempts, int64_t now_ms, Processed& out);

}  // namespace nimbus::services::firehose
