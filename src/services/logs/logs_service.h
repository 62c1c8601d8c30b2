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

// A store call's Done answering {} (or its error).
inline LogStore::Done answer_empty(Respond respond) {
  return [respond = std::move(respond)](Status st) {
    if (!st) return respond(st.take_error());
    respond(boost::json::object{});
  };
}

class LogsService final : public Service {
 public:
  explicit LogsService(Environment& env);
  ~LogsService() override;

  // The in-process writer (Lambda's function logs). Lives as long as the
  // service; put() never blocks.
  LogWriter& writer();
  LogStore& store() { return *store_; }
  // Reads back every group, stream and event index (LogStore::recover).
  Status start() override;
  void begin_shutdown() override { store_->stop_timers(); }

 private:
  using object = boost::json::object;
  static const Operation<LogsService> kOperations[];

  // logs_service.cc
  void create_log_group(const CallContext& ctx, object in, Respond respond);
  void delete_log_group(const CallContext& ctx, object in, Respond respond);
  void put_retention_policy(const CallContext& ctx, object in, Respond respond);
  void delete_retention_policy(const CallContext& ctx, object in, Respond respond);
  Output describe_log_groups(const CallContext& ctx, const object& in) const;
  // tag_handlers.cc
  void tag_log_group(const CallContext& ctx, object in, Respond respond);
  void untag_log_group(const CallContext& ctx, object in, Respond respond);
  Output list_tags_log_group(const CallContext& ctx, const object& in) const;
  void tag_resource(const CallContext& ctx, object in, Respond respond);
  void untag_resource(const CallContext& ctx, object in, Respond respond);
  Output list_tags_for_resource(const CallContext& ctx, const object& in) const;
  // stream_handlers.cc
  void create_log_stream(const CallContext& ctx, object in, Respond respond);
  void delete_log_stream(const CallContext& ctx, object in, Respond respond);
  Output describe_log_streams(const CallContext& ctx, const object& in) const;
  // event_handlers.cc, filter_handler.cc
  void put_log_events(const CallContext& ctx, object in, Respond respond);
  Output get_log_events(const CallContext& ctx, const object& in) const;
  Output filter_log_events(const CallContext& ctx, const object& in) const;

  Environment& env_;
  std::unique_ptr<LogStore> store_;
  std::unique_ptr<LogWriter> writer_;
};

}  // namespace nimbus::services::logs
