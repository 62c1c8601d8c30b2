// What an AWS::Serverless::Connector generates for each supported pair of
// resource types: the kind of resource (a managed policy on a role, a Lambda
// permission, a queue or topic policy), whose role a managed policy goes on,
// and the statements of each access category (Read, Write). The facts are
// SAM's connector profiles; templates name the two ends' properties as
// %{Source.Arn}, %{Destination.Name}, ... (connectors.cc fills them in).
// Internal to sam/.
#pragma once

#include <string_view>
#include <vector>

namespace nimbus::cfn::sam {

enum class ConnectorKind { kManagedPolicy, kLambdaPermission, kQueuePolicy, kTopicPolicy };

// Which resource must wait for the generated one besides those naming the
// connector in DependsOn.
enum class DependedBy {
  kNone,
  kDestinationMapping,  // the event source mappings from the source to the destination
  kSource,              // the source resource itself
};

struct ConnectorStatement {
  std::vector<std::string_view> actions;
  std::vector<std::string_view> resources;
};

struct ConnectorCategory {
  std::string_view name;                       // "Read" or "Write"
  std::vector<ConnectorStatement> statements;  // kManagedPolicy only
};

struct ConnectorProfile {
  std::string_view source, destination;  // CloudFormation types (SAM types mapped first)
  ConnectorKind kind = ConnectorKind::kManagedPolicy;
  bool source_policy = true;  // kManagedPolicy: on the source's role (else the destination's)
  DependedBy depended_by = DependedBy::kNone;
  // The Permissions combinations allowed, each in profile order; empty: any
  // non-empty subset of the categories.
  std::vector<std::vector<std::string_view>> valid;
  std::vector<ConnectorCategory> categories;  // in the order SAM writes them
  // kLambdaPermission, kQueuePolicy, kTopicPolicy (Write only): the service
  // principal, the action, the SourceArn template (permission) and the
  // SourceAccount template (permission, may be empty).
  std::string_view principal, action, source_arn, source_account;
};

// The profile for a pair of CloudFormation types; null when SAM has none.
const ConnectorProfile* find_connector_profile(std::string_view source,
                                               std::string_view destination);

}  // namespace nimbus::cfn::sam
