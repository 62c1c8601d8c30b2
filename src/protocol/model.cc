#include "protocol/model.h"

#include "protocol/rest_routes.h"
#include "protocol/serialize_internal.h"

namespace nimbus::protocol {
namespace {

std::string_view str_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  const auto& s = v->get_string();
  return {s.data(), s.size()};
}

Protocol protocol_of(std::string_view name, std::string_view json_version) {
  if (name == "query") return Protocol::kQuery;
  if (name == "json") return json_version == "1.0" ? Protocol::kJson10 : Protocol::kJson11;
  if (name == "rest-json") return Protocol::kRestJson;
  if (name == "ec2") return Protocol::kEc2;
  if (name == "smithy-rpc-v2-cbor") return Protocol::kRpcV2Cbor;
  return Protocol::kRestXml;
}

OperationModel make_operation(std::string name, const boost::json::object& raw) {
  OperationModel op;
  op.name = std::move(name);
  op.raw = &raw;
  if (const auto* http = raw.if_contains("http"); http != nullptr && http->is_object()) {
    const auto& h = http->get_object();
    if (auto m = str_of(h, "method"); !m.empty()) op.http_method = std::string(m);
    if (auto u = str_of(h, "requestUri"); !u.empty()) op.request_uri = std::string(u);
    if (const auto* code = h.if_contains("responseCode"); code != nullptr && code->is_int64()) {
      op.success_status = static_cast<int>(code->get_int64());
    }
  }
  if (const auto* in = raw.if_contains("input"); in != nullptr && in->is_object()) {
    op.input_shape = std::string(str_of(in->get_object(), "shape"));
  }
  if (const auto* out = raw.if_contains("output"); out != nullptr && out->is_object()) {
    op.output_shape = std::string(str_of(out->get_object(), "shape"));
  }
  if (const auto* errs = raw.if_contains("errors"); errs != nullptr && errs->is_array()) {
    for (const auto& e : errs->get_array()) {
      if (e.is_object()) op.errors.emplace_back(str_of(e.get_object(), "shape"));
    }
  }
  return op;
}

}  // namespace

std::string_view to_string(Protocol p) {
  switch (p) {
    case Protocol::kQuery:
      return "awsQuery";
    case Protocol::kJson10:
      return "awsJson1_0";
    case Protocol::kJson11:
      return "awsJson1_1";
    case Protocol::kJson11Cbor:
      return "awsJson1_1+cbor";
    case Protocol::kRestJson:
      return "restJson1";
    case Protocol::kRestXml:
      return "restXml";
    case Protocol::kRpcV2Cbor:
      return "rpcv2Cbor";
    case Protocol::kEc2:
      return "ec2Query";
  }
  return "unknown";
}

ServiceModel::ServiceModel(boost::json::object model, std::string name)
    : name_(std::move(name)), model_(std::move(model)) {
  if (const auto* meta = model_.if_contains("metadata"); meta != nullptr && meta->is_object()) {
    metadata_ = meta->get_object();
  }
  if (name_.empty()) name_ = std::string(endpoint_prefix());
  protocol_ = protocol_of(str_of(metadata_, "protocol"), json_version());
  if (const auto* ops = model_.if_contains("operations"); ops != nullptr && ops->is_object()) {
    for (const auto& [key, value] : ops->get_object()) {
      if (!value.is_object()) continue;
      op_index_.emplace(std::string(key), operations_.size());
      operations_.push_back(make_operation(std::string(key), value.get_object()));
    }
  }
  if (const auto* shapes = model_.if_contains("shapes"); shapes != nullptr && shapes->is_object()) {
    shapes_ = &shapes->get_object();
  }
  rest_routes_ = std::make_unique<const RestRoutes>(*this);
}

ServiceModel::~ServiceModel() {
  ser::forget_plans();
}

std::string_view ServiceModel::target_prefix() const {
  return str_of(metadata_, "targetPrefix");
}

std::string_view ServiceModel::signing_name() const {
  auto s = str_of(metadata_, "signingName");
  return s.empty() ? endpoint_prefix() : s;
}

std::string_view ServiceModel::endpoint_prefix() const {
  return str_of(metadata_, "endpointPrefix");
}

std::string_view ServiceModel::json_version() const {
  return str_of(metadata_, "jsonVersion");
}

std::string_view ServiceModel::xml_namespace() const {
  return str_of(metadata_, "xmlNamespace");
}

std::string_view ServiceModel::api_version() const {
  return str_of(metadata_, "apiVersion");
}

bool ServiceModel::query_compatible() const {
  return metadata_.contains("awsQueryCompatible");
}

const OperationModel* ServiceModel::operation(std::string_view name) const {
  auto it = op_index_.find(std::string(name));
  return it == op_index_.end() ? nullptr : &operations_[it->second];
}

const boost::json::object* ServiceModel::shape(std::string_view name) const {
  if (shapes_ == nullptr) return nullptr;
  const auto* v = shapes_->if_contains(name);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

void ServiceModel::resolve(const boost::json::object& shape, ShapeInfo& out) const {
  auto info_of = [this](const boost::json::value* ref) -> const ShapeInfo* {
    if (ref == nullptr || !ref->is_object()) return nullptr;
    const auto* s = this->shape(str_of(ref->get_object(), "shape"));
    if (s == nullptr) return nullptr;
    auto it = infos_.find(s);
    return it == infos_.end() ? nullptr : &it->second;
  };
  out = ShapeInfo{};
  out.json = &shape;
  out.type = str_of(shape, "type");
  if (const auto* d = shape.if_contains("document")) out.document = d->is_bool() && d->get_bool();
  if (const auto* members = shape.if_contains("members"); members && members->is_object()) {
    out.has_members = true;
    for (const auto& [name, ref] : members->get_object()) {
      if (!ref.is_object()) continue;
      const auto& r = ref.get_object();
      if (r.contains("locationName")) out.location_names = true;
      out.members.push_back(
          {{name.data(), name.size()}, str_of(r, "locationName"), &r, info_of(&ref)});
    }
  }
  if (const auto* req = shape.if_contains("required"); req && req->is_array()) {
    out.required = &req->get_array();
  }
  out.min = shape.if_contains("min");
  out.max = shape.if_contains("max");
  out.member = info_of(shape.if_contains("member"));
  out.key = info_of(shape.if_contains("key"));
  out.value = info_of(shape.if_contains("value"));
}

const ShapeInfo& ServiceModel::info(const boost::json::object& shape, ShapeInfo& scratch) const {
  std::call_once(infos_once_, [this] {
    if (shapes_ == nullptr) return;
    // Every shape gets its (stable) place first, so references can point
    // at shapes not resolved yet.
    for (const auto& [name, v] : *shapes_) {
      if (v.is_object()) infos_.emplace(&v.get_object(), ShapeInfo{});
    }
    for (auto& [json, info] : infos_) resolve(*json, info);
  });
  auto it = infos_.find(&shape);
  if (it != infos_.end()) return it->second;
  resolve(shape, scratch);
  return scratch;
}

const boost::json::object* ServiceModel::input_shape(const OperationModel& op) const {
  return op.input_shape.empty() ? nullptr : shape(op.input_shape);
}

const boost::json::object* ServiceModel::output_shape(const OperationModel& op) const {
  return op.output_shape.empty() ? nullptr : shape(op.output_shape);
}

}  // namespace nimbus::protocol
