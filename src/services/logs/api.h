// How other services write to CloudWatch Logs in-process (Lambda's function
// logs, later Step Functions and API Gateway access logs). Implemented by the
// logs service; callers never see its storage.
//
// Threads: put() may be called from any thread and must not block: the
// implementation queues the events and persists them asynchronously.
// Ordering: events of one stream keep the order in which put() received them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nimbus::services::logs {

struct LogEvent {
  int64_t timestamp_ms = 0;  // when the line was written (epoch ms, from the Clock)
  std::string message;       // one line, without its trailing newline
};

class LogWriter {
 public:
  virtual ~LogWriter() = default;
  // Appends to group/stream, creating either when missing.
  virtual void put(const std::string& group, const std::string& stream,
                   std::vector<LogEvent> events) = 0;
};

}  // namespace nimbus::services::logs
