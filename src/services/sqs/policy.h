// The queue's access policy as AddPermission and RemovePermission edit it:
// one Allow statement per label in the queue's `Policy` attribute, with SQS's
// checks and errors. Pure functions over the attribute's text; the caller
// holds the queue's lock and stores the result. Nothing here enforces a
// policy (nimbus does not evaluate access policies; see README.md).
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace nimbus::services::sqs::policy {

// One AddPermission request.
struct Grant {
  std::string label;
  std::vector<std::string> account_ids;  // 12-digit AWS account ids
  std::vector<std::string> actions;      // "SendMessage", "*", ... (without "SQS:")
};

// The Policy text after adding `grant` as a statement of the queue `queue_arn`.
// `current` is the queue's Policy ("" when it has none: a new document with
// SQS's default Id). Adding the same grant again changes nothing; another
// grant under a label in use is InvalidParameterValue "Already exists.".
Result<std::string> add(const std::string& current, const std::string& queue_arn,
                        const Grant& grant);

// The Policy text after removing the statement labelled `label`; "" when it
// was the last statement (the queue then has no Policy).
Result<std::string> remove(const std::string& current, const std::string& label);

}  // namespace nimbus::services::sqs::policy
