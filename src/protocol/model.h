// An AWS service model (botocore's service-2.json) held as parsed JSON, with
// accessors for what the parsers and serializers ask most often. Shapes stay
// JSON objects: the engine interprets them, nothing is generated per service.
//
// Immutable after construction; safe to share across threads.
#pragma once

#include <boost/json.hpp>
#include <memory>
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
};

}  // namespace nimbus::protocol
