// `nimbus logs NAME [-f]`: prints a function's log group (/aws/lambda/NAME)
// through FilterLogEvents, as `aws logs tail` does; -f keeps polling with
// startTime at the newest timestamp seen, skipping events already printed.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "cli/client.h"
#include "cli/commands.h"
#include "common/clock.h"
#include "common/time_format.h"

namespace nimbus::cli {

namespace json = boost::json;

namespace {

struct LogsOptions {
  std::string name;
  bool follow = false;
  std::string since = "10m";
  std::string filter;
  std::string endpoint;
  int poll_ms = 1000;
};

// "90s", "10m", "2h", "1d" -> milliseconds; -1 when malformed.
int64_t parse_since(const std::string& s) {
  if (s.size() < 2) return -1;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10 + (s[i] - '0');
  }
  switch (s.back()) {
    case 's':
      return n * 1000;
    case 'm':
      return n * 60'000;
    case 'h':
      return n * 3'600'000;
    case 'd':
      return n * 86'400'000;
    default:
      return -1;
  }
}

int run_logs(const LogsOptions& o) {
  int64_t since = parse_since(o.since);
  if (since < 0) {
    std::cerr << "nimbus: --since takes a number and a unit (s, m, h, d), e.g. 10m\n";
    return 2;
  }
  Client client(o.endpoint);
  std::string group = "/aws/lambda/" + o.name;
  auto now_ms = [] { return SystemClock().now_millis(); };
  int64_t start = now_ms() - since;
  std::set<std::string> seen_at_start;  // event ids already printed at timestamp `start`
  bool warned = false;
  while (true) {
    json::object in{{"logGroupName", group}, {"startTime", start}, {"interleaved", true}};
    if (!o.filter.empty()) in["filterPattern"] = o.filter;
    int64_t newest = start;
    std::set<std::string> seen_at_newest = seen_at_start;
    while (true) {
      auto out = client.json_call("logs", "Logs_20140328.FilterLogEvents", in);
      if (!out) {
        const auto& e = out.error();
        if (e.code == "ResourceNotFoundException" && o.follow) {
          if (!warned) std::cerr << "nimbus: waiting for log group " << group << "\n";
          warned = true;
          break;
        }
        if (e.code == "ResourceNotFoundException") {
          std::cerr << "nimbus: log group " << group << " does not exist (has " << o.name
                    << " run yet?)\n";
        } else {
          std::cerr << "nimbus: " << e.code << ": " << e.message << "\n";
        }
        return 1;
      }
      for (const auto& v : (*out)["events"].as_array()) {
        const auto& e = v.as_object();
        int64_t ts = e.at("timestamp").to_number<int64_t>();
        std::string id(e.at("eventId").as_string());
        if (ts == start && seen_at_start.count(id)) continue;
        std::string msg(e.at("message").as_string());
        std::printf("%s %s %s\n", utc_millis(ts).c_str(),
                    std::string(e.at("logStreamName").as_string()).c_str(), msg.c_str());
        if (ts > newest) {
          newest = ts;
          seen_at_newest.clear();
        }
        if (ts == newest) seen_at_newest.insert(id);
      }
      std::fflush(stdout);
      if (!out->contains("nextToken")) break;
      in["nextToken"] = (*out)["nextToken"];
    }
    if (!o.follow) return 0;
    start = newest;
    seen_at_start = std::move(seen_at_newest);
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
}

}  // namespace

std::pair<CLI::App*, Run> add_logs_command(CLI::App& cli) {
  auto o = std::make_shared<LogsOptions>();
  auto* cmd = cli.add_subcommand("logs", "print a function's logs (/aws/lambda/NAME)");
  cmd->add_option("name", o->name, "function name")->required();
  cmd->add_flag("-f,--follow", o->follow, "keep printing new events");
  cmd->add_option("--since", o->since, "how far back to start: 30s, 10m, 2h, 1d")
      ->capture_default_str();
  cmd->add_option("--filter-pattern", o->filter, "CloudWatch Logs filter pattern");
  cmd->add_option("--endpoint-url", o->endpoint,
                  "nimbus endpoint (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4566)");
  cmd->add_option("--poll-ms", o->poll_ms, "with -f, milliseconds between polls")
      ->capture_default_str();
  return {cmd, [o] { return run_logs(*o); }};
}

}  // namespace nimbus::cli
