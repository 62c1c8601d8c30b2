// awsQuery (and ec2) input: flat form parameters whose dotted names mirror
// the input shape ("Tags.member.1.Key", flattened "Attribute.1.Name", maps
// "Foo.entry.1.key" / "Foo.entry.1.value"), read back into one JSON value.
#include <map>
#include <optional>
#include <set>

#include "protocol/input.h"
#include "protocol/input_values.h"

namespace nimbus::protocol::input {
namespace json = boost::json;
namespace {

class QueryReader {
 public:
  QueryReader(const ServiceModel& model, const FormParams& params) : model_(model) {
    for (const auto& [k, v] : params) params_.emplace(k, v);  // first value wins
  }

  // The value at `key` of `shape`, or nullopt when the request has none.
  Result<std::optional<json::value>> read(const json::object& shape, const json::object& ref,
                                          const std::string& key, int depth) {
    if (depth > kMaxDepth) return serialization_error("Parameter nesting too deep at " + key);
    auto type = type_of(shape);
    if (type == "structure") return read_structure(shape, key, depth);
    if (type == "list") return read_list(shape, ref, key, depth);
    if (type == "map") return read_map(shape, ref, key, depth);
    auto it = params_.find(key);
    if (it == params_.end()) return std::optional<json::value>();
    auto v = scalar_from_text(shape, it->second, key);
    if (!v) return v.take_error();
    return std::optional<json::value>(std::move(*v));
  }

  Result<std::optional<json::value>> read_structure(const json::object& shape,
                                                    const std::string& key, int depth) {
    if (!key.empty() && !has_children(key)) return std::optional<json::value>();
    json::object out;
    if (const auto* members = object_at(shape, "members")) {
      for (const auto& [name, ref_v] : *members) {
        if (!ref_v.is_object()) continue;
        const auto& ref = ref_v.get_object();
        const auto* member_shape = target(model_, ref);
        if (member_shape == nullptr) continue;
        // botocore names a member by its reference's locationName, else the
        // target shape's own (SQS TagMap: flattened, locationName "Tag").
        auto wire = str_of(ref, "locationName");
        if (wire.empty()) wire = str_of(*member_shape, "locationName");
        std::string sub = std::string(wire.empty() ? std::string_view(name) : wire);
        if (!key.empty()) sub = key + "." + sub;
        auto v = read(*member_shape, ref, sub, depth + 1);
        if (!v) return v.take_error();
        if (*v) out.emplace(name, std::move(**v));
      }
    }
    return std::optional<json::value>(std::move(out));
  }

  Result<std::optional<json::value>> read_list(const json::object& shape, const json::object& ref,
                                               const std::string& key, int depth) {
    const auto* member_ref = object_at(shape, "member");
    const auto* member_shape = member_ref ? target(model_, *member_ref) : nullptr;
    if (member_shape == nullptr) return std::optional<json::value>();
    auto member_name = str_of(*member_ref, "locationName");
    std::string prefix;
    if (bool_of(ref, "flattened") || bool_of(shape, "flattened")) {
      prefix = key;
      if (!member_name.empty()) {
        auto dot = key.rfind('.');
        prefix = (dot == std::string::npos ? std::string() : key.substr(0, dot + 1)) +
                 std::string(member_name);
      }
    } else {
      prefix = key + "." + std::string(member_name.empty() ? "member" : member_name);
    }
    auto indices = indices_under(prefix);
    if (indices.empty()) {
      auto it = params_.find(key);  // "Foo=" is how an empty list is sent
      if (it != params_.end() && it->second.empty())
        return std::optional<json::value>(json::array());
      return std::optional<json::value>();
    }
    json::array out;
    for (auto i : indices) {
      auto v = read(*member_shape, *member_ref, prefix + "." + std::to_string(i), depth + 1);
      if (!v) return v.take_error();
      out.push_back(*v ? std::move(**v) : json::value(nullptr));
    }
    return std::optional<json::value>(std::move(out));
  }

  Result<std::optional<json::value>> read_map(const json::object& shape, const json::object& ref,
                                              const std::string& key, int depth) {
    const auto* key_ref = object_at(shape, "key");
    const auto* value_ref = object_at(shape, "value");
    const auto* value_shape = value_ref ? target(model_, *value_ref) : nullptr;
    if (key_ref == nullptr || value_shape == nullptr) return std::optional<json::value>();
    bool flat = bool_of(ref, "flattened") || bool_of(shape, "flattened");
    std::string prefix = flat ? key : key + ".entry";
    auto key_name = str_of(*key_ref, "locationName");
    auto value_name = str_of(*value_ref, "locationName");
    auto indices = indices_under(prefix);
    if (indices.empty()) {
      auto it = params_.find(key);
      if (it != params_.end() && it->second.empty())
        return std::optional<json::value>(json::object());
      return std::optional<json::value>();
    }
    json::object out;
    for (auto i : indices) {
      std::string entry = prefix + "." + std::to_string(i) + ".";
      auto k = params_.find(entry + std::string(key_name.empty() ? "key" : key_name));
      if (k == params_.end()) continue;
      auto v = read(*value_shape, *value_ref,
                    entry + std::string(value_name.empty() ? "value" : value_name), depth + 1);
      if (!v) return v.take_error();
      if (*v) out[k->second] = std::move(**v);
    }
    return std::optional<json::value>(std::move(out));
  }

 private:
  bool has_children(const std::string& key) const {
    std::string p = key + ".";
    auto it = params_.lower_bound(p);
    return it != params_.end() && it->first.compare(0, p.size(), p) == 0;
  }

  // The N of every "<prefix>.N" or "<prefix>.N.*" parameter, ascending.
  std::set<uint32_t> indices_under(const std::string& prefix) const {
    std::set<uint32_t> out;
    std::string p = prefix + ".";
    for (auto it = params_.lower_bound(p); it != params_.end(); ++it) {
      const std::string& k = it->first;
      if (k.compare(0, p.size(), p) != 0) break;
      uint64_t n = 0;
      std::size_t i = p.size();
      for (; i < k.size() && k[i] >= '0' && k[i] <= '9' && n < 100000000; ++i)
        n = n * 10 + (k[i] - '0');
      if (i > p.size() && (i == k.size() || k[i] == '.') && n > 0)
        out.insert(static_cast<uint32_t>(n));
    }
    return out;
  }

  const ServiceModel& model_;
  std::map<std::string, std::string> params_;
};

}  // namespace

Result<json::object> parse_query(const ServiceModel& model, const OperationModel& op,
                                 const FormParams& params) {
  const auto* shape = model.input_shape(op);
  if (shape == nullptr) return json::object();
  QueryReader reader(model, params);
  auto v = reader.read_structure(*shape, std::string(), 0);
  if (!v) return v.take_error();
  if (!*v || !(*v)->is_object()) return json::object();
  return std::move((*v)->get_object());
}

}  // namespace nimbus::protocol::input
