#include "services/cloudformation/providers/types.h"

namespace nimbus::services::cloudformation {

namespace {

const Provider* const kProviders[] = {
    &providers::kBucket,
    &providers::kEventSourceMapping,
    &providers::kFunction,
    &providers::kLogGroup,
    &providers::kAlarm,
    &providers::kCompositeAlarm,
    &providers::kPermission,
    &providers::kQueue,
    &providers::kRole,
    &providers::kOidcProvider,
    &providers::kInstanceProfile,
    &providers::kRule,
    &providers::kStateMachine,
    &providers::kSubscription,
    &providers::kTable,
    &providers::kTopic,
    &providers::kVersion,
    &providers::kAlias,
    &providers::kLayerVersion,
    &providers::kLayerPermission,
    &providers::kUrl,
    &providers::kEventInvokeConfig,
    &providers::kSchedule,
    &providers::kBucketPolicy,
    &providers::kQueuePolicy,
    &providers::kRestApi,
    &providers::kRestDeployment,
    &providers::kRestStage,
    &providers::kRestResource,
    &providers::kRestMethod,
    &providers::kRestAuthorizer,
    &providers::kApiKey,
    &providers::kUsagePlan,
    &providers::kUsagePlanKey,
    &providers::kGatewayResponse,
    &providers::kHttpApi,
    &providers::kHttpStage,
    &providers::kHttpRoute,
    &providers::kHttpIntegration,
    &providers::kHttpAuthorizer,
    &providers::kHttpDeployment,
    &providers::kCustomResource,
    &providers::kTopicPolicy,
    &providers::kPolicy,
    &providers::kManagedPolicy,
    &providers::kStream,
    &providers::kDeliveryStream,
    &providers::kEventBus,
    &providers::kScheduleGroup,
    &providers::kNestedStack,
    &providers::kConnection,
    &providers::kApiDestination,
    &providers::kCdkMetadata,
};

// The types that can be imported (resource import).
const Importer* const kImporters[] = {
    &providers::kBucketImport, &providers::kFunctionImport, &providers::kLogGroupImport,
    &providers::kQueueImport,  &providers::kRoleImport,     &providers::kTableImport,
    &providers::kTopicImport,
};

}  // namespace

const Importer* find_importer(std::string_view type) {
  for (const Importer* i : kImporters) {
    if (i->type == type) return i;
  }
  return nullptr;
}

const Provider* find_provider(std::string_view type) {
  if (type.starts_with("Custom::") && type.size() > 8) return &providers::kCustomResource;
  for (const Provider* p : kProviders) {
    if (p->type == type) return p;
  }
  return nullptr;
}

std::vector<std::string_view> supported_types() {
  std::vector<std::string_view> out;
  for (const Provider* p : kProviders) out.push_back(p->type);
  return out;
}

}  // namespace nimbus::services::cloudformation
