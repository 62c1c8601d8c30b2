// `nimbus`: the command line. `serve` runs the server; the rest is the AWS
// CLI or an SDK pointed at it.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "common/thread_role.h"
#include "common/version.h"
#include "http/smtp_client.h"
#include "protocol/engine.h"
#include "server/app.h"

namespace {

using nimbus::server::AuthMode;
using nimbus::server::Durability;
using nimbus::server::ServeOptions;

void add_serve_options(CLI::App& cmd, ServeOptions& o) {
  cmd.add_option("--port", o.port, "TCP port to listen on; 0 picks a free one")
      ->capture_default_str();
  cmd.add_option("--bind", o.bind, "address to listen on")->capture_default_str();
  cmd.add_option("--data-dir", o.data_dir, "where nimbus keeps its state")->capture_default_str();
  cmd.add_option("--durability", o.durability,
                 "sync: a write is on disk before it is acknowledged; async: no fsync wait")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Durability>{
          {"sync", Durability::kSync}, {"async", Durability::kAsync}}))
      ->default_str("sync");
  cmd.add_option("--region", o.region, "region reported to clients")->capture_default_str();
  // A service's own options: --<service>-<name> lands in
  // service_options["<service>.<name>"], read by that service.
  auto service_option = [&cmd, &o](const std::string& service, const std::string& name,
                                   const std::string& help, CLI::Validator check) {
    std::string key = service + "." + name;
    cmd.add_option_function<std::string>(
           "--" + service + "-" + name,
           [&o, key](const std::string& v) { o.service_options[key] = v; }, help)
        ->check(check);
  };
  service_option("lambda", "concurrency", "account concurrency limit for functions",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.size() < 10 &&
                                 v.find_first_not_of("0123456789") == v.npos && std::stol(v) > 0;
                       return ok ? std::string() : std::string("a positive integer");
                     },
                     "N"));
  service_option("lambda", "retry-delays",
                 "async invoke retry delays in ms, comma-separated (default 60000,120000)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.find_first_not_of("0123456789,") == v.npos;
                       return ok ? std::string() : std::string("comma-separated milliseconds");
                     },
                     "MS,MS,..."));
  service_option("lambda", "network",
                 "host (default): functions share the server's network and reach what it "
                 "reaches, as AWS functions outside a VPC reach the internet; none: each "
                 "execution environment gets a network namespace of its own with only "
                 "loopback, where nimbus's endpoint and its Runtime API are all it can reach "
                 "(needs root; refused at start-up otherwise)",
                 CLI::IsMember({"host", "none"}));
  service_option("dynamodb", "item-collection-limit",
                 "bytes an item collection of a table with LSIs may hold (default and most "
                 "10 GiB, as AWS; lower it to test ItemCollectionSizeLimitExceededException)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.size() < 12 &&
                                 v.find_first_not_of("0123456789") == v.npos && std::stoll(v) > 0;
                       return ok ? std::string() : std::string("a positive number of bytes");
                     },
                     "BYTES"));
  service_option("dynamodb", "stream-shard-period",
                 "seconds after which a table stream's shard closes and a child opens "
                 "(default 14400, AWS's four hours; 1 to 86400, shorter to test roll-over)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.size() < 6 &&
                                 v.find_first_not_of("0123456789") == v.npos && std::stol(v) >= 1 &&
                                 std::stol(v) <= 86400;
                       return ok ? std::string() : std::string("1 to 86400 seconds");
                     },
                     "SECONDS"));
  service_option("sns", "accept-self-signed",
                 "https subscriptions: accept endpoints whose certificate does not verify "
                 "(self-signed; tests, air-gapped networks)",
                 CLI::IsMember({"true", "false"}));
  service_option("sns", "smtp",
                 "email and email-json subscriptions: the SMTP relay mail is sent through "
                 "(STARTTLS and AUTH below); without it their mail waits and is retried",
                 CLI::Validator(
                     [](const std::string& v) {
                       return nimbus::http::SmtpRelay::parse(v) ? std::string()
                                                                : std::string("HOST:PORT");
                     },
                     "HOST:PORT"));
  service_option("sns", "smtp-starttls",
                 "STARTTLS to the relay: optional (default: when its EHLO offers it), "
                 "required (fail without), off",
                 CLI::IsMember({"optional", "required", "off"}));
  service_option("sns", "smtp-accept-self-signed",
                 "STARTTLS: accept a relay certificate that does not verify against the "
                 "system CA store or the relay's name",
                 CLI::IsMember({"true", "false"}));
  service_option("sns", "smtp-user",
                 "AUTH PLAIN or LOGIN to the relay as this user; the password from the "
                 "environment variable NIMBUS_SNS_SMTP_PASSWORD or --sns-smtp-password-file",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.find_first_of("\r\n") == v.npos;
                       return ok ? std::string() : std::string("a user name");
                     },
                     "USER"));
  service_option("sns", "smtp-password-file",
                 "the file holding --sns-smtp-user's password (one trailing newline dropped)",
                 CLI::ExistingFile);
  service_option("sns", "smtp-auth-without-tls",
                 "send --sns-smtp-user's credentials over a connection without STARTTLS "
                 "(default false: such mail fails and is retried)",
                 CLI::IsMember({"true", "false"}));
  service_option("sns", "smtp-from",
                 "the sender of SNS's mail (default no-reply@sns.amazonaws.com)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = v.find('@') != v.npos && v.find_first_of(" <>\r\n\t,;") == v.npos;
                       return ok ? std::string() : std::string("an address");
                     },
                     "ADDRESS"));
  service_option("cloudwatch", "alarm-interval",
                 "seconds between evaluations of every metric alarm (default 10, 1 to 60; "
                 "lower it to test alarms without waiting)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.size() < 3 &&
                                 v.find_first_not_of("0123456789") == v.npos && std::stol(v) >= 1 &&
                                 std::stol(v) <= 60;
                       return ok ? std::string() : std::string("1 to 60 seconds");
                     },
                     "SECONDS"));
  service_option("apigateway", "cognito-endpoint",
                 "REST APIs' COGNITO_USER_POOLS authorizers read a user pool's keys from "
                 "URL/POOL_ID instead of https://cognito-idp.REGION.amazonaws.com/POOL_ID "
                 "(a Cognito emulator, an offline issuer)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = (v.starts_with("http://") || v.starts_with("https://")) &&
                                 !v.ends_with("/") && v.find_first_of(" \r\n\t") == v.npos;
                       return ok ? std::string() : std::string("an http(s) URL without a final /");
                     },
                     "URL"));
  service_option("apigateway", "account-rate-limit",
                 "requests per second of the account-level throttle every REST and HTTP API "
                 "request takes a token of, before stage and usage-plan throttles (default "
                 "10000, AWS's; GetAccount shows it)",
                 CLI::Validator(
                     [](const std::string& v) {
                       char* end = nullptr;
                       double d = std::strtod(v.c_str(), &end);
                       bool ok = !v.empty() && end == v.c_str() + v.size() && d > 0 && d <= 1e9;
                       return ok ? std::string() : std::string("a number above 0, at most 1e9");
                     },
                     "RATE"));
  service_option("apigateway", "account-burst-limit",
                 "the account-level throttle's burst (default 5000, AWS's)",
                 CLI::Validator(
                     [](const std::string& v) {
                       bool ok = !v.empty() && v.size() < 11 &&
                                 v.find_first_not_of("0123456789") == v.npos &&
                                 std::stoll(v) >= 1 && std::stoll(v) <= 1'000'000'000;
                       return ok ? std::string() : std::string("1 to 1000000000");
                     },
                     "BURST"));
  service_option("kinesis", "shard-limits",
                 "on: per-shard write limits of 1 MiB/s and 1000 records/s, as AWS (default); "
                 "off: no limit",
                 CLI::IsMember({"on", "off"}));
  cmd.add_option("--account-id", o.account_id, "the 12-digit account id")
      ->check([](const std::string& v) {
        if (v.size() != 12 || v.find_first_not_of("0123456789") != std::string::npos) {
          return std::string("an account id is 12 digits, for example 000000000000");
        }
        return std::string();
      })
      ->capture_default_str();
  cmd.add_option("--access-key", o.access_key, "access key id clients sign with")
      ->capture_default_str();
  cmd.add_option("--secret-key", o.secret_key, "secret access key clients sign with")
      ->default_str("test");
  cmd.add_option("--auth", o.auth, "strict: verify SigV4 on every request; off: accept any")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, AuthMode>{{"strict", AuthMode::kStrict}, {"off", AuthMode::kOff}}))
      ->default_str("strict");
  cmd.add_option("--iam", o.iam,
                 "enforce: evaluate IAM policies on every request; audit: log what enforce would "
                 "deny; off: do not evaluate")
      ->transform(CLI::CheckedTransformer(std::map<std::string, nimbus::server::IamMode>{
          {"off", nimbus::server::IamMode::kOff},
          {"audit", nimbus::server::IamMode::kAudit},
          {"enforce", nimbus::server::IamMode::kEnforce}}))
      ->default_str("off");
  cmd.add_option("--threads", o.threads, "event loops; 0 = one per core")->capture_default_str();
  cmd.add_option("--workers", o.workers, "threads for blocking work; 0 = four per core")
      ->capture_default_str();
  cmd.add_option("--max-body-bytes", o.max_body_bytes, "largest request body accepted")
      ->capture_default_str();
  cmd.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

// --sns-smtp-user's password, never on the command line: from
// --sns-smtp-password-file, else NIMBUS_SNS_SMTP_PASSWORD, into the option
// the SNS service reads. False (with a message) when there is none.
bool resolve_smtp_password(ServeOptions& o) {
  auto& opts = o.service_options;
  if (!opts.contains("sns.smtp-user")) return true;
  std::string password;
  if (auto file = opts.find("sns.smtp-password-file"); file != opts.end()) {
    std::ifstream in(file->second, std::ios::binary);
    if (!in) {
      std::cerr << "nimbus: cannot read --sns-smtp-password-file " << file->second << "\n";
      return false;
    }
    password.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (password.ends_with('\n')) password.pop_back();
    if (password.ends_with('\r')) password.pop_back();
    opts.erase(file);
  } else if (const char* env = std::getenv("NIMBUS_SNS_SMTP_PASSWORD")) {
    password = env;
  } else {
    std::cerr << "nimbus: --sns-smtp-user needs a password: set NIMBUS_SNS_SMTP_PASSWORD or "
                 "--sns-smtp-password-file\n";
    return false;
  }
  opts["sns.smtp-password"] = std::move(password);
  return true;
}

int serve(ServeOptions options) {
  if (!resolve_smtp_password(options)) return 2;
  spdlog::set_level(spdlog::level::from_str(options.log_level));

  // Every thread the server starts inherits this mask, so SIGTERM/SIGINT are
  // taken only by sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  nimbus::server::App app(options);
  auto port = app.start();
  if (!port) {
    std::cerr << "nimbus: " << port.error().message << "\n";
    return 1;
  }
  std::printf("nimbus %s listening on http://%s:%u (data in %s)\n", nimbus::kVersion,
              options.bind.c_str(), static_cast<unsigned>(*port), options.data_dir.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  app.shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  nimbus::set_thread_role(nimbus::ThreadRole::kMain);
  spdlog::set_default_logger(spdlog::stderr_color_mt("nimbus"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  CLI::App cli{
      "nimbus: AWS serverless building blocks in one program.\n"
      "Start the server with `nimbus serve`, then point the AWS CLI or an SDK at it:\n"
      "  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test "
      "AWS_SECRET_ACCESS_KEY=test aws sts get-caller-identity",
      "nimbus"};
  cli.require_subcommand(1);

  ServeOptions options;
  auto* serve_cmd = cli.add_subcommand("serve", "run the server (all services, one port)");
  add_serve_options(*serve_cmd, options);

  auto* version_cmd = cli.add_subcommand("version", "print the version and the AWS model version");
  auto [logs_cmd, run_logs] = nimbus::cli::add_logs_command(cli);
  auto [invoke_cmd, run_invoke] = nimbus::cli::add_invoke_command(cli);
  auto [deploy_cmd, run_deploy] = nimbus::cli::add_deploy_command(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      std::cerr << "nimbus: " << e.what() << "\n"
                << "Run `nimbus --help` for the commands, or `nimbus serve --help` for the "
                   "server's options.\n";
      return e.get_exit_code();
    }
    return cli.exit(e);
  }

  if (*version_cmd) {
    using nimbus::protocol::ModelRegistry;
    std::printf("nimbus %s\nAWS service models: botocore %s, from %s\n", nimbus::kVersion,
                std::string(ModelRegistry::botocore_version()).c_str(),
                std::string(ModelRegistry::models_from()).c_str());
    auto names = ModelRegistry::embedded_services();
    std::printf("services:");
    for (const auto& name : names) std::printf(" %s", name.c_str());
    std::printf("\n");
    return 0;
  }
  if (*logs_cmd) return run_logs();
  if (*invoke_cmd) return run_invoke();
  if (*deploy_cmd) return run_deploy();
  return serve(std::move(options));
}
