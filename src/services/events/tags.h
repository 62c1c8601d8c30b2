// Tags of EventBridge rules and buses: a request's Tags ([{Key, Value}])
// checked and merged into `tags` (tag_handlers.cc); on a bad tag `tags` is
// unchanged.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "common/result.h"

namespace nimbus::services::eventbridge {

Status merge_tags(const boost::json::object& in, std::map<std::string, std::string>& tags);

}  // namespace nimbus::services::eventbridge
