#include "services/lambda/function_layers.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>

#include "services/lambda/errors.h"
#include "services/lambda/util.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

namespace {

constexpr size_t kMaxLayers = 5;

struct VersionArn {
  std::string region, account, name;
  int64_t version = 0;
};

bool word(std::string_view s, bool digits_only) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [digits_only](char c) {
    auto u = static_cast<unsigned char>(c);
    return digits_only ? std::isdigit(u) != 0 : std::isalnum(u) != 0 || c == '-' || c == '_';
  });
}

// arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION, the model's
// LayerVersionArn pattern (at most 140 characters).
std::optional<VersionArn> parse_version_arn(std::string_view arn) {
  if (arn.size() > 140) return std::nullopt;
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t colon = arn.find(':', start);
    parts.push_back(arn.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (parts.size() != 8 || parts[0] != "arn" || !word(parts[1], false) || parts[2] != "lambda" ||
      !word(parts[3], false) || parts[4].size() != 12 || !word(parts[4], true) ||
      parts[5] != "layer" || !word(parts[6], false) || !word(parts[7], true)) {
    return std::nullopt;
  }
  VersionArn out{std::string(parts[3]), std::string(parts[4]), std::string(parts[6]), 0};
  auto r = std::from_chars(parts[7].data(), parts[7].data() + parts[7].size(), out.version);
  if (r.ec != std::errc()) return std::nullopt;
  return out;
}

Error not_arns(const json::array& given) {
  std::string list;
  for (const auto& v : given) {
    if (!list.empty()) list += ", ";
    list += v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }
  return Error::make(
      code::kValidation,
      "1 validation error detected: Value '[" + list +
          "]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member "
          "must have length less than or equal to 140, Member must have length greater than or "
          "equal to 1, Member must satisfy regular expression pattern: "
          "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-"
          "zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)]");
}

}  // namespace

Result<FunctionLayers> resolve_function_layers(const json::value& given, const Layers& table,
                                               const std::string& region,
                                               const std::string& account) {
  FunctionLayers out;
  if (given.is_null()) return out;
  if (!given.is_array()) return not_arns(json::array{given});
  const auto& list = given.as_array();
  std::vector<VersionArn> arns;
  for (const auto& v : list) {
    auto arn = v.is_string() ? parse_version_arn(v.as_string()) : std::nullopt;
    if (!arn) return not_arns(list);
    arns.push_back(*arn);
  }
  if (arns.size() > kMaxLayers) return invalid("Cannot reference more than 5 layers.");
  std::map<std::string, std::string> seen;  // layer (ARN without version) -> first version ARN
  for (size_t i = 0; i < arns.size(); ++i) {
    const auto& a = arns[i];
    std::string arn(list[i].as_string());
    if (a.region != region) {
      return invalid(
          "Layers are not in the same region as the function. Layers are expected to "
          "be in region " +
          region + ".");
    }
    auto doc = a.account == account ? table.get(a.name, a.version) : std::nullopt;
    if (!doc) return invalid("Layer version " + arn + " does not exist.");
    std::string layer = arn.substr(0, arn.rfind(':'));
    if (auto [it, fresh] = seen.emplace(layer, arn); !fresh) {
      return invalid(
          "Two different versions of the same layer are not allowed to be referenced in the same "
          "function. " +
          it->second + " and " + arn + " are versions of the same layer.");
    }
    int64_t size = 0;
    if (const auto* c = doc->if_contains("Content"); c && c->is_object()) {
      size = integer(c->as_object(), "CodeSize").value_or(0);
    }
    out.shown.push_back(json::object{{"Arn", arn}, {"CodeSize", size}});
    out.codes.push_back(str(*doc, "Code"));
  }
  return out;
}

}  // namespace nimbus::services::lambda
