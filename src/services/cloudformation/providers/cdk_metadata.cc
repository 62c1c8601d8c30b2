// AWS::CDK::Metadata: the resource the AWS CDK adds to every stack it
// synthesizes (the construct library versions, deflated, in Analytics).
// CloudFormation accepts it and creates nothing for it; here too: a no-op
// resource with a UUID as its physical id, no attributes, any change made
// in place.
#include "common/request_id.h"
#include "services/cloudformation/providers/provider.h"
#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation::providers {

namespace {

void create_metadata(const ResourceRequest&, ProvideDone done) {
  done(Provided{new_request_id(), {}});
}

void update_metadata(const ResourceRequest& r, ProvideDone done) {
  done(Provided{r.physical_id, r.attributes});
}

void delete_metadata(const ResourceRequest&, RemoveDone done) {
  done(Status::ok());
}

}  // namespace

const Provider kCdkMetadata{
    "AWS::CDK::Metadata", create_metadata, update_metadata, delete_metadata, {}, nullptr};

}  // namespace nimbus::services::cloudformation::providers
