// Validation of an input value against its shape, with AWS's messages:
// "2 validation errors detected: Value null at 'queueName' failed to satisfy
// constraint: Member must not be null; Value '0' at 'maxResults' ...".
#include <cmath>

#include "protocol/input.h"
#include "protocol/input_values.h"

namespace nimbus::protocol::input {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxErrors = 100;

std::string render(const json::value& v) {
  std::string out;
  switch (v.kind()) {
    case json::kind::string:
      out.assign(v.get_string().data(), v.get_string().size());
      break;
    case json::kind::array: {
      out = "[";
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        out += render(item);
        if (out.size() > 256) break;
      }
      out += "]";
      break;
    }
    case json::kind::null:
      out = "null";
      break;
    default:
      out = json::serialize(v);
  }
  if (out.size() > 256) out = out.substr(0, 256) + "...";
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class Validator {
 public:
  // Checks `v` against `shape`; path_ names it ("records.3.member.data").
  void check(const ShapeInfo& shape, const json::value& v, int depth) {
    if (errors_.size() >= kMaxErrors || depth > kMaxDepth) return;
    auto type = shape.type;
    if (type == "structure") {
      if (!v.is_object()) return fail(v, "Member must be a structure");
      return check_structure(shape, v.get_object(), depth);
    }
    if (type == "list") {
      if (!v.is_array()) return fail(v, "Member must be a list");
      check_size(shape, v, v.get_array().size());
      const auto* member = shape.member;
      if (member == nullptr) return;
      std::size_t i = 0;
      for (const auto& item : v.get_array()) {
        ++i;
        if (item.is_null()) continue;
        Step step(path_);
        path_ += '.';
        path_ += std::to_string(i);
        path_ += ".member";
        check(*member, item, depth + 1);
      }
      return;
    }
    if (type == "map") {
      if (!v.is_object()) return fail(v, "Member must be a map");
      check_size(shape, v, v.get_object().size());
      const auto* key_shape = shape.key;
      const auto* value_shape = shape.value;
      for (const auto& [k, item] : v.get_object()) {
        if (key_shape != nullptr) {
          Step step(path_);
          path_ += ".key";
          check(*key_shape, json::value(k), depth + 1);
        }
        if (value_shape != nullptr && !item.is_null()) {
          Step step(path_);
          path_ += '.';
          path_.append(k.data(), k.size());
          check(*value_shape, item, depth + 1);
        }
      }
      return;
    }
    if (type == "string") {
      if (!v.is_string()) return fail(v, "Member must be a string");
      std::string_view s(v.get_string().data(), v.get_string().size());
      check_size(shape, v, utf8_length(s));
      // Enums are not enforced: the embedded models (botocore 1.29.27) predate
      // values AWS accepts today (Lambda runtimes python3.12, nodejs20.x,
      // provided.al2023), and query services accept values outside their
      // models' enums (SQS ReceiveMessage AttributeNames). Services check the
      // values they act on and answer with AWS's own codes.
      return;
    }
    if (type == "blob") {
      if (!v.is_string()) return fail(v, "Member must be a blob");
      return check_size(shape, v, v.get_string().size());
    }
    if (type == "boolean") {
      if (!v.is_bool()) fail(v, "Member must be a boolean");
      return;
    }
    if (type == "timestamp") {
      if (!v.is_number()) fail(v, "Member must be a timestamp");
      return;
    }
    if (type == "integer" || type == "long" || type == "short" || type == "byte" ||
        type == "float" || type == "double" || type == "bigInteger" || type == "bigDecimal") {
      if (!v.is_number()) return fail(v, "Member must be a number");
      double d = v.to_number<double>();
      if (const auto* mn = shape.min; mn && mn->is_number() && d < mn->to_number<double>()) {
        fail(v, "Member must have value greater than or equal to " + json::serialize(*mn));
      }
      if (const auto* mx = shape.max; mx && mx->is_number() && d > mx->to_number<double>()) {
        fail(v, "Member must have value less than or equal to " + json::serialize(*mx));
      }
    }
  }

  void check_structure(const ShapeInfo& shape, const json::object& obj, int depth) {
    if (!shape.has_members) return;
    if (const auto* req = shape.required) {
      for (const auto& r : *req) {
        if (!r.is_string()) continue;
        const auto* field = obj.if_contains(r.get_string());
        if (field == nullptr || field->is_null()) {
          Step step(path_);
          join(r.get_string());
          fail(json::value(nullptr), "Member must not be null");
        }
      }
    }
    for (const auto& [name, field] : obj) {
      const auto* m = shape.find({name.data(), name.size()});
      if (m == nullptr || field.is_null()) continue;
      if (const auto* member = m->target) {
        Step step(path_);
        join(name);
        check(*member, field, depth + 1);
      }
    }
  }

  std::vector<std::string> errors_;

 private:
  // path_ for the time of a step down, then back (one buffer for the
  // whole input: no string is built per member or element checked).
  struct Step {
    explicit Step(std::string& p) : path(p), size(p.size()) {}
    ~Step() { path.resize(size); }
    std::string& path;
    std::size_t size;
  };

  // Appends member `name` to path_ (lower camel case, as AWS names it).
  void join(std::string_view name) {
    if (!path_.empty()) path_ += '.';
    std::size_t at = path_.size();
    path_.append(name);
    if (at < path_.size() && path_[at] >= 'A' && path_[at] <= 'Z') {
      path_[at] = static_cast<char>(path_[at] - 'A' + 'a');
    }
  }

  void check_size(const ShapeInfo& shape, const json::value& v, std::size_t n) {
    const auto* mn = shape.min;
    const auto* mx = shape.max;
    if (mn != nullptr && mn->is_number() && static_cast<double>(n) < mn->to_number<double>()) {
      fail(v, "Member must have length greater than or equal to " + json::serialize(*mn));
    }
    if (mx != nullptr && mx->is_number() && static_cast<double>(n) > mx->to_number<double>()) {
      fail(v, "Member must have length less than or equal to " + json::serialize(*mx));
    }
  }

  void fail(const json::value& v, const std::string& constraint) {
    if (errors_.size() >= kMaxErrors) return;
    std::string value = v.is_null() ? "null" : "'" + render(v) + "'";
    errors_.push_back("Value " + value + " at '" + path_ +
                      "' failed to satisfy constraint: " + constraint);
  }

  std::string path_;
};

std::string validation_code(const ServiceModel& model) {
  for (const char* name : {"ValidationException", "ValidationError"}) {
    if (const auto* s = model.shape(name); s != nullptr && bool_of(*s, "exception")) {
      if (const auto* err = object_at(*s, "error");
          err != nullptr && !str_of(*err, "code").empty()) {
        return std::string(str_of(*err, "code"));
      }
      return name;
    }
  }
  auto p = model.protocol();
  return p == Protocol::kQuery || p == Protocol::kEc2 ? "ValidationError" : "ValidationException";
}

}  // namespace

std::string lower_camel(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

Status validate(const ServiceModel& model, const OperationModel& op, const json::object& input,
                Protocol /*wire*/) {
  const auto* shape = model.input_shape(op);
  if (shape == nullptr) return Status::ok();
  Validator v;
  ShapeInfo scratch;
  v.check_structure(model.info(*shape, scratch), input, 0);
  if (v.errors_.empty()) return Status::ok();
  std::string message = std::to_string(v.errors_.size()) + " validation error" +
                        (v.errors_.size() == 1 ? "" : "s") + " detected: ";
  for (std::size_t i = 0; i < v.errors_.size(); ++i) {
    if (i > 0) message += "; ";
    message += v.errors_[i];
  }
  return Error::make(validation_code(model), std::move(message), 400);
}

}  // namespace nimbus::protocol::input
