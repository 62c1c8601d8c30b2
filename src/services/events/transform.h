// What a rule's target receives: the event itself, a constant Input, the
// part of the event an InputPath names, or an InputTransformer's template
// filled from the event.
//
// Paths are EventBridge's JSONPath subset: `$`, `$.a.b`, `$.a[0].b`,
// `$['key with space']`.
//
// Templates: `<name>` is replaced by the value InputPathsMap's path `name`
// selects, or by a predefined variable (`aws.events.rule-arn`,
// `aws.events.rule-name`, `aws.events.event.ingestion-time`,
// `aws.events.event`, `aws.events.event.json`). Inside a JSON string of the
// template a value is written as string content (a string's characters,
// escaped; other values as their JSON text, escaped); outside one it is
// written as JSON (a string with its quotes). A path that selects nothing
// is written as null outside a string and as nothing inside one. Other
// `<...>` text is kept as it is.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nimbus::services::eventbridge {

// The value `path` selects in `event`; nullptr when it selects nothing.
// Error (ValidationException) when `path` is not a valid path.
Result<const boost::json::value*> select_path(const boost::json::value& event,
                                              std::string_view path);
// Checks a path without an event.
Status check_path(std::string_view path);

struct Transformer {
  std::map<std::string, std::string> paths;  // InputPathsMap
  std::string input_template;                // InputTemplate

  // Checks the map's names and paths and the template (AWS's limits: 100
  // paths, 8192 characters of template).
  Status check() const;
  // The template filled from `event`.
  std::string apply(const boost::json::value& event, std::string_view rule_arn,
                    std::string_view rule_name, std::string_view ingestion_time) const;
};

}  // namespace nimbus::services::eventbridge
