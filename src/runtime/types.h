// The values the Lambda service hands to the execution-environment layer and
// gets back. Plain data: no ownership, no threads (CredentialSource is the
// one callback, supplied by the service).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"

namespace nimbus::runtime {

// One function version as it runs. The Lambda service builds it from the
// stored configuration; `revision` changes whenever code or configuration
// does, so a warm environment is never reused for a different revision.
struct FunctionSpec {
  std::string name;                 // my-function
  std::string version = "$LATEST";  // or "1", "2", ...
  std::string revision;             // opaque; part of the pool key
  std::string arn;                  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  std::string runtime;              // python3.12, nodejs20.x, provided.al2023, ...
  std::string handler;              // app.handler (ignored by provided.*)
  std::string code_dir;             // the unpacked zip on the host; never written
  // The function's layers merged into one host directory (empty: none): the
  // sandbox sees it at /opt; without a mount namespace the runtime's search
  // paths name it instead. Never written.
  std::string layers_dir;
  uint32_t memory_mb = 128;
  std::chrono::milliseconds timeout{3000};
  uint32_t ephemeral_mb = 512;
  std::map<std::string, std::string> environment;  // the function's Environment.Variables
  std::string region = "us-east-1";
  std::string account = "000000000000";
  std::string role_arn;      // the execution role (HostOptions::credentials mints for it)
  std::string endpoint_url;  // AWS_ENDPOINT_URL: nimbus itself, e.g. http://127.0.0.1:4566

  std::string pool_key() const { return arn + '\n' + version + '\n' + revision; }
  std::string log_group() const { return "/aws/lambda/" + name; }
};

struct InvokeRequest {
  std::string request_id;  // a UUID; the Lambda service makes it
  std::string payload;     // the event, as sent (JSON text, not checked here)
  // Absolute deadline; zero means now + spec.timeout when the invocation
  // reaches the runtime.
  std::chrono::system_clock::time_point deadline{};
  std::string client_context;    // JSON (the Invoke API's base64 decoded)
  std::string cognito_identity;  // JSON, passed through
  std::string trace_id;          // X-Amzn-Trace-Id value
  std::string invoked_arn;       // the ARN the caller used (qualified); empty = spec.arn
};

// Temporary credentials of a function's execution role, as its environment
// gets them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
struct RoleCredentials {
  std::string access_key_id;  // ASIA...
  std::string secret_access_key;
  std::string session_token;
  std::chrono::system_clock::time_point expiration{};  // the epoch: never
};

// Mints credentials for spec.role_arn, once per new environment, on a spawn
// worker (it may block). An error leaves that environment without
// credentials; the server's own key pair is never handed to a function.
using CredentialSource = std::function<Result<RoleCredentials>(const FunctionSpec&)>;

enum class InvokeStatus {
  kOk,             // payload is the function's response
  kFunctionError,  // the handler failed; payload is {errorMessage, errorType, stackTrace}
  kTimeout,        // killed at the deadline
  kOutOfMemory,    // killed by the memory limit
  kInitError,      // init failed (init/error, or a crash before the first /next)
  kExitError,      // the runtime died during the invocation
  kInternal,       // nimbus could not run it (spawn failed, unknown runtime, ...)
};

const char* to_string(InvokeStatus s);

struct InvokeResult {
  InvokeStatus status = InvokeStatus::kInternal;
  std::string payload;         // response bytes, or the error document
  std::string function_error;  // X-Amz-Function-Error: "Unhandled" or empty
  std::string error_type;      // errorType when known (Runtime.ExitError, ...)
  std::string log_tail;        // last 4 KB of this invocation's log (raw, not base64)
  std::chrono::microseconds duration{0};
  std::chrono::milliseconds billed_duration{0};
  std::chrono::microseconds init_duration{0};  // non-zero on a cold start
  uint32_t max_memory_used_mb = 0;
  bool cold_start = false;
  // The request back when its environment ended before the runtime took it
  // (a warm runtime that exits after its last answer, as aws-lambda-ric does
  // after an uncaught exception): the pool runs it on another environment.
  std::optional<InvokeRequest> undelivered;

  static InvokeResult make(InvokeStatus status, std::string payload = {}) {
    InvokeResult r;
    r.status = status;
    r.payload = std::move(payload);
    return r;
  }
};

}  // namespace nimbus::runtime
