// The providers, one constant per resource type (providers.cc lists them).
#pragma once

#include "services/cloudformation/providers/provider.h"

namespace nimbus::services::cloudformation::providers {

extern const Provider kQueue;               // messaging.cc
extern const Provider kTopic;               // messaging.cc
extern const Provider kSubscription;        // messaging.cc
extern const Provider kTable;               // data.cc
extern const Provider kBucket;              // data.cc
extern const Provider kLogGroup;            // data.cc
extern const Provider kRole;                // iam.cc
extern const Provider kFunction;            // lambda.cc
extern const Provider kPermission;          // lambda.cc
extern const Provider kEventSourceMapping;  // lambda.cc
extern const Provider kVersion;             // lambda_versions.cc
extern const Provider kAlias;               // lambda_versions.cc
extern const Provider kUrl;                 // lambda_config.cc
extern const Provider kEventInvokeConfig;   // lambda_config.cc
extern const Provider kSchedule;            // scheduler.cc
extern const Provider kRule;                // orchestration.cc
extern const Provider kStateMachine;        // orchestration.cc

}  // namespace nimbus::services::cloudformation::providers
