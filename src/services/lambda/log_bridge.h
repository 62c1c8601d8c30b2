// Routes the runtime's function log lines (LogSink, called on the runtime
// loop) into CloudWatch Logs through the logs service's LogWriter: group
// /aws/lambda/NAME, one stream per environment (named by the runtime
// `YYYY/MM/DD/[VERSION]<hex id>`). With no writer the lines are dropped.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "runtime/log_capture.h"
#include "services/logs/log_writer.h"

namespace nimbus::services::lambda {

class LogBridge final : public runtime::LogSink {
 public:
  explicit LogBridge(logs::LogWriter* writer) : writer_(writer) {}
  void write(const std::string& group, const std::string& stream,
             std::chrono::system_clock::time_point time, std::string_view line) override {
    if (writer_ == nullptr) return;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
    writer_->put(group, stream, {logs::LogEvent{ms.count(), std::string(line)}});
  }

 private:
  logs::LogWriter* writer_;
};

}  // namespace nimbus::services::lambda
