#include "services/cloudformation/sam/connector_profiles.h"

namespace nimbus::cfn::sam {

namespace {

using Kind = ConnectorKind;

constexpr std::string_view kLambda = "AWS::Lambda::Function";
constexpr std::string_view kTable = "AWS::DynamoDB::Table";
constexpr std::string_view kQueue = "AWS::SQS::Queue";
constexpr std::string_view kTopic = "AWS::SNS::Topic";
constexpr std::string_view kBucket = "AWS::S3::Bucket";
constexpr std::string_view kStateMachine = "AWS::StepFunctions::StateMachine";
constexpr std::string_view kBus = "AWS::Events::EventBus";
constexpr std::string_view kRule = "AWS::Events::Rule";
constexpr std::string_view kDataSource = "AWS::AppSync::DataSource";

constexpr std::string_view kDest = "%{Destination.Arn}";
constexpr std::string_view kExecutions =
    "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:%{Destination.Name}:*";
constexpr std::string_view kSyncRule =
    "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/"
    "StepFunctionsGetEventsForStepFunctionsExecutionRule";
constexpr std::string_view kExecuteApi =
    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
    "%{Source.ResourceId}/%{Source.Qualifier}";

ConnectorCategory write(std::vector<ConnectorStatement> s) {
  return {"Write", std::move(s)};
}
ConnectorCategory read(std::vector<ConnectorStatement> s) {
  return {"Read", std::move(s)};
}

// A managed policy on the source's role.
ConnectorProfile policy(std::string_view source, std::string_view destination,
                        std::vector<ConnectorCategory> categories) {
  ConnectorProfile p;
  p.source = source;
  p.destination = destination;
  p.kind = Kind::kManagedPolicy;
  p.categories = std::move(categories);
  return p;
}

// A Lambda permission letting `principal` invoke the destination function.
ConnectorProfile permission(std::string_view source, std::string_view principal,
                            std::string_view source_arn, std::string_view account = {}) {
  ConnectorProfile p;
  p.source = source;
  p.destination = kLambda;
  p.kind = Kind::kLambdaPermission;
  p.source_policy = false;
  p.categories = {write({})};
  p.principal = principal;
  p.action = "lambda:InvokeFunction";
  p.source_arn = source_arn;
  p.source_account = account;
  return p;
}

// A queue or topic policy letting `principal` send to the destination.
ConnectorProfile resource_policy(Kind kind, std::string_view source, std::string_view destination,
                                 std::string_view principal, std::string_view action) {
  ConnectorProfile p;
  p.source = source;
  p.destination = destination;
  p.kind = kind;
  p.source_policy = false;
  p.categories = {write({})};
  p.principal = principal;
  p.action = action;
  return p;
}

std::vector<ConnectorCategory> table_access() {
  std::vector<std::string_view> on{kDest, "%{Destination.Arn}/index/*"};
  return {read({{{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
                  "dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect"},
                 on}}),
          write({{{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                   "dynamodb:BatchWriteItem", "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert",
                   "dynamodb:PartiQLUpdate"},
                  on}})};
}

std::vector<ConnectorCategory> bucket_access() {
  std::vector<std::string_view> on{kDest, "%{Destination.Arn}/*"};
  return {read({{{"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectLegalHold",
                  "s3:GetObjectRetention", "s3:GetObjectTorrent", "s3:GetObjectVersion",
                  "s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication",
                  "s3:GetObjectVersionTorrent", "s3:ListBucket", "s3:ListBucketMultipartUploads",
                  "s3:ListBucketVersions", "s3:ListMultipartUploadParts"},
                 on}}),
          write({{{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion",
                   "s3:PutObject", "s3:PutObjectLegalHold", "s3:PutObjectRetention",
                   "s3:RestoreObject"},
                  on}})};
}

std::vector<ConnectorCategory> invoke(std::vector<std::string_view> on = {kDest}) {
  return {write({{{"lambda:InvokeAsync", "lambda:InvokeFunction"}, std::move(on)}})};
}
std::vector<ConnectorCategory> publish() {
  return {write({{{"sns:Publish"}, {kDest}}})};
}
std::vector<ConnectorCategory> put_events() {
  return {write({{{"events:PutEvents"}, {kDest}}})};
}

std::vector<ConnectorProfile> make_profiles() {
  std::vector<ConnectorProfile> all;
  // Event sources whose poller reads with the destination function's role.
  auto stream = policy(kTable, kLambda,
                       {read({{{"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                "dynamodb:GetShardIterator", "dynamodb:ListStreams"},
                               {"%{Source.Arn}/stream/*"}}})});
  stream.source_policy = false;
  stream.depended_by = DependedBy::kDestinationMapping;
  all.push_back(std::move(stream));
  auto queue =
      policy(kQueue, kLambda,
             {write({{{"sqs:DeleteMessage"}, {"%{Source.Arn}"}}}),
              read({{{"sqs:ReceiveMessage", "sqs:GetQueueAttributes"}, {"%{Source.Arn}"}}})});
  queue.source_policy = false;
  queue.depended_by = DependedBy::kDestinationMapping;
  queue.valid = {{"Read", "Write"}};
  all.push_back(std::move(queue));

  // Services calling a function.
  all.push_back(permission(kRule, "events.amazonaws.com", "%{Source.Arn}"));
  all.push_back(permission(kTopic, "sns.amazonaws.com", "%{Source.Arn}"));
  all.push_back(permission(kBucket, "s3.amazonaws.com", "%{Source.Arn}", "${AWS::AccountId}"));
  all.push_back(permission("AWS::ApiGateway::RestApi", "apigateway.amazonaws.com", kExecuteApi));
  all.push_back(permission("AWS::ApiGatewayV2::Api", "apigateway.amazonaws.com", kExecuteApi));
  all.push_back(permission(
      "AWS::AppSync::GraphQLApi", "appsync.amazonaws.com",
      "arn:${AWS::Partition}:appsync:${AWS::Region}:${AWS::AccountId}:apis/%{Source.ResourceId}"));

  // Services sending to a queue or a topic.
  all.push_back(resource_policy(Kind::kQueuePolicy, kRule, kQueue, "events.amazonaws.com",
                                "sqs:SendMessage"));
  all.push_back(
      resource_policy(Kind::kQueuePolicy, kTopic, kQueue, "sns.amazonaws.com", "sqs:SendMessage"));
  all.push_back(
      resource_policy(Kind::kTopicPolicy, kRule, kTopic, "events.amazonaws.com", "sns:Publish"));

  // A rule's target role.
  all.push_back(policy(kRule, kBus, put_events()));
  all.push_back(policy(kRule, kStateMachine, {write({{{"states:StartExecution"}, {kDest}}})}));

  // A function's role.
  all.push_back(policy(kLambda, kLambda, invoke()));
  all.push_back(policy(kLambda, kBucket, bucket_access()));
  all.push_back(policy(kLambda, kTable, table_access()));
  all.push_back(policy(kLambda, kQueue,
                       {read({{{"sqs:ReceiveMessage", "sqs:GetQueueAttributes"}, {kDest}}}),
                        write({{{"sqs:DeleteMessage", "sqs:SendMessage",
                                 "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"},
                                {kDest}}})}));
  all.push_back(policy(kLambda, kTopic, publish()));
  all.push_back(
      policy(kLambda, kStateMachine,
             {write({{{"states:StartExecution", "states:StartSyncExecution"}, {kDest}},
                     {{"states:StopExecution"}, {kExecutions}}}),
              read({{{"states:DescribeStateMachine", "states:ListExecutions"}, {kDest}},
                    {{"states:DescribeExecution", "states:DescribeStateMachineForExecution",
                      "states:GetExecutionHistory"},
                     {kExecutions}}})}));
  all.push_back(policy(kLambda, kBus, put_events()));
  all.push_back(
      policy(kLambda, "AWS::Location::PlaceIndex",
             {read({{{"geo:DescribePlaceIndex", "geo:GetPlace", "geo:SearchPlaceIndexForPosition",
                      "geo:SearchPlaceIndexForSuggestions", "geo:SearchPlaceIndexForText"},
                     {kDest}}})}));

  // A state machine's role.
  all.push_back(policy(kStateMachine, kLambda, invoke()));
  all.push_back(policy(kStateMachine, kTopic, publish()));
  all.push_back(policy(kStateMachine, kQueue, {write({{{"sqs:SendMessage"}, {kDest}}})}));
  all.push_back(policy(kStateMachine, kBucket, bucket_access()));
  all.push_back(policy(kStateMachine, kTable, table_access()));
  auto nested = policy(kStateMachine, kStateMachine,
                       {read({{{"states:DescribeExecution"}, {kExecutions}},
                              {{"events:DescribeRule"}, {kSyncRule}}}),
                        write({{{"states:StartExecution"}, {kDest}},
                               {{"states:StopExecution"}, {kExecutions}},
                               {{"events:PutTargets", "events:PutRule"}, {kSyncRule}}})});
  nested.depended_by = DependedBy::kSource;
  nested.valid = {{"Read"}, {"Read", "Write"}};
  all.push_back(std::move(nested));
  all.push_back(policy(kStateMachine, kBus, put_events()));

  // An AppSync data source's service role.
  all.push_back(policy(kDataSource, kTable, table_access()));
  all.push_back(policy(kDataSource, kLambda, invoke({kDest, "%{Destination.Arn}:*"})));
  all.push_back(policy(kDataSource, kBus, put_events()));
  return all;
}

}  // namespace

const ConnectorProfile* find_connector_profile(std::string_view source,
                                               std::string_view destination) {
  static const std::vector<ConnectorProfile> profiles = make_profiles();
  for (const auto& p : profiles) {
    if (p.source == source && p.destination == destination) return &p;
  }
  return nullptr;
}

}  // namespace nimbus::cfn::sam
