#include "server/condition_keys.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>
#include <unordered_map>

#include "common/encoding.h"

namespace nimbus::server {

namespace json = boost::json;

namespace {

enum class Kind {
  kValue,        // a scalar, or a list of scalars: each is a value of `key`
  kRequestTags,  // tags (a map, or a list of Key/Value): aws:RequestTag/K = V, aws:TagKeys = K
  kTagKeys,      // a list of tag keys: aws:TagKeys
  kObjectTags,   // S3 object tags (x-amz-tagging's "k=v&..." or a TagSet): s3:RequestObjectTag/K
  kNames,        // an object's member names (a DynamoDB item's attributes)
  kProjection,   // a DynamoDB ProjectionExpression's top-level attribute names
  kUpdate,       // the top-level attribute names a DynamoDB UpdateExpression writes
};

// One key an operation's input sets: `path` is a member, "A.B" nests, and
// "A[]" fans out over a list ("Entries[].Source").
struct Row {
  const char* service;
  const char* operation;
  const char* path;
  Kind kind;
  const char* key = "";
};

// What the AWS service authorization reference lists per action, for the
// members nimbus's services take. Tag rows cover every tagging operation
// and create-with-tags operation of the models nimbus serves.
constexpr Row kRows[] = {
    // SQS
    {"sqs", "CreateQueue", "tags", Kind::kRequestTags},
    {"sqs", "TagQueue", "Tags", Kind::kRequestTags},
    {"sqs", "UntagQueue", "TagKeys", Kind::kTagKeys},
    // SNS
    {"sns", "CreateTopic", "Tags", Kind::kRequestTags},
    {"sns", "TagResource", "Tags", Kind::kRequestTags},
    {"sns", "UntagResource", "TagKeys", Kind::kTagKeys},
    {"sns", "Subscribe", "Protocol", Kind::kValue, "sns:Protocol"},
    {"sns", "Subscribe", "Endpoint", Kind::kValue, "sns:Endpoint"},
    // Lambda
    {"lambda", "CreateFunction", "Tags", Kind::kRequestTags},
    {"lambda", "CreateFunction", "Layers", Kind::kValue, "lambda:Layer"},
    {"lambda", "UpdateFunctionConfiguration", "Layers", Kind::kValue, "lambda:Layer"},
    {"lambda", "CreateEventSourceMapping", "Tags", Kind::kRequestTags},
    {"lambda", "CreateCodeSigningConfig", "Tags", Kind::kRequestTags},
    {"lambda", "TagResource", "Tags", Kind::kRequestTags},
    {"lambda", "UntagResource", "TagKeys", Kind::kTagKeys},
    {"lambda", "AddPermission", "Principal", Kind::kValue, "lambda:Principal"},
    {"lambda", "CreateFunctionUrlConfig", "AuthType", Kind::kValue, "lambda:FunctionUrlAuthType"},
    {"lambda", "UpdateFunctionUrlConfig", "AuthType", Kind::kValue, "lambda:FunctionUrlAuthType"},
    // DynamoDB
    {"dynamodb", "CreateTable", "Tags", Kind::kRequestTags},
    {"dynamodb", "TagResource", "Tags", Kind::kRequestTags},
    {"dynamodb", "UntagResource", "TagKeys", Kind::kTagKeys},
    {"dynamodb", "GetItem", "AttributesToGet", Kind::kValue, "dynamodb:Attributes"},
    {"dynamodb", "GetItem", "ProjectionExpression", Kind::kProjection, "dynamodb:Attributes"},
    {"dynamodb", "GetItem", "ReturnConsumedCapacity", Kind::kValue,
     "dynamodb:ReturnConsumedCapacity"},
    {"dynamodb", "PutItem", "Item", Kind::kNames, "dynamodb:Attributes"},
    {"dynamodb", "PutItem", "ReturnValues", Kind::kValue, "dynamodb:ReturnValues"},
    {"dynamodb", "PutItem", "ReturnConsumedCapacity", Kind::kValue,
     "dynamodb:ReturnConsumedCapacity"},
    {"dynamodb", "UpdateItem", "AttributeUpdates", Kind::kNames, "dynamodb:Attributes"},
    {"dynamodb", "UpdateItem", "UpdateExpression", Kind::kUpdate, "dynamodb:Attributes"},
    {"dynamodb", "UpdateItem", "ReturnValues", Kind::kValue, "dynamodb:ReturnValues"},
    {"dynamodb", "UpdateItem", "ReturnConsumedCapacity", Kind::kValue,
     "dynamodb:ReturnConsumedCapacity"},
    {"dynamodb", "DeleteItem", "ReturnValues", Kind::kValue, "dynamodb:ReturnValues"},
    {"dynamodb", "DeleteItem", "ReturnConsumedCapacity", Kind::kValue,
     "dynamodb:ReturnConsumedCapacity"},
    {"dynamodb", "Query", "Select", Kind::kValue, "dynamodb:Select"},
    {"dynamodb", "Query", "AttributesToGet", Kind::kValue, "dynamodb:Attributes"},
    {"dynamodb", "Query", "ProjectionExpression", Kind::kProjection, "dynamodb:Attributes"},
    {"dynamodb", "Query", "ReturnConsumedCapacity", Kind::kValue,
     "dynamodb:ReturnConsumedCapacity"},
    {"dynamodb", "Scan", "Select", Kind::kValue, "dynamodb:Select"},
    {"dynamodb", "Scan", "AttributesToGet", Kind::kValue, "dynamodb:Attributes"},
    {"dynamodb", "Scan", "ProjectionExpression", Kind::kProjection, "dynamodb:Attributes"},
    {"dynamodb", "Scan", "ReturnConsumedCapacity", Kind::kValue, "dynamodb:ReturnConsumedCapacity"},
    // Kinesis
    {"kinesis", "CreateStream", "Tags", Kind::kRequestTags},
    {"kinesis", "AddTagsToStream", "Tags", Kind::kRequestTags},
    {"kinesis", "TagResource", "Tags", Kind::kRequestTags},
    {"kinesis", "RegisterStreamConsumer", "Tags", Kind::kRequestTags},
    {"kinesis", "RemoveTagsFromStream", "TagKeys", Kind::kTagKeys},
    {"kinesis", "UntagResource", "TagKeys", Kind::kTagKeys},
    // CloudWatch Logs
    {"logs", "CreateLogGroup", "tags", Kind::kRequestTags},
    {"logs", "TagLogGroup", "tags", Kind::kRequestTags},
    {"logs", "TagResource", "tags", Kind::kRequestTags},
    {"logs", "PutDestination", "tags", Kind::kRequestTags},
    {"logs", "UntagLogGroup", "tags", Kind::kTagKeys},
    {"logs", "UntagResource", "tagKeys", Kind::kTagKeys},
    // EventBridge
    {"events", "CreateEventBus", "Tags", Kind::kRequestTags},
    {"events", "PutRule", "Tags", Kind::kRequestTags},
    {"events", "TagResource", "Tags", Kind::kRequestTags},
    {"events", "UntagResource", "TagKeys", Kind::kTagKeys},
    {"events", "PutEvents", "Entries[].Source", Kind::kValue, "events:source"},
    {"events", "PutEvents", "Entries[].DetailType", Kind::kValue, "events:detail-type"},
    {"events", "PutTargets", "Targets[].Arn", Kind::kValue, "events:TargetArn"},
    // EventBridge Scheduler
    {"scheduler", "CreateScheduleGroup", "Tags", Kind::kRequestTags},
    {"scheduler", "TagResource", "Tags", Kind::kRequestTags},
    {"scheduler", "UntagResource", "TagKeys", Kind::kTagKeys},
    // Step Functions
    {"stepfunctions", "CreateStateMachine", "tags", Kind::kRequestTags},
    {"stepfunctions", "CreateActivity", "tags", Kind::kRequestTags},
    {"stepfunctions", "TagResource", "tags", Kind::kRequestTags},
    {"stepfunctions", "UntagResource", "tagKeys", Kind::kTagKeys},
    // Firehose
    {"firehose", "CreateDeliveryStream", "Tags", Kind::kRequestTags},
    {"firehose", "TagDeliveryStream", "Tags", Kind::kRequestTags},
    {"firehose", "UntagDeliveryStream", "TagKeys", Kind::kTagKeys},
    // API Gateway
    {"apigateway", "CreateRestApi", "tags", Kind::kRequestTags},
    {"apigateway", "CreateStage", "tags", Kind::kRequestTags},
    {"apigateway", "CreateApiKey", "tags", Kind::kRequestTags},
    {"apigateway", "CreateUsagePlan", "tags", Kind::kRequestTags},
    {"apigateway", "TagResource", "tags", Kind::kRequestTags},
    {"apigateway", "UntagResource", "tagKeys", Kind::kTagKeys},
    {"apigatewayv2", "CreateApi", "Tags", Kind::kRequestTags},
    {"apigatewayv2", "CreateStage", "Tags", Kind::kRequestTags},
    {"apigatewayv2", "TagResource", "Tags", Kind::kRequestTags},
    {"apigatewayv2", "UntagResource", "TagKeys", Kind::kTagKeys},
    // CloudFormation
    {"cloudformation", "CreateStack", "Tags", Kind::kRequestTags},
    {"cloudformation", "UpdateStack", "Tags", Kind::kRequestTags},
    {"cloudformation", "CreateChangeSet", "Tags", Kind::kRequestTags},
    // IAM
    {"iam", "CreateUser", "Tags", Kind::kRequestTags},
    {"iam", "CreateUser", "PermissionsBoundary", Kind::kValue, "iam:PermissionsBoundary"},
    {"iam", "CreateRole", "Tags", Kind::kRequestTags},
    {"iam", "CreateRole", "PermissionsBoundary", Kind::kValue, "iam:PermissionsBoundary"},
    {"iam", "CreatePolicy", "Tags", Kind::kRequestTags},
    {"iam", "CreateInstanceProfile", "Tags", Kind::kRequestTags},
    {"iam", "CreateOpenIDConnectProvider", "Tags", Kind::kRequestTags},
    {"iam", "TagUser", "Tags", Kind::kRequestTags},
    {"iam", "TagRole", "Tags", Kind::kRequestTags},
    {"iam", "TagPolicy", "Tags", Kind::kRequestTags},
    {"iam", "TagInstanceProfile", "Tags", Kind::kRequestTags},
    {"iam", "TagOpenIDConnectProvider", "Tags", Kind::kRequestTags},
    {"iam", "UntagUser", "TagKeys", Kind::kTagKeys},
    {"iam", "UntagRole", "TagKeys", Kind::kTagKeys},
    {"iam", "UntagPolicy", "TagKeys", Kind::kTagKeys},
    {"iam", "UntagInstanceProfile", "TagKeys", Kind::kTagKeys},
    {"iam", "UntagOpenIDConnectProvider", "TagKeys", Kind::kTagKeys},
    {"iam", "AttachUserPolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "AttachGroupPolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "AttachRolePolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "DetachUserPolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "DetachGroupPolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "DetachRolePolicy", "PolicyArn", Kind::kValue, "iam:PolicyARN"},
    {"iam", "PutUserPermissionsBoundary", "PermissionsBoundary", Kind::kValue,
     "iam:PermissionsBoundary"},
    {"iam", "PutRolePermissionsBoundary", "PermissionsBoundary", Kind::kValue,
     "iam:PermissionsBoundary"},
    // S3
    {"s3", "ListObjects", "Prefix", Kind::kValue, "s3:prefix"},
    {"s3", "ListObjects", "Delimiter", Kind::kValue, "s3:delimiter"},
    {"s3", "ListObjects", "MaxKeys", Kind::kValue, "s3:max-keys"},
    {"s3", "ListObjectsV2", "Prefix", Kind::kValue, "s3:prefix"},
    {"s3", "ListObjectsV2", "Delimiter", Kind::kValue, "s3:delimiter"},
    {"s3", "ListObjectsV2", "MaxKeys", Kind::kValue, "s3:max-keys"},
    {"s3", "ListObjectVersions", "Prefix", Kind::kValue, "s3:prefix"},
    {"s3", "ListObjectVersions", "Delimiter", Kind::kValue, "s3:delimiter"},
    {"s3", "ListObjectVersions", "MaxKeys", Kind::kValue, "s3:max-keys"},
    {"s3", "CreateBucket", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "PutBucketAcl", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "PutObjectAcl", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "PutObject", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "PutObject", "Tagging", Kind::kObjectTags},
    {"s3", "PutObject", "ServerSideEncryption", Kind::kValue, "s3:x-amz-server-side-encryption"},
    {"s3", "PutObject", "StorageClass", Kind::kValue, "s3:x-amz-storage-class"},
    {"s3", "CreateMultipartUpload", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "CreateMultipartUpload", "Tagging", Kind::kObjectTags},
    {"s3", "CopyObject", "ACL", Kind::kValue, "s3:x-amz-acl"},
    {"s3", "CopyObject", "Tagging", Kind::kObjectTags},
    {"s3", "CopyObject", "CopySource", Kind::kValue, "s3:x-amz-copy-source"},
    {"s3", "CopyObject", "MetadataDirective", Kind::kValue, "s3:x-amz-metadata-directive"},
    {"s3", "PutObjectTagging", "Tagging.TagSet", Kind::kObjectTags},
    {"s3", "PutBucketTagging", "Tagging.TagSet", Kind::kRequestTags},
};

using Index = std::unordered_map<std::string, std::vector<const Row*>>;

const Index& index() {
  static const Index rows = [] {
    Index out;
    for (const Row& r : kRows) out[std::string(r.service) + '/' + r.operation].push_back(&r);
    return out;
  }();
  return rows;
}

// The values `path` names under `obj`.
void resolve(const json::object& obj, std::string_view path, std::vector<const json::value*>& out) {
  size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  bool each = head.ends_with("[]");
  if (each) head.remove_suffix(2);
  const json::value* member = obj.if_contains(head);
  if (member == nullptr) return;
  auto descend = [&](const json::value& v) {
    if (rest.empty()) {
      out.push_back(&v);
    } else if (const auto* o = v.if_object()) {
      resolve(*o, rest, out);
    }
  };
  if (!each) return descend(*member);
  if (const auto* list = member->if_array()) {
    for (const auto& item : *list) descend(item);
  }
}

bool scalar_text(const json::value& v, std::string& text) {
  switch (v.kind()) {
    case json::kind::string:
      text = std::string(v.get_string());
      return true;
    case json::kind::int64:
      text = std::to_string(v.get_int64());
      return true;
    case json::kind::uint64:
      text = std::to_string(v.get_uint64());
      return true;
    case json::kind::double_:
      text = json::serialize(v);
      return true;
    case json::kind::bool_:
      text = v.get_bool() ? "true" : "false";
      return true;
    default:
      return false;
  }
}

void add_values(const json::value& v, const std::string& key, ConditionKeys& out) {
  std::string text;
  if (const auto* list = v.if_array()) {
    for (const auto& item : *list) {
      if (scalar_text(item, text)) out.emplace_back(key, std::move(text));
    }
  } else if (scalar_text(v, text)) {
    out.emplace_back(key, std::move(text));
  }
}

std::string member_text(const json::object& o, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    if (const auto* v = o.if_contains(name); v && v->is_string()) {
      return std::string(v->get_string());
    }
  }
  return {};
}

// Tags as a map, a list of {Key, Value} (any case), or with `query_text`
// S3's x-amz-tagging "k=v&k2=v2".
void add_tags(const json::value& v, std::string_view tag_prefix, std::string_view keys_key,
              bool query_text, ConditionKeys& out) {
  auto add = [&](std::string key, std::string value) {
    out.emplace_back(std::string(tag_prefix) + key, std::move(value));
    out.emplace_back(std::string(keys_key), std::move(key));
  };
  if (const auto* map = v.if_object()) {
    for (const auto& [k, val] : *map) {
      if (val.is_string()) add(std::string(k), std::string(val.get_string()));
    }
  } else if (const auto* list = v.if_array()) {
    for (const auto& t : *list) {
      if (const auto* tag = t.if_object()) {
        std::string key = member_text(*tag, {"Key", "key"});
        if (!key.empty()) add(std::move(key), member_text(*tag, {"Value", "value"}));
      }
    }
  } else if (const auto* text = v.if_string(); text && query_text) {
    std::string_view rest = *text;
    while (!rest.empty()) {
      std::string_view pair = rest.substr(0, rest.find('&'));
      rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      std::string value =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
      add(percent_decode(pair.substr(0, eq), true), std::move(value));
    }
  }
}

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// The top-level attribute a document path names ("a.b", "#n[2]"), through
// ExpressionAttributeNames for a "#" placeholder; nothing when it names none.
void add_path(std::string_view path, const json::object& input, const std::string& key,
              ConditionKeys& out) {
  path = trimmed(path);
  std::string_view name = trimmed(path.substr(0, path.find_first_of(".[")));
  if (name.empty()) return;
  if (name.front() != '#') {
    out.emplace_back(key, std::string(name));
    return;
  }
  const auto* names = input.if_contains("ExpressionAttributeNames");
  const json::value* alias =
      names && names->is_object() ? names->get_object().if_contains(name) : nullptr;
  if (alias != nullptr && alias->is_string()) {
    out.emplace_back(key, std::string(alias->get_string()));
  }
}

// "a.b, #n[2], c" -> a, <ExpressionAttributeNames[#n]>, c.
void add_projection(const json::value& v, const json::object& input, const std::string& key,
                    ConditionKeys& out) {
  const auto* text = v.if_string();
  if (text == nullptr) return;
  std::string_view rest = *text;
  while (!rest.empty()) {
    std::string_view path = rest.substr(0, rest.find(','));
    rest.remove_prefix(std::min(rest.size(), path.size() + 1));
    add_path(path, input, key, out);
  }
}

// "SET a = :v, #b.c = list_append(#b.c, :l) REMOVE d[1] ADD e :n DELETE f :s"
// -> a, <#b>, d, e, f: the path each action writes (SET's left side,
// REMOVE's path, ADD's and DELETE's first operand). Clause keywords are
// matched in any case; commas inside a function's parentheses do not end
// an action. A malformed expression sets what it can (DynamoDB refuses it
// after authorization).
void add_update(const json::value& v, const json::object& input, const std::string& key,
                ConditionKeys& out) {
  const auto* text = v.if_string();
  if (text == nullptr) return;
  std::string_view s = *text;
  auto keyword_at = [&](size_t i) -> size_t {
    for (std::string_view word : {"SET", "REMOVE", "ADD", "DELETE"}) {
      if (i + word.size() > s.size() || (i > 0 && !blank(s[i - 1]))) continue;
      bool same = true;
      for (size_t k = 0; k < word.size() && same; ++k) {
        same = std::toupper(static_cast<unsigned char>(s[i + k])) == word[k];
      }
      if (same && (i + word.size() == s.size() || blank(s[i + word.size()]))) return word.size();
    }
    return 0;
  };
  char clause = 0;  // 'S', 'R', 'A' or 'D'
  size_t start = 0;
  int depth = 0;
  auto action = [&](size_t end) {
    std::string_view item = trimmed(s.substr(start, end - start));
    if (clause == 0 || item.empty()) return;
    if (clause == 'S') item = item.substr(0, item.find('='));
    if (clause == 'A' || clause == 'D') {
      size_t gap = 0;
      while (gap < item.size() && !blank(item[gap])) ++gap;
      item = item.substr(0, gap);
    }
    add_path(item, input, key, out);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (depth > 0) continue;
    if (s[i] == ',') {
      action(i);
      start = i + 1;
    } else if (size_t n = keyword_at(i); n > 0) {
      action(i);
      clause = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
      start = i + n;
      i += n - 1;
    }
  }
  action(s.size());
}

}  // namespace

ConditionKeys request_condition_keys(std::string_view service, std::string_view operation,
                                     const json::object& input) {
  ConditionKeys out;
  std::string id;
  id.reserve(service.size() + operation.size() + 1);
  id.append(service).append(1, '/').append(operation);
  auto it = index().find(id);
  if (it == index().end()) return out;
  for (const Row* row : it->second) {
    std::vector<const json::value*> values;
    resolve(input, row->path, values);
    for (const json::value* v : values) {
      switch (row->kind) {
        case Kind::kValue:
          add_values(*v, row->key, out);
          break;
        case Kind::kRequestTags:
          add_tags(*v, "aws:RequestTag/", "aws:TagKeys", false, out);
          break;
        case Kind::kTagKeys:
          add_values(*v, "aws:TagKeys", out);
          break;
        case Kind::kObjectTags:
          add_tags(*v, "s3:RequestObjectTag/", "s3:RequestObjectTagKeys", true, out);
          break;
        case Kind::kNames:
          if (const auto* o = v->if_object()) {
            for (const auto& [k, _] : *o) out.emplace_back(row->key, std::string(k));
          }
          break;
        case Kind::kProjection:
          add_projection(*v, input, row->key, out);
          break;
        case Kind::kUpdate:
          add_update(*v, input, row->key, out);
          break;
      }
    }
  }
  return out;
}

}  // namespace nimbus::server
