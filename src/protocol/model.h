// An AWS service model (botocore's service-2.json) held as parsed JSON, with
// accessors for what the parsers and serializers ask most often. Shapes stay
// JSON objects: the engine interprets them, nothing is generated per service.
//
// Immutable after construction; safe to share across threads.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/engine.h"

namespace nimbus::protocol {

class RestRoutes;

class OperationModel {
 public:
  std::string name;
  std::string http_method = "POST";  // http.method
  std::string request_uri = "/";     // http.requestUri, e.g. "/{Bucket}/{Key+}?uploads"
  int success_status = 200;          // http.responseCode
  std::string input_shape;           // may be empty
  std::string output_shape;          // may be empty
  std::vector<std::string> errors;   // error shape names
  const boost::json::object* raw = nullptr;
};

// A shape with what reading a request against it asks of it, found once
// per model: its type, and the shapes its members, list member or map key
// and value name. The input walk and validation follow these pointers
// instead of looking "type", "members" and each reference's shape up by
// name for every value (per attribute of a DynamoDB item, ten members of a
// union scanned each time). Points into the model.
struct ShapeInfo {
  struct Member {
    std::string_view name;
    std::string_view location;  // its locationName, or empty
    const boost::json::object* ref = nullptr;
    const ShapeInfo* target = nullptr;  // nullptr: it names no shape of the model
  };
  const boost::json::object* json = nullptr;
  std::string_view type;        // its "type"
  bool document = false;        // "document": true
  bool has_members = false;     // a "members" object (structures)
  bool location_names = false;  // some member has a "locationName"
  std::vector<Member> members;  // the members whose reference is an object, in model order
  const boost::json::array* required = nullptr;
  const boost::json::value* min = nullptr;
  const boost::json::value* max = nullptr;
  const ShapeInfo* member = nullptr;  // list: the member's shape
  const ShapeInfo* key = nullptr;     // map
  const ShapeInfo* value = nullptr;   // map

  const Member* find(std::string_view name) const {
    for (const auto& m : members) {
      if (m.name == name) return &m;
    }
    return nullptr;
  }
};

class ServiceModel {
 public:
  // `model` is a service-2.json-like object: {metadata, operations, shapes}.
  // `name` is the botocore folder name ("sqs"); empty = metadata.endpointPrefix.
  explicit ServiceModel(boost::json::object model, std::string name = {});
  // Operations and shapes point into the held model: neither copied nor moved.
  ServiceModel(const ServiceModel&) = delete;
  ServiceModel& operator=(const ServiceModel&) = delete;
  ~ServiceModel();

  const std::string& name() const { return name_; }
  const boost::json::object& metadata() const { return metadata_; }
  Protocol protocol() const { return protocol_; }
  std::string_view target_prefix() const;  // metadata.targetPrefix ("AmazonSQS")
  std::string_view signing_name() const;   // metadata.signingName, else endpointPrefix
  std::string_view endpoint_prefix() const;
  std::string_view json_version() const;   // metadata.jsonVersion ("1.0")
  std::string_view xml_namespace() const;  // metadata.xmlNamespace
  std::string_view api_version() const;
  bool query_compatible() const;  // metadata.awsQueryCompatible present

  const OperationModel* operation(std::string_view name) const;
  const std::vector<OperationModel>& operations() const { return operations_; }
  // The shape definition, or nullptr.
  const boost::json::object* shape(std::string_view name) const;
  // The operation's input / output shape definition, or nullptr when none.
  const boost::json::object* input_shape(const OperationModel& op) const;
  const boost::json::object* output_shape(const OperationModel& op) const;
  // `shape` (a definition of this model) resolved: see ShapeInfo. The
  // model's shapes are resolved together on the first call. A definition
  // not among them is resolved into `scratch`.
  const ShapeInfo& info(const boost::json::object& shape, ShapeInfo& scratch) const;
  // The whole model object ({metadata, operations, shapes}).
  const boost::json::object& model() const { return model_; }
  // The operations' routes by method and requestUri (rest_routes.h).
  const RestRoutes& rest_routes() const { return *rest_routes_; }

 private:
  std::string name_;
  boost::json::object model_;
  boost::json::object metadata_;
  Protocol protocol_ = Protocol::kRestXml;
  std::vector<OperationModel> operations_;
  std::unordered_map<std::string, size_t> op_index_;
  const boost::json::object* shapes_ = nullptr;
  std::unique_ptr<const RestRoutes> rest_routes_;
  void resolve(const boost::json::object& shape, ShapeInfo& out) const;
  mutable std::once_flag infos_once_;
  // Filled once under infos_once_, then only read.
  mutable std::unordered_map<const boost::json::object*, ShapeInfo> infos_;
};

}  // namespace nimbus::protocol
