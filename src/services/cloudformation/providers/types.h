// The providers, one constant per resource type (providers.cc lists them).
#pragma once

#include "services/cloudformation/providers/provider.h"

namespace nimbus::services::cloudformation::providers {

extern const Importer kQueueImport;         // messaging.cc
extern const Importer kTopicImport;         // messaging.cc
extern const Importer kTableImport;         // data.cc
extern const Importer kLogGroupImport;      // data.cc
extern const Importer kBucketImport;        // s3.cc
extern const Importer kFunctionImport;      // lambda.cc
extern const Importer kRoleImport;          // iam.cc
extern const Provider kQueue;               // messaging.cc
extern const Provider kQueuePolicy;         // messaging.cc
extern const Provider kTopic;               // messaging.cc
extern const Provider kSubscription;        // messaging.cc
extern const Provider kTable;               // data.cc
extern const Provider kBucket;              // s3.cc
extern const Provider kBucketPolicy;        // s3.cc
extern const Provider kLogGroup;            // data.cc
extern const Provider kAlarm;               // cloudwatch.cc
extern const Provider kCompositeAlarm;      // cloudwatch.cc
extern const Provider kRole;                // iam.cc
extern const Provider kOidcProvider;        // iam_oidc.cc
extern const Provider kInstanceProfile;     // iam_profile.cc
extern const Provider kFunction;            // lambda.cc
extern const Provider kPermission;          // lambda.cc
extern const Provider kEventSourceMapping;  // lambda.cc
extern const Provider kVersion;             // lambda_versions.cc
extern const Provider kAlias;               // lambda_versions.cc
extern const Provider kLayerVersion;        // lambda_versions.cc
extern const Provider kLayerPermission;     // lambda_versions.cc
extern const Provider kUrl;                 // lambda_config.cc
extern const Provider kEventInvokeConfig;   // lambda_config.cc
extern const Provider kSchedule;            // scheduler.cc
extern const Provider kRule;                // orchestration.cc
extern const Provider kStateMachine;        // orchestration.cc
extern const Provider kRestApi;             // apigateway.cc
extern const Provider kRestDeployment;      // apigateway.cc
extern const Provider kRestStage;           // apigateway.cc
extern const Provider kRestResource;        // apigateway.cc
extern const Provider kRestMethod;          // apigateway.cc
extern const Provider kRestAuthorizer;      // apigateway.cc
extern const Provider kApiKey;              // apigateway_keys.cc
extern const Provider kUsagePlan;           // apigateway_keys.cc
extern const Provider kUsagePlanKey;        // apigateway_keys.cc
extern const Provider kGatewayResponse;     // apigateway_responses.cc
extern const Provider kHttpApi;             // apigateway_v2.cc
extern const Provider kHttpStage;           // apigateway_v2.cc
extern const Provider kHttpRoute;           // apigateway_v2.cc
extern const Provider kHttpIntegration;     // apigateway_v2.cc
extern const Provider kHttpAuthorizer;      // apigateway_v2.cc
extern const Provider kHttpDeployment;      // apigateway_v2.cc
extern const Provider kCustomResource;      // custom.cc
extern const Provider kTopicPolicy;         // policies.cc
extern const Provider kPolicy;              // policies.cc
extern const Provider kManagedPolicy;       // policies.cc
extern const Provider kStream;              // streams.cc
extern const Provider kDeliveryStream;      // streams.cc
extern const Provider kEventBus;            // groups.cc
extern const Provider kScheduleGroup;       // groups.cc
extern const Provider kNestedStack;         // nested.cc
extern const Provider kConnection;          // api_destinations.cc
extern const Provider kApiDestination;      // api_destinations.cc
extern const Provider kCdkMetadata;         // cdk_metadata.cc

}  // namespace nimbus::services::cloudformation::providers
