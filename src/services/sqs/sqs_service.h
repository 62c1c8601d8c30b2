// Amazon SQS (model sqs/2012-11-05; awsQuery and awsJson 1.0 on the wire).
// The handlers turn input values into calls on Queues (queues.h), the engine
// other services use in-process, and results back into output values. See
// README.md for what is implemented and how it differs from AWS.
#pragma once

#include <memory>

#include "services/service.h"
#include "services/sqs/queues.h"

namespace nimbus::services::sqs {

class SqsService final : public Service {
 public:
  explicit SqsService(Environment& env);

  // The in-process interface (SNS → SQS, Lambda destinations and pollers).
  Queues& queues() { return *queues_; }

  void begin_shutdown() override { queues_->release_waiters(); }

 private:
  void add_queue_handlers();
  void add_message_handlers();

  Environment& env_;
  std::unique_ptr<Queues> queues_;
};

}  // namespace nimbus::services::sqs
