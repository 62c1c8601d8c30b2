// Amazon CloudWatch Logs (model logs/2014-03-28, awsJson 1.1). The handlers
// turn input values into calls on LogStore (store.h); other services write
// through writer() (api.h). See README.md for what is implemented and
// how it differs from AWS.
#pragma once

#include <memory>

#include "services/logs/api.h"
#include "services/logs/store.h"
#include "services/service.h"

namespace nimbus::services::logs {

class LogsService final : public Service {
 public:
  explicit LogsService(Environment& env);
  ~LogsService() override;

  // The in-process writer (Lambda's function logs). Lives as long as the
  // service; put() never blocks.
  LogWriter& writer();
  LogStore& store() { return *store_; }
  void begin_shutdown() override { store_->stop_timers(); }

 private:
  void add_group_handlers();
  void add_stream_handlers();
  void add_event_handlers();
  void add_filter_handler();

  Environment& env_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<LogWriter> writer_;
};

}  // namespace nimbus::services::logs
