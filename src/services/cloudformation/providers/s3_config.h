// AWS::S3::Bucket's configuration properties (VersioningConfiguration,
// Tags, CorsConfiguration, LifecycleConfiguration, WebsiteConfiguration,
// NotificationConfiguration) as S3's own configuration operations: each
// property translated into the document its Put operation takes, and the
// steps that take a bucket from the old properties to the new ones.
// Internal to the providers.
#pragma once

#include <string>
#include <vector>

#include "services/cloudformation/providers/provider.h"

namespace nimbus::services::cloudformation::providers {

// The calls that apply `r.properties` to `bucket`: on a create
// (r.old_properties empty) every configuration property the template sets;
// on an update each one whose value changed, and the removal (Delete*, an
// empty notification configuration, versioning Suspended) of each one the
// template no longer sets. In S3's order of dependence: versioning before
// lifecycle, notifications last (S3 checks their destinations).
std::vector<provide::Step> bucket_config_steps(const ResourceRequest& r, const std::string& bucket);

// The documents, exposed for the unit tests.
namespace s3doc {
json::object website(const json::object& cfn);
json::object cors(const json::object& cfn);
json::object lifecycle(const json::object& cfn);
json::object notification(const json::object& cfn);
json::object tagging(const json::value& cfn_tags);
}  // namespace s3doc

}  // namespace nimbus::services::cloudformation::providers
