// The AWS API pipeline for one request: SigV4 -> protocol engine -> service
// handler -> serialized reply. Runs on the connection's event loop and never
// blocks; the handler's answer may arrive on any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "http/message.h"
#include "protocol/engine.h"
#include "server/access.h"
#include "server/options.h"
#include "services/registry.h"

namespace nimbus::server {

using Reply = std::function<void(http::Response)>;

class Router {
 public:
  // `access` decides each call against IAM policies (--iam) and writes the
  // audit log; null: nothing is evaluated or logged.
  Router(const ServeOptions& options, const Clock& clock, const protocol::ModelRegistry& models,
         const services::Registry& services, const auth::CredentialProvider& credentials,
         Metrics& metrics, const Access* access = nullptr);

  // A streamed request body (http::Request::stream) goes to the service as
  // a stream when the operation's payload is modelled streaming and the
  // signature can be checked from the head; an answer the head decides
  // (bad signature, unknown operation) goes out without reading the body,
  // so no 100 Continue is sent; otherwise the body is read whole first (up
  // to max_body_bytes, else 413) and parsed as usual.
  void handle(http::Request request, Reply reply) const;

 private:
  // Who called, once authenticated.
  struct Caller {
    std::chrono::steady_clock::time_point started;
    std::string request_id;
    std::string region;
    std::string account;
    std::string access_key;
    std::string principal_arn;  // empty for the configured root pair
    std::string principal_id;
    std::string scope_service;
    // An unsigned request let through to be decided as anonymous (S3 under
    // --iam enforce): what to answer when it is not for S3.
    std::optional<Error> unsigned_error;
  };
  void route(http::Request request, Reply reply, Caller caller) const;
  void read_whole_body(http::Request request, Reply reply,
                       std::function<void(http::Request, Reply)> then) const;
  http::Response error_response(const http::Request& request, std::string_view scope_service,
                                const Error& error, std::string_view request_id) const;

  // The latency histogram and error counter of one operation, looked up in
  // the registry once and then found by the operation's model pointer (a
  // registry lookup builds labels and takes its global lock).
  struct OperationMetrics {
    Histogram* latency;
    Counter* errors;
  };
  OperationMetrics& metrics_for(const protocol::Call& call) const;

  const ServeOptions& options_;
  const Clock& clock_;
  const protocol::ModelRegistry& models_;
  const services::Registry& services_;
  const auth::CredentialProvider& credentials_;
  Metrics& metrics_;
  const Access* access_;
  Counter& auth_failures_;
  mutable std::shared_mutex ops_mu_;
  mutable std::unordered_map<const protocol::OperationModel*, OperationMetrics>
      ops_;  // guarded by ops_mu_; entries are never removed
};

}  // namespace nimbus::server
