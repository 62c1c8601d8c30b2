// The `nimbus` subcommands that talk to a running server over HTTP. Each
// add_* registers its subcommand (with --endpoint-url) and returns the
// function that runs it once the command line is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>

namespace nimbus::cli {

using Run = std::function<int()>;

// `nimbus logs NAME [-f]`: the log group /aws/lambda/NAME (logs_cmd.cc).
std::pair<CLI::App*, Run> add_logs_command(CLI::App& cli);
// `nimbus invoke NAME [--payload JSON]`: Lambda's Invoke (invoke_cmd.cc).
std::pair<CLI::App*, Run> add_invoke_command(CLI::App& cli);
// `nimbus deploy TEMPLATE [--watch]`: package, upload, deploy (deploy_cmd.cc).
std::pair<CLI::App*, Run> add_deploy_command(CLI::App& cli);

}  // namespace nimbus::cli
