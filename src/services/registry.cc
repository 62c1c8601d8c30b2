#include "services/registry.h"

#include <spdlog/spdlog.h>

#include "services/apigateway/apigateway_service.h"
#include "services/apigateway/apigatewayv2_service.h"
#include "services/cloudformation/cloudformation_service.h"
#include "services/cloudwatch/cloudwatch_service.h"
#include "services/dynamodb/dynamodb_service.h"
#include "services/dynamodbstreams/dynamodbstreams_service.h"
#include "services/events/events_service.h"
#include "services/firehose/firehose_service.h"
#include "services/iam/iam_service.h"
#include "services/iam/role_check.h"
#include "services/in_process.h"
#include "services/kinesis/kinesis_service.h"
#include "services/lambda/lambda_service.h"
#include "services/logs/logs_service.h"
#include "services/resource_info.h"
#include "services/s3/s3_service.h"
#include "services/scheduler/scheduler_service.h"
#include "services/scheduler/universal_target.h"
#include "services/sns/sns_service.h"
#include "services/sqs/sqs_service.h"
#include "services/stepfunctions/stepfunctions_service.h"
#include "services/sts/sts_service.h"

namespace nimbus::services {

Registry::Registry(Environment& env) {
  // Operations called in-process (CloudFormation's resources, Step
  // Functions' tasks, Scheduler's universal target): reads services_ on each
  // call, so made before them.
  auto in_process = std::make_unique<InProcessCalls>(services_);
  InProcessCalls& in_process_calls = *in_process;
  calls_ = std::move(in_process);
  // IAM first: it holds the keys every request is verified with.
  iam_ = &add(std::make_unique<iam::IamService>(env)).directory();
  // Step Functions' tasks are authorized as the state machine's role, on
  // the keys their calls set, as a client's same call is (dynamodb:LeadingKeys
  // from the item's key, the input's keys through use_condition_keys).
  in_process_calls.use_iam(iam_);
  in_process_calls.use_request_keys([this](const Service& service, std::string_view operation,
                                           const CallContext& ctx, const boost::json::object& input,
                                           iam::RoleAccessRequest& request) {
    if (condition_keys_) request.keys = condition_keys_(ctx.service, operation, input);
    request.resource_keys = [&service, operation, &ctx, &input](const std::string& arn,
                                                                KeyPairs& out) {
      resource_keys(service, operation, input, arn, ctx, out);
    };
  });
  add(std::make_unique<sts::StsService>(env, iam_));
  add(std::make_unique<sqs::SqsService>(env));
  auto& ddb = add(std::make_unique<dynamodb::DynamoDbService>(env));
  add(std::make_unique<dynamodbstreams::DynamoDbStreamsService>(env, &ddb.streams()));
  add(std::make_unique<kinesis::KinesisService>(env));
  auto& logs = add(std::make_unique<logs::LogsService>(env));
  // CloudWatch metrics, before Lambda: it publishes the AWS/Lambda metrics.
  auto& metrics = add(std::make_unique<cloudwatch::CloudWatchService>(env));
  // Lambda writes function logs through CloudWatch Logs' LogWriter (api.h);
  // it is destroyed first, while its environments may still log.
  auto& lambda = add(std::make_unique<lambda::LambdaService>(
      env, &logs.writer(), lambda::LambdaOptions::from(env.settings)));
  lambda.use_execution_roles(*iam_);
  lambda.use_metrics(&metrics.publisher());
  // API Gateway invokes functions through Lambda's Functions (api.h); the
  // HTTP API service serves the invoke address for both kinds of API.
  // AWS integrations to the other services call them in-process.
  auto& rest = add(std::make_unique<apigateway::RestApiService>(env, &lambda));
  // Their stages' access logs go through CloudWatch Logs' LogWriter.
  rest.use_calls(calls_.get());
  rest.use_logs(&logs.writer());
  auto& http_apis = add(std::make_unique<apigateway::HttpApiService>(env, &lambda, &rest));
  http_apis.use_calls(calls_.get());
  http_apis.use_logs(&logs.writer());
  // SNS writes what it would send by SMS, and delivery-status records, to
  // CloudWatch Logs (LogWriter); it delivers to Firehose as the
  // subscription's SubscriptionRoleArn, and logs delivery status as the
  // topic's feedback role.
  auto& sns_deliveries = add(std::make_unique<sns::SnsService>(env, &logs.writer())).deliveries();
  sns_deliveries.set_role_check(iam::role_check(*iam_, "sns.amazonaws.com"));
  sns_deliveries.set_feedback_check(
      iam::role_permission_check(*iam_, "sns.amazonaws.com", "logs:PutLogEvents"));
  // EventBridge and Scheduler deliver to targets as the RoleArn they are
  // given (under --iam enforce: the role's trust and policies decide).
  auto& events = add(std::make_unique<eventbridge::EventsService>(env));
  events.engine().set_role_check(iam::role_check(*iam_, "events.amazonaws.com"));
  // Scheduler's universal target calls the others' operations in-process.
  auto& schedules = add(std::make_unique<scheduler::SchedulerService>(
      env, [calls = calls_.get()](std::string_view model, std::string_view operation,
                                  CallContext ctx, boost::json::object input, Respond respond) {
        calls->call(model, operation, std::move(ctx), std::move(input), std::move(respond));
      }));
  // A universal target's call is decided as the schedule's role too.
  schedules.engine().set_role_check(scheduler::role_check(
      iam::role_check(*iam_, "scheduler.amazonaws.com"), *calls_, env.settings));
  // Its dead-letter queues' outcomes are AWS/Scheduler metrics.
  schedules.engine().use_metrics(&metrics.publisher());
  auto& s3 = add(std::make_unique<s3::S3Service>(env));
  // Step Functions' Task states invoke functions through Lambda's Functions
  // and call the other services' operations in-process; a distributed Map
  // reads its items and writes its results through S3's ObjectReader and
  // ObjectWriter (api.h). Destroyed before S3.
  auto& sfn = add(std::make_unique<sfn::StepFunctionsService>(env, &lambda, calls_.get()));
  sfn.use_objects(s3.reader(), s3.writer());
  // Its HTTP Tasks send their requests through EventBridge's connections
  // (api.h); EventBridge is destroyed after it.
  sfn.use_connections(events.invoker());
  // Its API Gateway tasks reach the APIs in process (Environment::user_apis),
  // signed with a role session IAM mints when AuthType is IAM_ROLE.
  sfn.use_roles(*iam_);
  // Lambda reads code named by S3Bucket/S3Key through S3's ObjectReader
  // (api.h); S3 is destroyed first, after the edge stopped asking.
  lambda.use_code_objects(s3.reader());
  // Firehose writes objects through S3's ObjectWriter (api.h) and runs Lambda
  // processing through Lambda's Functions; destroyed first.
  // Its objects are written as the stream's RoleARN.
  // A role that does not trust Firehose is told apart (AssumeRoleAccessDenied).
  add(std::make_unique<firehose::FirehoseService>(env, &s3.writer(), &lambda))
      .engine()
      .set_role_check(iam::role_check(*iam_, "firehose.amazonaws.com"),
                      [iam = iam_](const std::string& role) {
                        return iam->trusted_by(role, "firehose.amazonaws.com");
                      });
  // CloudFormation creates resources through the others' operations.
  add(std::make_unique<cloudformation::CloudFormationService>(env, calls_.get()));
  for (auto& s : services_) s->bind(env.targets);
  // aws:ResourceTag/KEY and the resource policies services acting as a
  // role meet: from the service each ARN names (resource_info.h).
  iam_->use_resource_tags([this, &settings = env.settings](const std::string& arn) {
    const Service* service = of_arn(arn);
    return service ? resource_tags(*service, arn, settings) : KeyPairs{};
  });
  iam_->use_resource_policies([this](const std::string& arn) {
    const Service* service = of_arn(arn);
    return service ? service->resource_policy(arn) : std::string();
  });
}

const Service* Registry::of_arn(std::string_view arn) const {
  if (!arn.starts_with("arn:")) return nullptr;
  std::string_view rest = arn.substr(4);
  rest = rest.substr(rest.find(':') + 1);  // after the partition
  std::string_view prefix = rest.substr(0, rest.find(':'));
  return find(prefix == "states" ? std::string_view("stepfunctions") : prefix);
}

Registry::~Registry() {
  while (!services_.empty()) services_.pop_back();
}

Status Registry::start() {
  for (auto& s : services_) {
    if (auto st = s->start(); !st) {
      return Error::internal("could not start " + s->model_name() + ": " + st.error().message);
    }
    spdlog::debug("{}: started", s->model_name());
  }
  return Status::ok();
}

Service* Registry::find(std::string_view model_name) const {
  for (const auto& s : services_) {
    if (s->model_name() == model_name) return s.get();
  }
  return nullptr;
}

std::vector<std::string> Registry::model_names() const {
  std::vector<std::string> out;
  for (const auto& s : services_) out.push_back(s->model_name());
  return out;
}

}  // namespace nimbus::services
