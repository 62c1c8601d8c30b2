// Queue attributes: SQS's defaults, validation with SQS's error codes and
// messages, and the values derived from them that the queue core reads.
// Pure functions over plain data; the caller holds whatever lock guards it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace nimbus::services::sqs {

struct QueueConfig {
  bool fifo = false;
  // Settable attributes with their effective values (defaults included);
  // optional ones (Policy, RedrivePolicy, ...) only while set.
  std::map<std::string, std::string> attrs;

  // Derived from attrs by derive().
  int delay_seconds = 0;
  int max_message_size = 1048576;
  int retention_seconds = 345600;
  int wait_seconds = 0;
  int visibility_timeout = 30;
  bool content_dedup = false;
  bool dedup_per_group = false;
  std::string dlq_arn;  // empty: no redrive policy
  int max_receive_count = 0;
  std::string redrive_permission = "allowAll";  // allowAll | denyAll | byQueue
  std::vector<std::string> redrive_sources;     // byQueue
};

QueueConfig default_config(bool fifo);

// Validates `requested` and applies it to `config` (then derive()). On any
// error nothing is applied. `creating` allows FifoQueue. The caller checks
// that a RedrivePolicy's target exists (it needs the queue registry).
Status apply_attributes(QueueConfig& config, const std::map<std::string, std::string>& requested,
                        bool creating);
void derive(QueueConfig& config);

// Every attribute name GetQueueAttributes accepts (besides "All").
bool is_known_attribute(const std::string& name);

}  // namespace nimbus::services::sqs
