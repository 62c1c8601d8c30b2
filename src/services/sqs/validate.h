// Checks of message input with SQS's error codes and messages: body
// characters, message attributes, sizes, batch entry ids, queue names.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "services/sqs/types.h"

namespace nimbus::services::sqs::validate {

// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
Status body(std::string_view body);
// Names, types, values and count of user message attributes.
Status message_attributes(const std::vector<MessageAttribute>& attributes);
Status system_attributes(const std::vector<MessageAttribute>& attributes);
// Body plus attribute names, types and values, as SQS counts a message's size.
size_t message_size(const SendRequest& r);
// 1-80 of [A-Za-z0-9_-] (ends with .fifo for FIFO queues).
Status queue_name(std::string_view name, bool fifo);
bool batch_entry_id(std::string_view id);
// Queue tags (TagQueue, CreateQueue): keys of 1-128 and values of 0-256
// characters, Unicode letters, digits, spaces and _ . : / = + - @, no key or
// value starting with the reserved "aws:" unless `aws_ok` (CloudFormation's
// aws:cloudformation:* tags, services::takes_aws_tags). The count is the
// caller's (it depends on the tags the queue already has).
Status tags(const std::map<std::string, std::string>& tags, bool aws_ok = false);
// UntagQueue's keys: at least one, each a valid tag key.
Status tag_keys(const std::vector<std::string>& keys, bool aws_ok = false);
// MessageGroupId / MessageDeduplicationId: 1-128 of alphanumerics and punctuation.
bool fifo_token(std::string_view s);

}  // namespace nimbus::services::sqs::validate
