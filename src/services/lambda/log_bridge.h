// Routes the runtime's function log lines (LogSink, called on the runtime
// loop) into CloudWatch Logs through the logs service's LogWriter: group
// /aws/lambda/NAME, one stream per environment (named by the runtime
// `YYYY/MM/DD/[VERSION]<hex id>`). With no writer the lines are dropped.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "runtime/log_capture.h"
#include "services/logs/api.h"

namespace nimbus::services::lambda {

class LogBridge final : public runtime::LogSink {
 public:
  explicit LogBridge(logs::LogWriter* writer) : writer_(writer) {}
  void write(const std::string& group, const std::string& stream,
             std::vector<runtime::LogLine> lines) override {
    if (writer_ == nullptr) return;
    std::vector<logs::LogEvent> events;
    events.reserve(lines.size());
    for (auto& l : lines) {
      events.push_back(logs::LogEvent{Clock::to_millis(l.time), std::move(l.text)});
    }
    writer_->put(group, stream, std::move(events));
  }

 private:
  logs::LogWriter* writer_;
};

}  // namespace nimbus::services::lambda
