// A small blocking HTTP client for the CLI commands that talk to a running
// nimbus (`nimbus logs`, `nimbus invoke`): SigV4-signed requests over one
// keep-alive connection. The CLI only; never used inside the server.
//
// Endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else http://127.0.0.1:4566.
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
// AWS_SESSION_TOKEN), else test/test. Region: AWS_REGION, AWS_DEFAULT_REGION,
// else us-east-1.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"
#include "http/message.h"

namespace nimbus::cli {

struct ClientResponse {
  int status = 0;
  http::Headers headers;  // names lower-case
  std::string body;
  std::string header(std::string_view name) const;
};

class Client {
 public:
  // `endpoint_flag` empty means "from the environment".
  explicit Client(const std::string& endpoint_flag);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  const std::string& region() const { return region_; }

  // Signs for `service` and sends; errors are transport failures only.
  Result<ClientResponse> send(http::Request request, const std::string& service);

  // An awsJson 1.1 call ("Logs_20140328.FilterLogEvents"). An AWS error
  // answer becomes an Error with its code and message.
  Result<boost::json::object> json_call(const std::string& service, const std::string& target,
                                        const boost::json::object& input);

  // An awsQuery call (CloudFormation, STS): `params` form-encoded after
  // Action and Version; the answer's XML text. An <ErrorResponse> becomes
  // an Error with its Code and Message.
  using QueryParams = std::vector<std::pair<std::string, std::string>>;
  Result<std::string> query_call(const std::string& service, const std::string& version,
                                 const std::string& action, const QueryParams& params);

 private:
  struct Conn;
  std::string endpoint_, host_, port_, region_;
  std::string access_key_, secret_key_, session_token_;
  std::unique_ptr<Conn> conn_;
};

// The {code, message} of an AWS JSON error body (either protocol's spelling).
Error error_from_json(int status, const ClientResponse& response);
// The {Code, Message} of an AWS XML error body (awsQuery's ErrorResponse,
// S3's Error).
Error error_from_xml(int status, const ClientResponse& response);

}  // namespace nimbus::cli
