#include "services/resource_info.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>

#include "common/json_fields.h"
#include "services/dynamodb/model/expression.h"

namespace nimbus::services {

namespace json = boost::json;

namespace {

// `operation` of `service` called with `input`, when its handler answers
// before returning; nullopt otherwise, or on an error.
std::optional<json::object> read_now(const Service& service, std::string_view operation,
                                     json::object input, std::string_view region,
                                     std::string_view account) {
  const Handler* handler = service.find(operation);
  if (handler == nullptr) return std::nullopt;
  struct Slot {
    std::mutex mu;
    bool returned = false;
    std::optional<Output> out;
  };
  auto slot = std::make_shared<Slot>();
  CallContext ctx;
  ctx.service = service.model_name();
  ctx.operation = std::string(operation);
  ctx.region = std::string(region);
  ctx.account_id = std::string(account);
  (*handler)(ctx, std::move(input), [slot](Output out) {
    std::lock_guard lock(slot->mu);
    if (!slot->returned) slot->out = std::move(out);
  });
  std::lock_guard lock(slot->mu);
  slot->returned = true;
  if (!slot->out || !*slot->out) return std::nullopt;
  return std::move(**slot->out);
}

// Tags as a map, or a list of {Key, Value} (any case).
KeyPairs tags_in(const json::object* out, std::string_view member) {
  KeyPairs tags;
  const json::value* v = out ? out->if_contains(member) : nullptr;
  if (v == nullptr) return tags;
  if (const auto* map = v->if_object()) {
    for (const auto& [k, val] : *map) {
      if (val.is_string()) tags.emplace_back(std::string(k), std::string(val.get_string()));
    }
  } else if (const auto* list = v->if_array()) {
    for (const auto& t : *list) {
      const auto* tag = t.if_object();
      if (tag == nullptr) continue;
      std::string key = str(*tag, "Key");
      if (key.empty()) key = str(*tag, "key");
      std::string value = tag->contains("Value") ? str(*tag, "Value") : str(*tag, "value");
      if (!key.empty()) tags.emplace_back(std::move(key), std::move(value));
    }
  }
  return tags;
}

// The parts of "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE".
struct ArnParts {
  std::string_view service, region, account, resource;
};
std::optional<ArnParts> split(std::string_view arn) {
  std::string_view parts[6];
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn") return std::nullopt;
  return ArnParts{parts[2], parts[3], parts[4], arn};
}

std::string after_last(std::string_view s, char c) {
  return std::string(s.substr(s.rfind(c) + 1));
}

std::string before_first(std::string_view s, std::string_view mark) {
  return std::string(s.substr(0, s.find(mark)));
}

}  // namespace

KeyPairs resource_tags(const Service& service, const std::string& arn, const Settings& settings) {
  auto a = split(arn);
  if (!a) return {};
  std::string_view name = service.model_name();
  std::string_view operation = "ListTagsForResource";
  json::object in;
  std::string_view member = "Tags";
  if (name == "sqs") {
    operation = "ListQueueTags";
    in["QueueUrl"] = "http://localhost/" + std::string(a->account) + "/" + std::string(a->resource);
  } else if (name == "sns" || name == "scheduler") {
    in["ResourceArn"] = arn;
  } else if (name == "events") {
    in["ResourceARN"] = arn;
  } else if (name == "kinesis") {
    in["ResourceARN"] = before_first(arn, "/consumer/");
  } else if (name == "stepfunctions") {
    in["resourceArn"] = arn;
    member = "tags";
  } else if (name == "lambda") {
    if (!a->resource.starts_with("function:")) return {};
    operation = "GetFunction";
    in["FunctionName"] = arn;
  } else if (name == "dynamodb") {
    // An index's or stream's ARN: its table's tags.
    if (!a->resource.starts_with("table/")) return {};
    operation = "ListTagsOfResource";
    std::string table = before_first(a->resource.substr(6), "/");
    in["ResourceArn"] = before_first(arn, ":table/") + ":table/" + table;
  } else if (name == "s3") {
    if (a->resource.empty() || a->resource.find('/') != std::string_view::npos) return {};
    operation = "GetBucketTagging";
    in["Bucket"] = std::string(a->resource);
    member = "TagSet";
  } else if (name == "iam") {
    if (a->resource.starts_with("user/")) {
      operation = "ListUserTags";
      in["UserName"] = after_last(a->resource, '/');
    } else if (a->resource.starts_with("role/")) {
      operation = "ListRoleTags";
      in["RoleName"] = after_last(a->resource, '/');
    } else {
      return {};
    }
  } else {
    return {};  // CloudWatch Logs keeps no tags; others are not asked
  }
  auto out = read_now(service, operation, std::move(in), settings.region, settings.account_id);
  return tags_in(out ? &*out : nullptr, member);
}

namespace {

using nimbus::dynamodb::KeyAttribute;
using nimbus::dynamodb::KeySchema;
using nimbus::dynamodb::Type;

// The key schema of DescribeTable's `KeySchema` member (types from the
// table's AttributeDefinitions).
std::optional<KeySchema> schema_of(const json::object& table, const json::value* key_schema) {
  if (key_schema == nullptr || !key_schema->is_array()) return std::nullopt;
  auto type_of = [&](const std::string& attr) {
    if (const auto* defs = table.if_contains("AttributeDefinitions"); defs && defs->is_array()) {
      for (const auto& d : defs->as_array()) {
        if (d.is_object() && str(d.as_object(), "AttributeName") == attr) {
          std::string t = str(d.as_object(), "AttributeType");
          return t == "N" ? Type::kN : t == "B" ? Type::kB : Type::kS;
        }
      }
    }
    return Type::kS;
  };
  KeySchema out;
  bool hash = false;
  for (const auto& k : key_schema->as_array()) {
    if (!k.is_object()) continue;
    std::string attr = str(k.as_object(), "AttributeName");
    if (str(k.as_object(), "KeyType") == "HASH") {
      out.partition = KeyAttribute{attr, type_of(attr)};
      hash = true;
    } else {
      out.sort = KeyAttribute{attr, type_of(attr)};
    }
  }
  if (!hash) return std::nullopt;
  return out;
}

// An attribute value's text: a string's or a number's own, a binary's base64.
void add_value(const json::value* attr, KeyPairs& out) {
  const auto* o = attr ? attr->if_object() : nullptr;
  if (o == nullptr || o->size() != 1) return;
  const auto& [type, value] = *o->begin();
  if ((type == "S" || type == "N" || type == "B") && value.is_string()) {
    out.emplace_back("dynamodb:LeadingKeys", std::string(value.get_string()));
  }
}

// The partition value in the item or key `member` of `request`.
void add_member(const json::object& request, std::string_view member, const std::string& hash,
                KeyPairs& out) {
  const auto* item = request.if_contains(member);
  if (item != nullptr && item->is_object()) add_value(item->as_object().if_contains(hash), out);
}

// A TableName member (a name or an ARN) naming `table`.
bool names(const json::object& request, const std::string& table) {
  std::string name = str(request, "TableName");
  if (name.starts_with("arn:")) name = before_first(after_last(name, ':').substr(6), "/");
  return name == table;
}

void add_query(const json::object& in, const json::object& table, KeyPairs& out) {
  std::optional<KeySchema> schema = schema_of(table, table.if_contains("KeySchema"));
  if (std::string index = str(in, "IndexName"); !index.empty()) {
    schema.reset();
    for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
      const auto* list = table.if_contains(kind);
      if (list == nullptr || !list->is_array()) continue;
      for (const auto& i : list->as_array()) {
        if (i.is_object() && str(i.as_object(), "IndexName") == index) {
          schema = schema_of(table, i.as_object().if_contains("KeySchema"));
        }
      }
    }
  }
  if (!schema) return;
  auto parsed = nimbus::dynamodb::parse_request(in, &*schema);
  if (!parsed || !parsed->key_condition) return;
  add_value(&parsed->key_condition->partition_value, out);
}

void add_batch(const json::object& in, const std::string& table, const std::string& hash,
               bool write, KeyPairs& out) {
  const auto* items = in.if_contains("RequestItems");
  if (items == nullptr || !items->is_object()) return;
  for (const auto& [name, requests] : items->as_object()) {
    if (!names(json::object{{"TableName", name}}, table)) continue;
    if (!write) {
      const auto* keys = requests.is_object() ? requests.as_object().if_contains("Keys") : nullptr;
      if (keys == nullptr || !keys->is_array()) continue;
      for (const auto& k : keys->as_array()) {
        if (k.is_object()) add_value(k.as_object().if_contains(hash), out);
      }
      continue;
    }
    if (!requests.is_array()) continue;
    for (const auto& r : requests.as_array()) {
      const auto* request = r.if_object();
      if (request == nullptr) continue;
      if (const auto* put = request->if_contains("PutRequest"); put && put->is_object()) {
        add_member(put->as_object(), "Item", hash, out);
      }
      if (const auto* del = request->if_contains("DeleteRequest"); del && del->is_object()) {
        add_member(del->as_object(), "Key", hash, out);
      }
    }
  }
}

void add_transact(const json::object& in, const std::string& table, const std::string& hash,
                  KeyPairs& out) {
  const auto* items = in.if_contains("TransactItems");
  if (items == nullptr || !items->is_array()) return;
  for (const auto& entry : items->as_array()) {
    const auto* actions = entry.if_object();
    if (actions == nullptr) continue;
    for (const auto& [kind, body] : *actions) {
      const auto* action = body.if_object();
      if (action == nullptr || !names(*action, table)) continue;
      add_member(*action, kind == "Put" ? "Item" : "Key", hash, out);
    }
  }
}

}  // namespace

void resource_keys(const Service& service, std::string_view operation, const json::object& input,
                   const std::string& arn, const CallContext& caller, KeyPairs& out) {
  static constexpr std::string_view kKeyed[] = {
      "GetItem",      "PutItem",        "UpdateItem",       "DeleteItem",        "Query",
      "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems"};
  if (service.model_name() != "dynamodb" ||
      std::find(std::begin(kKeyed), std::end(kKeyed), operation) == std::end(kKeyed)) {
    return;
  }
  auto at = arn.find(":table/");
  if (at == std::string::npos) return;
  std::string table = before_first(std::string_view(arn).substr(at + 7), "/");
  auto described = read_now(service, "DescribeTable", json::object{{"TableName", table}},
                            caller.region, caller.account_id);
  const json::value* t = described ? described->if_contains("Table") : nullptr;
  if (t == nullptr || !t->is_object()) return;
  auto schema = schema_of(t->as_object(), t->as_object().if_contains("KeySchema"));
  if (!schema) return;
  const std::string& hash = schema->partition.name;
  if (operation == "GetItem" || operation == "DeleteItem" || operation == "UpdateItem") {
    add_member(input, "Key", hash, out);
  } else if (operation == "PutItem") {
    add_member(input, "Item", hash, out);
  } else if (operation == "Query") {
    add_query(input, t->as_object(), out);
  } else if (operation == "BatchGetItem" || operation == "BatchWriteItem") {
    add_batch(input, table, hash, operation == "BatchWriteItem", out);
  } else {
    add_transact(input, table, hash, out);
  }
}

}  // namespace nimbus::services
