// `nimbus invoke NAME [--payload JSON]`: Lambda's Invoke
// (POST /2015-03-31/functions/NAME/invocations); prints the response payload.
// A function error prints the payload too and exits 1.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "common/encoding.h"

namespace nimbus::cli {

namespace {

struct InvokeOptions {
  std::string name;
  std::string payload = "{}";
  std::string type = "RequestResponse";
  std::string qualifier;
  bool log = false;
  std::string endpoint;
};

int run_invoke(const InvokeOptions& o) {
  Client client(o.endpoint);
  http::Request req;
  req.method = "POST";
  req.target = "/2015-03-31/functions/" + percent_encode(o.name) + "/invocations";
  if (!o.qualifier.empty()) req.target += "?Qualifier=" + percent_encode(o.qualifier);
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("x-amz-invocation-type", o.type);
  if (o.log) req.headers.emplace_back("x-amz-log-type", "Tail");
  req.body = o.payload;
  auto res = client.send(std::move(req), "lambda");
  if (!res) {
    std::cerr << "nimbus: " << res.error().message << "\n";
    return 1;
  }
  if (res->status < 200 || res->status > 299) {
    auto e = error_from_json(res->status, *res);
    std::cerr << "nimbus: " << e.code << ": " << e.message << "\n";
    return 1;
  }
  if (o.log) {
    if (auto tail = base64_decode(res->header("x-amz-log-result")); tail && !tail->empty()) {
      std::cerr << *tail;
      if (tail->back() != '\n') std::cerr << "\n";
    }
  }
  if (!res->body.empty()) {
    std::fwrite(res->body.data(), 1, res->body.size(), stdout);
    if (res->body.back() != '\n') std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  if (std::string fe = res->header("x-amz-function-error"); !fe.empty()) {
    std::cerr << "nimbus: function error (" << fe << ")\n";
    return 1;
  }
  return 0;
}

}  // namespace

std::pair<CLI::App*, Run> add_invoke_command(CLI::App& cli) {
  auto o = std::make_shared<InvokeOptions>();
  auto* cmd = cli.add_subcommand("invoke", "invoke a function and print its response");
  cmd->add_option("name", o->name, "function name or ARN")->required();
  cmd->add_option("--payload", o->payload, "the event, as JSON")->capture_default_str();
  cmd->add_option("--invocation-type", o->type, "RequestResponse, Event or DryRun")
      ->check(CLI::IsMember({"RequestResponse", "Event", "DryRun"}))
      ->capture_default_str();
  cmd->add_option("--qualifier", o->qualifier, "version or alias");
  cmd->add_flag("--log", o->log, "print the tail of the function's log to stderr");
  cmd->add_option("--endpoint-url", o->endpoint,
                  "nimbus endpoint (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4566)");
  return {cmd, [o] { return run_invoke(*o); }};
}

}  // namespace nimbus::cli
