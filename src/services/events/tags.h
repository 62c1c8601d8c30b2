// Tags of EventBridge rules and buses: a request's Tags ([{Key, Value}])
// checked and merged into `tags` (tag_handlers.cc); on a bad tag `tags` is
// unchanged. Keys starting with "aws:" only when `aws_ok` (from
// CloudFormation: services::takes_aws_tags).
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "common/result.h"

namespace nimbus::services::eventbridge {

Status merge_tags(const boost::json::object& in, std::map<std::string, std::string>& tags,
                  bool aws_ok);

}  // namespace nimbus::services::eventbridge
