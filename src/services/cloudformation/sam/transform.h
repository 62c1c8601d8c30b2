// The SAM transform (AWS::Serverless-2016-10-31): a template using
// AWS::Serverless::* resources and Globals in, the plain CloudFormation
// template SAM's translator produces out. Values in, values out: no storage,
// no service, no wire. The stack service applies it before the structure
// check when a template's Transform names it.
//
// Logical ids follow SAM's (<Function>Role, <Function><Event>Permission,
// ServerlessRestApi, ...); hashes in Version and Deployment ids are our own
// digests (they change when what they snapshot changes, as SAM's do).
// Errors are ValidationError "Transform AWS::Serverless-2016-10-31 failed
// with: Invalid Serverless Application Specification document. ..." as
// CloudFormation reports them. Never throws.
#pragma once

#include <boost/json.hpp>
#include <string_view>

#include "common/result.h"

namespace nimbus::cfn::sam {

inline constexpr std::string_view kTransformName = "AWS::Serverless-2016-10-31";

// The expanded document: Transform and Globals removed, AWS::Serverless::*
// resources replaced by what they stand for, everything else kept.
Result<boost::json::object> transform(const boost::json::object& doc);

}  // namespace nimbus::cfn::sam
