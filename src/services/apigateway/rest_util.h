// Small helpers of the REST API handlers: AWS's not-found error for an API,
// the position/limit paging of its list operations, and finding a resource
// or method in an API's document by the input's ids.
#pragma once

#include <boost/json.hpp>
#include <string>

#include "services/service.h"

namespace nimbus::services::apigateway {

Error rest_api_not_found(const CallContext& ctx, const std::string& id);
// {"items": [...], "position": "..."} over a group of the document.
Output rest_page(const boost::json::object& group, const boost::json::object& in);
// The resource named by in.resourceId, or null.
boost::json::value* find_resource(boost::json::object& doc, const boost::json::object& in);
// The method named by in.resourceId and in.httpMethod, or null.
boost::json::object* find_method(boost::json::object& doc, const boost::json::object& in);
const boost::json::object* find_method(const boost::json::object& doc,
                                       const boost::json::object& in);

}  // namespace nimbus::services::apigateway
