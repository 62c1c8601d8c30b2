// CreateTable's input checked as AWS checks it: key schema, attribute
// definitions, indexes, billing mode and throughput, stream, tags.
#include <algorithm>
#include <set>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/dynamodb/errors.h"
#include "services/dynamodb/table_def.h"

namespace nimbus::services::dynamodb {

namespace json = boost::json;

namespace {

constexpr size_t kMaxGsis = 20;
constexpr size_t kMaxLsis = 5;
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxProjectedAttributes = 100;

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// "[a, b]" as AWS prints name lists.
std::string name_list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + "]";
}

const json::array* array_of(const json::object& in, std::string_view key) {
  const auto* v = in.if_contains(key);
  return v != nullptr && v->is_array() ? &v->as_array() : nullptr;
}

// KeySchema of the table (where = "keySchema") or of an index
// ("globalSecondaryIndexes.1.member.keySchema").
Result<KeySchema> parse_key_schema(const json::array* elements, const std::string& where,
                                   const std::string& index) {
  if (elements == nullptr) {
    return errors::constraint("null", where, "Member must not be null");
  }
  if (elements->empty() || elements->size() > 2) {
    return errors::constraint("'" + json::serialize(*elements) + "'", where,
                              elements->empty()
                                  ? "Member must have length greater than or equal to 1"
                                  : "Member must have length less than or equal to 2");
  }
  KeySchema key;
  for (size_t i = 0; i < elements->size(); ++i) {
    const auto& e = (*elements)[i];
    if (!e.is_object()) return errors::validation("Invalid KeySchema");
    std::string type = str(e.as_object(), "KeyType");
    std::string name = str(e.as_object(), "AttributeName");
    if (type != "HASH" && type != "RANGE") {
      return errors::constraint(quoted(type),
                                where + "." + std::to_string(i + 1) + ".member.keyType",
                                "Member must satisfy enum value set: [HASH, RANGE]");
    }
    if (i == 0 && type != "HASH") {
      return errors::validation(
          "Invalid KeySchema: The first KeySchemaElement is not a HASH key "
          "type");
    }
    if (i == 1 && type != "RANGE") {
      return errors::validation(
          "Invalid KeySchema: The second KeySchemaElement is not a RANGE "
          "key type");
    }
    if (i == 0) key.hash.name = name;
    if (i == 1) {
      if (name == key.hash.name) {
        return errors::validation(
            index.empty()
                ? "Both the Hash Key and the Range Key element in the KeySchema have the same name"
                : "Both the Hash Key and the Range Key element in the KeySchema have the same name "
                  "for index: " +
                      index);
      }
      key.range = KeyAttr{name, ""};
    }
  }
  return key;
}

Status parse_projection(const json::object& index, IndexDef& out, const std::string& where) {
  const auto* p = index.if_contains("Projection");
  if (p == nullptr || !p->is_object()) {
    return errors::constraint("null", where + ".projection", "Member must not be null");
  }
  const auto& proj = p->as_object();
  std::string type = str(proj, "ProjectionType");
  if (type.empty()) type = "ALL";  // AWS's default when only NonKeyAttributes are absent too
  if (type != "ALL" && type != "KEYS_ONLY" && type != "INCLUDE") {
    return errors::constraint(quoted(type), where + ".projection.projectionType",
                              "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
  }
  const auto* non_key = array_of(proj, "NonKeyAttributes");
  if (type != "INCLUDE" && non_key != nullptr) {
    return errors::invalid_parameter("ProjectionType is " + type +
                                     ", but NonKeyAttributes is specified");
  }
  if (type == "INCLUDE" && (non_key == nullptr || non_key->empty())) {
    return errors::invalid_parameter(
        "NonKeyAttributes must not be empty when ProjectionType is INCLUDE");
  }
  out.projection = json::object{{"ProjectionType", type}};
  if (non_key != nullptr && !non_key->empty()) {
    if (non_key->size() > kMaxProjectedAttributes) {
      return errors::limit_exceeded(
          "One or more parameter values were invalid: Number of projected attributes in all "
          "indexes exceeds limit of 100");
    }
    out.projection["NonKeyAttributes"] = *non_key;
  }
  return Status::ok();
}

Result<Throughput> parse_throughput(const json::value* v) {
  Throughput t;
  if (v == nullptr || !v->is_object()) return t;
  t.read = integer(v->as_object(), "ReadCapacityUnits").value_or(0);
  t.write = integer(v->as_object(), "WriteCapacityUnits").value_or(0);
  return t;
}

Result<std::vector<IndexDef>> parse_indexes(const json::object& in, bool global, bool on_demand,
                                            const TableDef& table) {
  std::vector<IndexDef> out;
  const char* member = global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes";
  const auto* list = array_of(in, member);
  if (list == nullptr) return out;
  if (list->empty()) {
    return errors::invalid_parameter(std::string("List of ") + member + " is empty");
  }
  if (list->size() > (global ? kMaxGsis : kMaxLsis)) {
    return errors::validation(
        global ? "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds "
                 "the per-table limit of 20"
               : "One or more parameter values were invalid: Number of LocalSecondaryIndexes "
                 "exceeds per-table limit of 5");
  }
  std::string lower = global ? "globalSecondaryIndexes" : "localSecondaryIndexes";
  for (size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) return errors::validation("Invalid index");
    const auto& index = (*list)[i].as_object();
    std::string where = lower + "." + std::to_string(i + 1) + ".member";
    IndexDef def;
    def.name = str(index, "IndexName");
    auto key = parse_key_schema(array_of(index, "KeySchema"), where + ".keySchema", def.name);
    if (!key) return key.take_error();
    def.key = std::move(*key);
    if (!global) {
      if (!table.key.range) {
        return errors::invalid_parameter(
            "Table KeySchema does not have a range key, which is required when specifying a "
            "LocalSecondaryIndex");
      }
      if (def.key.hash.name != table.key.hash.name) {
        return errors::invalid_parameter(
            "Index KeySchema does not have the same leading hash key as table KeySchema for "
            "index: " +
            def.name + ". index hash key: " + def.key.hash.name +
            ", table hash key: " + table.key.hash.name);
      }
      if (!def.key.range) {
        return errors::invalid_parameter("Index KeySchema does not have a range key for index: " +
                                         def.name);
      }
    }
    if (auto st = parse_projection(index, def, where); !st) return st.take_error();
    const auto* throughput = index.if_contains("ProvisionedThroughput");
    if (global) {
      if (on_demand && throughput != nullptr && !throughput->is_null()) {
        return errors::invalid_parameter(
            "ProvisionedThroughput should not be specified for index: " + def.name +
            " when BillingMode is PAY_PER_REQUEST");
      }
      if (!on_demand && (throughput == nullptr || throughput->is_null())) {
        return errors::invalid_parameter("ProvisionedThroughput must be specified for index: " +
                                         def.name);
      }
      auto t = parse_throughput(throughput);
      if (!t) return t.take_error();
      def.throughput = *t;
    }
    for (const auto& other : out) {
      if (other.name == def.name) {
        return errors::invalid_parameter("Duplicate index name: " + def.name);
      }
    }
    for (const auto& other : table.lsis) {
      if (other.name == def.name) {
        return errors::invalid_parameter("Duplicate index name: " + def.name);
      }
    }
    out.push_back(std::move(def));
  }
  return out;
}

// Every key attribute of the table and its indexes is defined, and nothing
// else is; fills each KeyAttr's type.
Status match_definitions(TableDef& t) {
  std::set<std::string> used;
  auto note = [&](const KeySchema& k) {
    used.insert(k.hash.name);
    if (k.range) used.insert(k.range->name);
  };
  note(t.key);
  for (const auto& i : t.gsis) note(i.key);
  for (const auto& i : t.lsis) note(i.key);
  std::set<std::string> defined;
  std::vector<std::string> defined_list;
  for (const auto& [name, type] : t.attributes) {
    if (!defined.insert(name).second) {
      return errors::invalid_parameter("Duplicate AttributeName found in AttributeDefinitions: " +
                                       name);
    }
    defined_list.push_back(name);
  }
  bool indexes = !t.gsis.empty() || !t.lsis.empty();
  std::vector<std::string> missing;
  for (const auto& name : used) {
    if (!defined.count(name)) missing.push_back(name);
  }
  if (!missing.empty()) {
    if (!indexes && t.attributes.size() < used.size()) {
      return errors::validation("Invalid KeySchema: Some index key attribute have no definition");
    }
    // With indexes AWS names the missing keys, without them every key.
    std::vector<std::string> keys =
        indexes ? missing : std::vector<std::string>(used.begin(), used.end());
    return errors::invalid_parameter(
        "Some index key attributes are not defined in AttributeDefinitions. Keys: " +
        name_list(keys) + ", AttributeDefinitions: " + name_list(defined_list));
  }
  if (defined.size() > used.size()) {
    if (!indexes) {
      return errors::invalid_parameter(
          "Number of attributes in KeySchema does not exactly match number of attributes "
          "defined in AttributeDefinitions");
    }
    return errors::invalid_parameter(
        "Some AttributeDefinitions are not used. "
        "AttributeDefinitions: " +
        name_list(defined_list) +
        ", keys used: " + name_list(std::vector<std::string>(used.begin(), used.end())));
  }
  auto type_of = [&](KeyAttr& k) {
    for (const auto& [name, type] : t.attributes) {
      if (name == k.name) k.type = type;
    }
  };
  auto fill = [&](KeySchema& k) {
    type_of(k.hash);
    if (k.range) type_of(*k.range);
  };
  fill(t.key);
  for (auto& i : t.gsis) fill(i.key);
  for (auto& i : t.lsis) fill(i.key);
  return Status::ok();
}

}  // namespace

std::vector<std::string> KeySchema::names() const {
  std::vector<std::string> out{hash.name};
  if (range) out.push_back(range->name);
  return out;
}

std::string table_name_of(const json::object& in, std::string_view member) {
  std::string name = str(in, member);
  if (name.rfind("arn:", 0) == 0) {
    auto slash = name.find(":table/");
    if (slash != std::string::npos) {
      name = name.substr(slash + 7);
      name = name.substr(0, name.find('/'));
    }
  }
  return name;
}

Status check_table_name(const std::string& name) {
  if (name.size() < 3) {
    return errors::constraint(quoted(name), "tableName",
                              "Member must have length greater than or equal to 3");
  }
  if (name.size() > 255) {
    return errors::constraint(quoted(name), "tableName",
                              "Member must have length less than or equal to 255");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) {
      return errors::constraint(quoted(name), "tableName",
                                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
  }
  return Status::ok();
}

Status check_stream_spec(const json::object& spec) {
  bool enabled = boolean(spec, "StreamEnabled").value_or(false);
  std::string view = str(spec, "StreamViewType");
  if (enabled && view.empty()) {
    return errors::validation(
        "StreamSpecification: StreamViewType is required when "
        "StreamEnabled is true");
  }
  if (!view.empty() && view != "KEYS_ONLY" && view != "NEW_IMAGE" && view != "OLD_IMAGE" &&
      view != "NEW_AND_OLD_IMAGES") {
    return errors::constraint(
        quoted(view), "streamSpecification.streamViewType",
        "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, "
        "KEYS_ONLY]");
  }
  return Status::ok();
}

Result<std::vector<std::pair<std::string, std::string>>> parse_tags(const json::value* tags,
                                                                    bool aws_ok) {
  std::vector<std::pair<std::string, std::string>> out;
  if (tags == nullptr || !tags->is_array()) return out;
  for (const auto& t : tags->as_array()) {
    if (!t.is_object()) continue;
    std::string key = str(t.as_object(), "Key");
    std::string value = str(t.as_object(), "Value");
    if (!aws_ok && reserved_tag_key(key)) {
      return errors::validation(
          "One or more parameter values were invalid: Tag key cannot "
          "start with aws:");
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == key; });
    if (same != out.end()) {
      same->second = value;
    } else {
      out.emplace_back(key, value);
    }
  }
  if (out.size() > kMaxTags) {
    return errors::validation(
        "One or more parameter values were invalid: The number of tags "
        "exceeds the limit of 50");
  }
  return out;
}

Result<TableDef> parse_create(const json::object& in, bool aws_tags) {
  TableDef t;
  t.name = table_name_of(in);
  if (auto st = check_table_name(t.name); !st) return st.take_error();
  const auto* definitions = array_of(in, "AttributeDefinitions");
  if (definitions == nullptr) {
    return errors::constraint("null", "attributeDefinitions", "Member must not be null");
  }
  auto key = parse_key_schema(array_of(in, "KeySchema"), "keySchema", "");
  if (!key) return key.take_error();
  t.key = std::move(*key);
  for (size_t i = 0; i < definitions->size(); ++i) {
    const auto& d = (*definitions)[i];
    if (!d.is_object()) continue;
    std::string type = str(d.as_object(), "AttributeType");
    if (type != "S" && type != "N" && type != "B") {
      return errors::constraint(
          quoted(type), "attributeDefinitions." + std::to_string(i + 1) + ".member.attributeType",
          "Member must satisfy enum value set: [B, N, S]");
    }
    t.attributes.emplace_back(str(d.as_object(), "AttributeName"), type);
  }

  std::string billing = str(in, "BillingMode");
  if (billing.empty()) billing = "PROVISIONED";
  if (billing != "PROVISIONED" && billing != "PAY_PER_REQUEST") {
    return errors::constraint(quoted(billing), "billingMode",
                              "Member must satisfy enum value set: [PROVISIONED, "
                              "PAY_PER_REQUEST]");
  }
  t.on_demand = billing == "PAY_PER_REQUEST";
  const auto* throughput = in.if_contains("ProvisionedThroughput");
  bool has_throughput = throughput != nullptr && throughput->is_object();
  if (t.on_demand && has_throughput) {
    return errors::invalid_parameter(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST");
  }
  if (!t.on_demand && !has_throughput) {
    return errors::invalid_parameter(
        "ReadCapacityUnits and WriteCapacityUnits must both be "
        "specified when BillingMode is PROVISIONED");
  }
  auto tp = parse_throughput(throughput);
  if (!tp) return tp.take_error();
  t.throughput = *tp;

  auto lsis = parse_indexes(in, false, t.on_demand, t);
  if (!lsis) return lsis.take_error();
  t.lsis = std::move(*lsis);
  auto gsis = parse_indexes(in, true, t.on_demand, t);
  if (!gsis) return gsis.take_error();
  t.gsis = std::move(*gsis);
  if (auto st = match_definitions(t); !st) return st.take_error();

  if (const auto* spec = in.if_contains("StreamSpecification"); spec && spec->is_object()) {
    if (auto st = check_stream_spec(spec->as_object()); !st) return st.take_error();
    t.stream_enabled = boolean(spec->as_object(), "StreamEnabled").value_or(false);
    if (t.stream_enabled) t.stream_view_type = str(spec->as_object(), "StreamViewType");
  }
  auto tags = parse_tags(in.if_contains("Tags"), aws_tags);
  if (!tags) return tags.take_error();
  t.tags = std::move(*tags);
  t.deletion_protection = boolean(in, "DeletionProtectionEnabled").value_or(false);
  if (auto cls = str(in, "TableClass"); !cls.empty()) {
    if (cls != "STANDARD" && cls != "STANDARD_INFREQUENT_ACCESS") {
      return errors::constraint(quoted(cls), "tableClass",
                                "Member must satisfy enum value set: [STANDARD_INFREQUENT_ACCESS, "
                                "STANDARD]");
    }
    t.table_class = cls;
  }
  return t;
}

}  // namespace nimbus::services::dynamodb
