// SAM policy templates (the documents are SAM's published ones) and AWS
// managed policy names. A template's statements name its parameters as
// {"Ref": "<Parameter>"}; expanding replaces each with the value given.
#include <algorithm>
#include <array>
#include <string>

#include "services/cloudformation/sam/expansion.h"

namespace nimbus::cfn::sam {

namespace {

struct PolicyTemplate {
  std::string_view name;
  std::string_view statements;  // a JSON array
};

// ${AWS::Partition}-relative ARNs built with Fn::Sub and a variable map whose
// values are the template's parameters.
constexpr std::
    array<PolicyTemplate, 14>
        kTemplates{
            {
                {"SQSPollerPolicy",
                 R"([{"Effect":"Allow","Action":["sqs:ChangeMessageVisibility","sqs:ChangeMessageVisibilityBatch","sqs:DeleteMessage","sqs:DeleteMessageBatch","sqs:GetQueueAttributes","sqs:ReceiveMessage"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}",{"queueName":{"Ref":"QueueName"}}]}}])"},
                {"SQSSendMessagePolicy",
                 R"([{"Effect":"Allow","Action":["sqs:SendMessage*"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${queueName}",{"queueName":{"Ref":"QueueName"}}]}}])"},
                {"LambdaInvokePolicy",
                 R"([{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*",{"functionName":{"Ref":"FunctionName"}}]}}])"},
                {"DynamoDBCrudPolicy",
                 R"([{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:DeleteItem","dynamodb:PutItem","dynamodb:Scan","dynamodb:Query","dynamodb:UpdateItem","dynamodb:BatchWriteItem","dynamodb:BatchGetItem","dynamodb:DescribeTable","dynamodb:ConditionCheckItem"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",{"tableName":{"Ref":"TableName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",{"tableName":{"Ref":"TableName"}}]}]}])"},
                {"DynamoDBReadPolicy",
                 R"([{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Scan","dynamodb:Query","dynamodb:BatchGetItem","dynamodb:DescribeTable"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",{"tableName":{"Ref":"TableName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",{"tableName":{"Ref":"TableName"}}]}]}])"},
                {"DynamoDBWritePolicy",
                 R"([{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:UpdateItem","dynamodb:BatchWriteItem"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}",{"tableName":{"Ref":"TableName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/index/*",{"tableName":{"Ref":"TableName"}}]}]}])"},
                {"DynamoDBStreamReadPolicy",
                 R"([{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/stream/${streamName}",{"tableName":{"Ref":"TableName"},"streamName":{"Ref":"StreamName"}}]}},{"Effect":"Allow","Action":["dynamodb:ListStreams"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${tableName}/stream/*",{"tableName":{"Ref":"TableName"}}]}}])"},
                {"S3ReadPolicy",
                 R"([{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation","s3:GetObjectVersion","s3:GetLifecycleConfiguration"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}",{"bucketName":{"Ref":"BucketName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}/*",{"bucketName":{"Ref":"BucketName"}}]}]}])"},
                {"S3WritePolicy",
                 R"([{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl","s3:PutLifecycleConfiguration"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}",{"bucketName":{"Ref":"BucketName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}/*",{"bucketName":{"Ref":"BucketName"}}]}]}])"},
                {"S3CrudPolicy", R"([{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:GetBucketLocation","s3:GetObjectVersion","s3:PutObject","s3:PutObjectAcl","s3:GetLifecycleConfiguration","s3:PutLifecycleConfiguration","s3:DeleteObject"],"Resource":[{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}",{"bucketName":{"Ref":"BucketName"}}]},{"Fn::Sub":["arn:${AWS::Partition}:s3:::${bucketName}/*",{"bucketName":{"Ref":"BucketName"}}]}]}])"},
                {"SNSPublishMessagePolicy",
                 R"([{"Effect":"Allow","Action":["sns:Publish"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${topicName}",{"topicName":{"Ref":"TopicName"}}]}}])"},
                {"StepFunctionsExecutionPolicy",
                 R"([{"Effect":"Allow","Action":["states:StartExecution"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${stateMachineName}",{"stateMachineName":{"Ref":"StateMachineName"}}]}}])"},
                {"KinesisStreamReadPolicy",
                 R"([{"Effect":"Allow","Action":["kinesis:ListStreams","kinesis:DescribeLimits"],"Resource":{"Fn::Sub":"arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/*"}},{"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator"],"Resource":{"Fn::Sub":["arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/${streamName}",{"streamName":{"Ref":"StreamName"}}]}}])"},
                {"EventBridgePutEventsPolicy",
                 R"([{"Effect":"Allow","Action":"events:PutEvents","Resource":{"Fn::Sub":["arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${eventBusName}",{"eventBusName":{"Ref":"EventBusName"}}]}}])"},
            }};

// Replaces each {"Ref": P} naming a parameter with its value; collects the
// parameters without one.
void bind(json::value& v, const json::object& params, std::vector<std::string>& missing) {
  if (v.is_array()) {
    for (auto& item : v.as_array()) bind(item, params, missing);
    return;
  }
  if (!v.is_object()) return;
  std::string target = ref_target(v);
  if (!target.empty()) {
    if (const auto* given = params.if_contains(target)) {
      v = *given;
    } else if (std::find(missing.begin(), missing.end(), target) == missing.end()) {
      missing.push_back(target);
    }
    return;
  }
  for (auto& [k, item] : v.as_object()) bind(item, params, missing);
}

const PolicyTemplate* find(std::string_view name) {
  for (const auto& t : kTemplates) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace

bool is_policy_template(std::string_view name) {
  return find(name) != nullptr;
}

Result<json::object> policy_template(std::string_view owner, std::string_view name,
                                     const json::value& params) {
  const auto* t = find(name);
  if (t == nullptr || !params.is_object()) {
    return invalid_resource(owner, "Must specify valid parameter values for policy template '" +
                                       std::string(name) + "'");
  }
  json::value statements = json::parse(t->statements);
  std::vector<std::string> missing;
  bind(statements, params.as_object(), missing);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "'" : ", '") + m + "'";
    return invalid_resource(owner, "Following required parameters of template '" +
                                       std::string(name) + "' don't have values: [" + list + "]");
  }
  return json::object{{"Statement", std::move(statements)}};
}

json::string managed_policy_arn(std::string_view name) {
  if (name.starts_with("arn:")) return json::string(name);
  // The AWS managed policies that live under service-role/.
  static constexpr std::array<std::string_view, 9> kServiceRole{
      "AWSLambdaBasicExecutionRole",
      "AWSLambdaRole",
      "AWSLambdaVPCAccessExecutionRole",
      "AWSLambdaKinesisExecutionRole",
      "AWSLambdaDynamoDBExecutionRole",
      "AWSLambdaSQSQueueExecutionRole",
      "AWSLambdaENIManagementAccess",
      "AWSLambdaMSKExecutionRole",
      "AWSLambdaBasicDurableExecutionRolePolicy"};
  for (auto s : kServiceRole) {
    if (s == name) return json::string("arn:aws:iam::aws:policy/service-role/" + std::string(name));
  }
  // AWS's own policies by their naming; SAM knows them from a list, and
  // passes any other name on as written.
  static constexpr std::array<std::string_view, 7> kOther{
      "AdministratorAccess",
      "ReadOnlyAccess",
      "PowerUserAccess",
      "IAMFullAccess",
      "IAMReadOnlyAccess",
      "SecretsManagerReadWrite",
      "ResourceGroupsandTagEditorReadOnlyAccess"};
  bool aws = name.starts_with("AWS") || name.starts_with("Amazon") ||
             name.starts_with("CloudWatch") ||
             std::find(kOther.begin(), kOther.end(), name) != kOther.end();
  if (!aws) return json::string(name);
  return json::string("arn:aws:iam::aws:policy/" + std::string(name));
}

}  // namespace nimbus::cfn::sam
