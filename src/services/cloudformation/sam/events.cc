#include "services/cloudformation/sam/events.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/json_fields.h"

namespace nimbus::cfn::sam {

namespace {

struct Event {
  std::string_view function_id, event_id;
  std::string id;  // <Function><Event>
  const json::object& props;
  std::string condition;
  const json::value& fn_ref;
  const json::value& fn_arn;
};

json::object permission(const Event& e, std::string_view principal) {
  return json::object{
      {"Action", "lambda:InvokeFunction"}, {"FunctionName", e.fn_ref}, {"Principal", principal}};
}

const json::value* required(const Event& e, std::string_view key, Status& st) {
  const auto* v = e.props.if_contains(key);
  if (v == nullptr || v->is_null()) {
    st = invalid_event(e.function_id, e.event_id,
                       "Missing required property '" + std::string(key) + "'.");
  }
  return v;
}

// SQS, Kinesis, DynamoDB -> AWS::Lambda::EventSourceMapping.
Status mapping(const Event& e, std::string_view source_key, Expansion& x) {
  Status st;
  const auto* source = required(e, source_key, st);
  if (source == nullptr) return st;
  json::object props;
  copy(props, e.props,
       {"BatchSize", "BisectBatchOnFunctionError", "DestinationConfig", "Enabled", "FilterCriteria",
        "FunctionResponseTypes", "MaximumBatchingWindowInSeconds", "MaximumRecordAgeInSeconds",
        "MaximumRetryAttempts", "ParallelizationFactor", "ScalingConfig", "StartingPosition",
        "StartingPositionTimestamp", "TumblingWindowInSeconds", "KmsKeyArn", "MetricsConfig",
        "ProvisionedPollerConfig"});
  props["EventSourceArn"] = *source;
  props["FunctionName"] = e.fn_ref;
  if (source_key == "Stream" && !props.contains("StartingPosition")) {
    return invalid_event(e.function_id, e.event_id,
                         "Missing required property 'StartingPosition'.");
  }
  x.add(e.id, resource("AWS::Lambda::EventSourceMapping", std::move(props)), e.condition);
  return Status::ok();
}

// The secrets a poller reads its credentials from (SourceAccessConfigurations
// of an *_AUTH type), and whether it reaches into a VPC.
json::array secret_statements(const json::object& props, bool& vpc) {
  json::array out;
  const auto* configs = props.if_contains("SourceAccessConfigurations");
  if (configs == nullptr || !configs->is_array()) return out;
  for (const auto& c : configs->as_array()) {
    if (!c.is_object()) continue;
    std::string type = str(c.as_object(), "Type");
    const auto* uri = c.as_object().if_contains("URI");
    if (type.starts_with("VPC_")) vpc = true;
    if (uri != nullptr && (type.ends_with("_AUTH") || type == "SERVER_ROOT_CA_CERTIFICATE")) {
      out.push_back(allow(json::array{"secretsmanager:GetSecretValue"}, *uri));
    }
  }
  return out;
}

json::object eni_statement() {
  return allow(json::array{"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                           "ec2:DeleteNetworkInterface", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
                           "ec2:DescribeSecurityGroups"},
               "*");
}

// SAM's checks of a broker or Kafka source's SourceAccessConfigurations
// and Topics; "" when they hold.
std::string broker_problem(const json::object& props, std::string_view type) {
  if (const auto* k = props.if_contains("SecretsManagerKmsKeyId"); k && !k->is_string()) {
    return "Property 'SecretsManagerKmsKeyId' should be a string.";
  }
  if (const auto* r = props.if_contains("SchemaRegistryConfig"); r && r->is_object()) {
    if (!r->as_object().contains("EventRecordFormat")) {
      return "Missing required field EventRecordFormat in SchemaRegistryConfig";
    }
  }
  const auto* configs = props.if_contains("SourceAccessConfigurations");
  if (configs != nullptr && !configs->is_array()) {
    return "Type of property 'SourceAccessConfigurations' is invalid.";
  }
  std::string_view what = type == "MQ"           ? "Amazon MQ event"
                          : type == "DocumentDB" ? "Amazon DocumentDB event"
                                                 : "self managed kafka event";
  if (type == "MSK") return "";
  if (configs == nullptr)
    return "No SourceAccessConfigurations for " + std::string(what) + " provided.";
  int basic = 0, basic_uri = 0, auth = 0, subnet = 0, group = 0;
  for (const auto& c : configs->as_array()) {
    std::string t = c.is_object() ? str(c.as_object(), "Type") : "";
    bool has_uri = c.is_object() && c.as_object().contains("URI");
    if (type == "MQ" && t != "BASIC_AUTH" && t != "VIRTUAL_HOST") {
      return "Invalid property Type specified in SourceAccessConfigurations. The supported values "
             "are: ['BASIC_AUTH', 'VIRTUAL_HOST'].";
    }
    if (type == "DocumentDB" && t != "BASIC_AUTH") {
      return "Invalid property Type specified in SourceAccessConfigurations. The supported values "
             "are: ['BASIC_AUTH'].";
    }
    basic += t == "BASIC_AUTH" ? 1 : 0;
    basic_uri += t == "BASIC_AUTH" && has_uri ? 1 : 0;
    auth += t.ends_with("_AUTH") ? 1 : 0;
    subnet += t == "VPC_SUBNET" ? 1 : 0;
    group += t == "VPC_SECURITY_GROUP" ? 1 : 0;
  }
  if (type == "SelfManagedKafka") {
    const auto* topics = props.if_contains("Topics");
    if (topics == nullptr) return "No Topics provided for self managed kafka as an event source";
    if (topics->is_array() && topics->as_array().size() != 1) {
      return "Topics for self managed kafka only supports single configuration entry.";
    }
    if (auth > 1) {
      return "Multiple auth mechanism properties specified in SourceAccessConfigurations for self "
             "managed kafka event.";
    }
    if ((subnet > 0) != (group > 0)) {
      return "VPC_SUBNET and VPC_SECURITY_GROUP in SourceAccessConfigurations for SelfManagedKafka "
             "must be both provided.";
    }
    return "";
  }
  if (basic == 0) return "No BASIC_AUTH property specified in SourceAccessConfigurations.";
  if (basic > 1) return "Multiple BASIC_AUTH properties specified in SourceAccessConfigurations.";
  if (basic_uri == 0) return "No BASIC_AUTH URI property specified in SourceAccessConfigurations.";
  return "";
}

// MSK, MQ, SelfManagedKafka and DocumentDB -> an event source mapping whose
// source is named by each type's own properties, and the role statements
// (secrets, broker, ENIs) each needs.
Status broker(const Event& e, std::string_view type, Expansion& x, json::array& policies) {
  if (std::string problem = broker_problem(e.props, type); !problem.empty()) {
    return invalid_event(e.function_id, e.event_id, problem);
  }
  json::object props;
  copy(props, e.props,
       {"BatchSize", "Enabled", "FilterCriteria", "MaximumBatchingWindowInSeconds",
        "SourceAccessConfigurations", "StartingPosition", "StartingPositionTimestamp", "Topics",
        "Queues", "DestinationConfig", "ProvisionedPollerConfig", "KmsKeyArn", "MetricsConfig",
        "SchemaRegistryConfig"});
  props["FunctionName"] = e.fn_ref;
  Status st;
  bool vpc = false;
  json::array statements = secret_statements(e.props, vpc);
  std::string policy_name;
  if (type == "MSK") {
    const auto* stream = required(e, "Stream", st);
    if (stream == nullptr) return st;
    props["EventSourceArn"] = *stream;
    if (const auto* g = e.props.if_contains("ConsumerGroupId")) {
      props["AmazonManagedKafkaEventSourceConfig"] = json::object{{"ConsumerGroupId", *g}};
    }
    policies.push_back(managed_policy_arn("AWSLambdaMSKExecutionRole"));
  } else if (type == "MQ") {
    const auto* b = required(e, "Broker", st);
    if (b == nullptr) return st;
    props["EventSourceArn"] = *b;
    statements.push_back(allow(json::array{"mq:DescribeBroker"}, *b));
    policy_name = "SamAutoGeneratedAMQPolicy";
    if (const auto* n = e.props.if_contains("DynamicPolicyName");
        n && n->is_bool() && n->as_bool()) {
      policy_name = e.id + "AMQPolicy";
    }
  } else if (type == "SelfManagedKafka") {
    const auto* servers = required(e, "KafkaBootstrapServers", st);
    if (servers == nullptr) return st;
    props["SelfManagedEventSource"] =
        json::object{{"Endpoints", json::object{{"KafkaBootstrapServers", *servers}}}};
    if (const auto* g = e.props.if_contains("ConsumerGroupId")) {
      props["SelfManagedKafkaEventSourceConfig"] = json::object{{"ConsumerGroupId", *g}};
    }
    if (vpc) statements.push_back(eni_statement());
    policy_name = "SelfManagedKafkaExecutionRolePolicy";
  } else {  // DocumentDB
    const auto* cluster = required(e, "Cluster", st);
    if (cluster == nullptr) return st;
    props["EventSourceArn"] = *cluster;
    json::object config;
    copy(config, e.props, {"CollectionName", "DatabaseName", "FullDocument"});
    props["DocumentDBEventSourceConfig"] = std::move(config);
    statements.push_back(allow(json::array{"rds:DescribeDBClusters"}, *cluster));
    statements.push_back(eni_statement());
    policy_name = "SamAutoGeneratedDocumentDBPolicy";
  }
  x.add(e.id, resource("AWS::Lambda::EventSourceMapping", std::move(props)), e.condition);
  if (!policy_name.empty() && !statements.empty()) {
    policies.push_back(json::object{
        {"PolicyName", policy_name},
        {"PolicyDocument",
         json::object{{"Version", "2012-10-17"}, {"Statement", std::move(statements)}}}});
  }
  return Status::ok();
}

// SNS: a subscription and a permission; with SqsSubscription the topic
// delivers to a queue (made here unless QueueArn names one) which the
// function polls.
Status sns(const Event& e, Expansion& x, bool& polls) {
  Status st;
  const auto* topic = required(e, "Topic", st);
  if (topic == nullptr) return st;
  const auto* via_sqs = e.props.if_contains("SqsSubscription");
  bool queued =
      via_sqs != nullptr && (via_sqs->is_object() || (via_sqs->is_bool() && via_sqs->as_bool()));
  json::value endpoint = e.fn_arn;
  if (queued) {
    static const json::object none;
    const json::object& q = via_sqs->is_object() ? via_sqs->as_object() : none;
    json::value queue_arn, queue_url;
    if (const auto* arn = q.if_contains("QueueArn")) {
      queue_arn = *arn;
      queue_url = q.contains("QueueUrl") ? q.at("QueueUrl") : json::value();
    } else {
      std::string queue_id = e.id + "Queue";
      x.add(queue_id, resource("AWS::SQS::Queue", {}), e.condition);
      queue_arn = get_att(queue_id, "Arn");
      queue_url = ref_to(queue_id);
    }
    std::string policy_id = str(q, "QueuePolicyLogicalId");
    if (policy_id.empty()) policy_id = e.id + "QueuePolicy";
    json::object statement{
        {"Action", "sqs:SendMessage"},
        {"Condition", json::object{{"ArnEquals", json::object{{"aws:SourceArn", *topic}}}}},
        {"Effect", "Allow"},
        {"Principal", "*"},
        {"Resource", queue_arn}};
    x.add(policy_id, queue_policy(queue_url, std::move(statement)), e.condition);
    json::object mapping{
        {"BatchSize", q.contains("BatchSize") ? q.at("BatchSize") : json::value(10)},
        {"Enabled", q.contains("Enabled") ? q.at("Enabled") : json::value(true)},
        {"EventSourceArn", queue_arn},
        {"FunctionName", e.fn_ref}};
    x.add(e.id + "EventSourceMapping",
          resource("AWS::Lambda::EventSourceMapping", std::move(mapping)), e.condition);
    endpoint = queue_arn;
    polls = true;
  }
  json::object sub{
      {"Endpoint", endpoint}, {"Protocol", queued ? "sqs" : "lambda"}, {"TopicArn", *topic}};
  copy(sub, e.props, {"Region", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"});
  x.add(e.id, resource("AWS::SNS::Subscription", std::move(sub)), e.condition);
  if (queued) return Status::ok();
  json::object perm = permission(e, "sns.amazonaws.com");
  perm["SourceArn"] = *topic;
  x.add(e.id + "Permission", resource("AWS::Lambda::Permission", std::move(perm)), e.condition);
  return Status::ok();
}

// S3: a permission, and the bucket (declared in this template) gets a
// LambdaConfiguration per event and depends on the permission.
Status s3(const Event& e, Expansion& x) {
  Status st;
  const auto* bucket = required(e, "Bucket", st);
  if (bucket == nullptr) return st;
  const auto* events = required(e, "Events", st);
  if (events == nullptr) return st;
  std::string bucket_id = ref_target(*bucket);
  if (bucket_id.empty() || x.type_of(bucket_id) != "AWS::S3::Bucket") {
    return invalid_event(e.function_id, e.event_id,
                         "S3 events must reference an S3 bucket in the same template.");
  }
  std::string perm_id = e.id + "Permission";
  json::object perm = permission(e, "s3.amazonaws.com");
  perm["SourceAccount"] = ref_to("AWS::AccountId");
  x.add(perm_id, resource("AWS::Lambda::Permission", std::move(perm)), e.condition);

  auto& res = x.output[bucket_id].as_object();  // copied before any function
  auto& depends = res["DependsOn"];
  if (depends.is_string()) depends = json::array{depends};
  if (!depends.is_array()) depends = json::array{};
  depends.as_array().push_back(json::string(perm_id));
  auto& props = res["Properties"];
  if (!props.is_object()) props = json::object{};
  auto& notif = props.as_object()["NotificationConfiguration"];
  if (!notif.is_object()) notif = json::object{};
  auto& configs = notif.as_object()["LambdaConfigurations"];
  if (!configs.is_array()) configs = json::array{};
  json::array list = events->is_array() ? events->as_array() : json::array{*events};
  for (const auto& ev : list) {
    json::object c{{"Event", ev}, {"Function", e.fn_arn}};
    if (const auto* f = e.props.if_contains("Filter")) c["Filter"] = *f;
    configs.as_array().push_back(std::move(c));
  }
  return Status::ok();
}

// Schedule, CloudWatchEvent, EventBridgeRule -> AWS::Events::Rule with the
// function as target, and the permission for events.amazonaws.com.
Status rule(const Event& e, bool schedule, Expansion& x) {
  json::object props;
  Status st;
  if (schedule) {
    const auto* expr = required(e, "Schedule", st);
    if (expr == nullptr) return st;
    props["ScheduleExpression"] = *expr;
    if (e.props.contains("State") && e.props.contains("Enabled")) {
      return invalid_event(e.function_id, e.event_id,
                           "State and Enabled Properties cannot both be specified.");
    }
    if (const auto* enabled = e.props.if_contains("Enabled"); enabled && enabled->is_bool()) {
      props["State"] = enabled->as_bool() ? "ENABLED" : "DISABLED";
    }
  } else {
    if (e.props.contains("State") && e.props.contains("Enabled")) {
      return invalid_event(e.function_id, e.event_id,
                           "State and Enabled Properties cannot both be specified.");
    }
    const auto* pattern = required(e, "Pattern", st);
    if (pattern == nullptr) return st;
    props["EventPattern"] = *pattern;
    copy(props, e.props, {"EventBusName"});
  }
  copy(props, e.props, {"Description", "Name", "State", "RoleArn"});
  json::object target{{"Arn", e.fn_arn}, {"Id", e.id + "LambdaTarget"}};
  copy(target, e.props, {"Input", "InputPath", "InputTransformer", "RetryPolicy"});
  if (const auto* t = e.props.if_contains("Target"); t != nullptr && t->is_object()) {
    if (const auto* tid = t->as_object().if_contains("Id")) target["Id"] = *tid;
  }
  auto dlq = rule_dead_letter(e.function_id, e.event_id, e.id, e.props, e.condition, x);
  if (!dlq) return dlq.take_error();
  if (!dlq->is_null()) target["DeadLetterConfig"] = std::move(*dlq);
  props["Targets"] = json::array{std::move(target)};
  x.add(e.id, resource("AWS::Events::Rule", std::move(props)), e.condition);
  json::object perm = permission(e, "events.amazonaws.com");
  perm["SourceArn"] = get_att(e.id, "Arn");
  x.add(e.id + "Permission", resource("AWS::Lambda::Permission", std::move(perm)), e.condition);
  return Status::ok();
}

Status schedule_v2(const Event& e, Expansion& x) {
  return expand_schedule_v2(e.id, e.props, e.fn_arn, "lambda:InvokeFunction", "LambdaPolicy",
                            e.condition, x);
}

// CloudWatchLogs -> AWS::Logs::SubscriptionFilter and its permission.
Status logs(const Event& e, Expansion& x) {
  Status st;
  const auto* group = required(e, "LogGroupName", st);
  if (group == nullptr) return st;
  const auto* pattern = required(e, "FilterPattern", st);
  if (pattern == nullptr) return st;
  std::string perm_id = e.id + "Permission";
  json::object perm = permission(e, "logs.amazonaws.com");
  perm["SourceArn"] =
      sub("arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:${__LogGroupName__}:*",
          json::object{{"__LogGroupName__", *group}});
  x.add(perm_id, resource("AWS::Lambda::Permission", std::move(perm)), e.condition);
  json::object filter =
      resource("AWS::Logs::SubscriptionFilter", json::object{{"DestinationArn", e.fn_arn},
                                                             {"FilterPattern", *pattern},
                                                             {"LogGroupName", *group}});
  filter["DependsOn"] = json::array{json::string(perm_id)};
  x.add(e.id, std::move(filter), e.condition);
  return Status::ok();
}

}  // namespace

Result<json::value> rule_dead_letter(std::string_view owner, std::string_view event_id,
                                     const std::string& rule_id, const json::object& props,
                                     const std::string& condition, Expansion& x) {
  const auto* dlq = props.if_contains("DeadLetterConfig");
  if (dlq == nullptr || !dlq->is_object()) return json::value();
  const auto& d = dlq->as_object();
  const auto* arn = d.if_contains("Arn");
  const auto* type = d.if_contains("Type");
  if (arn != nullptr && type != nullptr) {
    return invalid_event(owner, event_id,
                         "You can either define 'Arn' or 'Type' property of DeadLetterConfig.");
  }
  if (arn != nullptr) return json::value(json::object{{"Arn", *arn}});
  if (type == nullptr) {
    return invalid_event(owner, event_id,
                         "No 'Arn' or 'Type' property provided for DeadLetterConfig.");
  }
  if (*type != "SQS") {
    return invalid_event(owner, event_id,
                         "The only valid value for 'Type' property of DeadLetterConfig is 'SQS'.");
  }
  // A queue made for the rule, which only the rule may send to.
  std::string queue_id = rule_id + "Queue";
  if (const auto* q = d.if_contains("QueueLogicalId")) {
    if (!q->is_string()) return invalid_event(owner, event_id, "QueueLogicalId must be a string");
    queue_id = std::string(q->as_string());
  }
  x.add(queue_id, resource("AWS::SQS::Queue", {}), condition);
  json::object statement{
      {"Action", "sqs:SendMessage"},
      {"Condition",
       json::object{{"ArnEquals", json::object{{"aws:SourceArn", get_att(rule_id, "Arn")}}}}},
      {"Effect", "Allow"},
      {"Principal", json::object{{"Service", "events.amazonaws.com"}}},
      {"Resource", get_att(queue_id, "Arn")}};
  x.add(rule_id + "QueuePolicy", queue_policy(ref_to(queue_id), std::move(statement)), condition);
  return json::value(json::object{{"Arn", get_att(queue_id, "Arn")}});
}

Result<json::array> expand_events(std::string_view id, const json::object& props,
                                  std::string_view condition, const json::value& fn_ref,
                                  const json::value& fn_arn, Expansion& x) {
  json::array policies;
  const auto* events = props.if_contains("Events");
  if (events == nullptr || events->is_null()) return policies;
  if (!events->is_object()) {
    return invalid_resource(id, "Property 'Events' should be a map.");
  }
  // In id order, as SAM takes them (the role's policies follow it).
  std::vector<std::string_view> ids;
  for (const auto& [event_id, ev] : events->as_object()) ids.push_back(event_id);
  std::sort(ids.begin(), ids.end());
  for (std::string_view event_id : ids) {
    const json::value& ev = events->as_object().at(event_id);
    if (!ev.is_object()) {
      return invalid_event(id, event_id, "Event should be a map.");
    }
    std::string type = str(ev.as_object(), "Type");
    const json::object& p = properties_of(ev.as_object());
    std::string cond(condition);
    if (const auto* c = ev.as_object().if_contains("Condition"); c && c->is_string()) {
      cond = std::string(c->as_string());
    }
    Event e{id, event_id, std::string(id) + std::string(event_id), p, cond, fn_ref, fn_arn};
    Status st;
    if (type == "SQS") {
      st = mapping(e, "Queue", x);
      policies.push_back((managed_policy_arn("AWSLambdaSQSQueueExecutionRole")));
    } else if (type == "Kinesis") {
      st = mapping(e, "Stream", x);
      policies.push_back((managed_policy_arn("AWSLambdaKinesisExecutionRole")));
    } else if (type == "DynamoDB") {
      st = mapping(e, "Stream", x);
      policies.push_back((managed_policy_arn("AWSLambdaDynamoDBExecutionRole")));
    } else if (type == "MSK" || type == "MQ" || type == "SelfManagedKafka" ||
               type == "DocumentDB") {
      st = broker(e, type, x, policies);
    } else if (type == "SNS") {
      bool polls = false;
      st = sns(e, x, polls);
      if (polls) policies.push_back(managed_policy_arn("AWSLambdaSQSQueueExecutionRole"));
    } else if (type == "S3") {
      st = s3(e, x);
    } else if (type == "Schedule") {
      st = rule(e, true, x);
    } else if (type == "CloudWatchEvent" || type == "EventBridgeRule") {
      st = rule(e, false, x);
    } else if (type == "ScheduleV2") {
      st = schedule_v2(e, x);
    } else if (type == "AlexaSkill") {
      // The skill (SkillId, when given) may invoke the function.
      json::object perm = permission(e, "alexa-appkit.amazon.com");
      if (const auto* skill = p.if_contains("SkillId")) perm["EventSourceToken"] = *skill;
      x.add(e.id + "Permission", resource("AWS::Lambda::Permission", std::move(perm)), cond);
    } else if (type == "CloudWatchLogs") {
      st = logs(e, x);
    } else if (type == "Api" || type == "HttpApi") {
      std::string key = type == "Api" ? "RestApiId" : "ApiId";
      if (const auto* api = p.if_contains(key);
          api != nullptr && !api->is_string() && ref_target(*api).empty()) {
        return invalid_event(id, event_id, "Property '" + key + "' should be a string.");
      }
      ApiEvent api{std::string(id), std::string(event_id), cond, "", fn_ref, fn_arn, p};
      (type == "Api" ? x.rest_events : x.http_events).push_back(std::move(api));
    } else {
      return invalid_event(id, event_id, "Type '" + type + "' is not supported.");
    }
    if (!st) return st.take_error();
  }
  return policies;
}

}  // namespace nimbus::cfn::sam
