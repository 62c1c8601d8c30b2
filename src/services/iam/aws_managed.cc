// The AWS managed policies that templates and tutorials attach by ARN, with
// their documents (the permissions AWS publishes for them). They exist in
// every account, cannot be changed, and are not stored.
#include "services/iam/entities.h"

namespace nimbus::services::iam {

namespace {

struct Builtin {
  const char* path;
  const char* name;
  const char* id;
  const char* description;
  const char* document;
};

const Builtin kBuiltins[] = {
    {"/", "AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK",
     "Provides full access to AWS services and resources.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})"},
    {"/", "PowerUserAccess", "ANPAJYRXTHIB4FOVS3ZXS",
     "Provides full access to AWS services and resources, but does not allow management of Users "
     "and groups.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]})"},
    {"/", "IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ",
     "Provides full access to IAM via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]})"},
    {"/", "IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ",
     "Provides read only access to IAM via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]})"},
    {"/service-role/", "AWSLambdaBasicExecutionRole", "ANPAJNCQGXC42545SKXIK",
     "Provides write permissions to CloudWatch Logs.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})"},
    {"/service-role/", "AWSLambdaSQSQueueExecutionRole", "ANPAJFWJZI6JNND4TSELK",
     "Provides receive message, delete message, and read attribute access to SQS queues, and write "
     "permissions to CloudWatch logs.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})"},
    {"/service-role/", "AWSLambdaDynamoDBExecutionRole", "ANPAIP7WNAGMIPYNW4WQG",
     "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})"},
    {"/service-role/", "AWSLambdaKinesisExecutionRole", "ANPAJHOLKJPXV4GBRMJUQ",
     "Provides list and read access to Kinesis streams and write permissions to CloudWatch logs.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:DescribeStream","kinesis:DescribeStreamSummary","kinesis:GetRecords","kinesis:GetShardIterator","kinesis:ListShards","kinesis:ListStreams","kinesis:SubscribeToShard","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]})"},
    {"/service-role/", "AWSLambdaRole", "ANPAJX4DPCRGTC4NFDUXI",
     "Default policy for AWS Lambda service role.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:InvokeFunction"],"Resource":["*"]}]})"},
    {"/", "AWSLambdaExecute", "ANPAJE5FX7FQZSU5XAKGO",
     "Provides Put, Get access to S3 and full access to CloudWatch Logs.", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*"],"Resource":"arn:aws:logs:*:*:*"},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::*"}]})"},
    {"/", "AmazonSQSFullAccess", "ANPAI65L554VRJ33ECQS6",
     "Provides full access to Amazon SQS via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:*"],"Resource":"*"}]})"},
    {"/", "AmazonSQSReadOnlyAccess", "ANPAIUGSSQY362XGCM6KW",
     "Provides read only access to Amazon SQS via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ListDeadLetterSourceQueues","sqs:ListQueues","sqs:ListMessageMoveTasks","sqs:ListQueueTags"],"Resource":"*"}]})"},
    {"/", "AmazonSNSFullAccess", "ANPAJWEKLCXXUNT2SOLSG",
     "Provides full access to Amazon SNS via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:*"],"Resource":"*"}]})"},
    {"/", "AmazonSNSReadOnlyAccess", "ANPAIZGQCQTFOFPMHSB6W",
     "Provides read only access to Amazon SNS via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:GetTopicAttributes","sns:List*","sns:CheckIfPhoneNumberIsOptedOut","sns:GetEndpointAttributes","sns:GetDataProtectionPolicy","sns:GetPlatformApplicationAttributes","sns:GetSMSAttributes","sns:GetSMSSandboxAccountStatus","sns:GetSubscriptionAttributes"],"Resource":"*"}]})"},
    {"/", "AmazonDynamoDBFullAccess", "ANPAINUGF2JSOSUY76KYA",
     "Provides full access to Amazon DynamoDB via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","dax:*","application-autoscaling:*","cloudwatch:*","iam:GetRole","iam:ListRoles","kinesis:*","kms:DescribeKey","kms:ListAliases","lambda:*","logs:*","sns:*"],"Resource":"*"}]})"},
    {"/", "AmazonDynamoDBReadOnlyAccess", "ANPAIY2XFNA232XJ6J7X2",
     "Provides read only access to Amazon DynamoDB via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:BatchGetItem","dynamodb:Describe*","dynamodb:List*","dynamodb:GetAbacStatus","dynamodb:GetItem","dynamodb:GetResourcePolicy","dynamodb:Query","dynamodb:Scan","dynamodb:PartiQLSelect","cloudwatch:DescribeAlarms","cloudwatch:GetMetricData","cloudwatch:GetMetricStatistics","cloudwatch:ListMetrics","lambda:ListFunctions","lambda:ListEventSourceMappings","lambda:GetFunctionConfiguration","kinesis:ListStreams","kinesis:DescribeStream","kinesis:DescribeStreamSummary"],"Resource":"*"}]})"},
    {"/", "AmazonS3FullAccess", "ANPAIFIR6V6BVTRAHWINE",
     "Provides full access to all buckets via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]})"},
    {"/", "AmazonS3ReadOnlyAccess", "ANPAIZTJ4DXE7G6AGAE6M",
     "Provides read only access to all buckets via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]})"},
    {"/", "AmazonKinesisFullAccess", "ANPAIVF32HAMOXCUYRAYE",
     "Provides full access to all streams via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]})"},
    {"/", "AmazonKinesisReadOnlyAccess", "ANPAIOCMTDT5RLKZ2CAJO",
     "Provides read only access to all streams via the AWS Management Console.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kinesis:Get*","kinesis:List*","kinesis:Describe*"],"Resource":"*"}]})"},
    {"/", "CloudWatchLogsFullAccess", "ANPAJ3ZGNWK2R5HW5BQFO",
     "Provides full access to CloudWatch Logs",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:*","cloudwatch:GenerateQuery"],"Resource":"*"}]})"},
    {"/", "CloudWatchLogsReadOnlyAccess",
     "ANPAJ2YIYDYSNNEHK3VKW", "Provides read only access to CloudWatch Logs", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:Describe*","logs:Get*","logs:List*","logs:StartQuery","logs:StopQuery","logs:TestMetricFilter","logs:FilterLogEvents","logs:StartLiveTail","logs:StopLiveTail","cloudwatch:GenerateQuery"],"Resource":"*"}]})"},
    {"/", "AmazonEventBridgeFullAccess", "ANPAZKAPJZG4ONVQVFE6Y",
     "Provides full access to Amazon EventBridge.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["events:*","schemas:*","scheduler:*","pipes:*"],"Resource":"*"}]})"},
    {"/", "AWSStepFunctionsFullAccess", "ANPAJXKA6VP3UFBVHDPPA",
     "An access policy for providing a user/role/etc access to the AWS StepFunctions API.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]})"},
    {"/", "AWSXRayDaemonWriteAccess", "ANPAIOE47HSUE5AVBNEDM",
     "Allow the AWS X-Ray Daemon to relay raw trace segments data to the service's API and "
     "retrieve sampling data (rules, targets, etc.) to be used by the X-Ray SDK.",
     R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:PutTelemetryRecords","xray:GetSamplingRules","xray:GetSamplingTargets","xray:GetSamplingStatisticSummaries"],"Resource":["*"]}]})"},
};

Table<ManagedPolicy> build() {
  Table<ManagedPolicy> out;
  for (const Builtin& b : kBuiltins) {
    ManagedPolicy p;
    p.name = b.name;
    p.id = b.id;
    p.path = b.path;
    p.arn = std::string("arn:aws:iam::aws:policy") + b.path + b.name;
    p.description = b.description;
    p.created = 1423180800;  // 2015-02-06, when AWS published the first ones
    p.updated = p.created;
    p.versions[1] = PolicyVersion{b.document, p.created};
    p.aws_managed = true;
    std::string arn = p.arn;
    out[arn] = std::make_shared<ManagedPolicy>(std::move(p));
  }
  return out;
}

}  // namespace

const Table<ManagedPolicy>& aws_managed_policies() {
  static const Table<ManagedPolicy> table = build();
  return table;
}

}  // namespace nimbus::services::iam
