// The Lambda service's state for one function: its $LATEST configuration,
// published versions, aliases, concurrency and async settings, resource
// policy and tags, plus the runtime::FunctionSpec each version runs as.
// Stored as one JSON document per function (namespace "lambda.functions",
// key = function name). Plain data: the engine guards it with its mutex.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/types.h"

namespace nimbus::services::lambda {

namespace json = boost::json;

struct Version {
  json::object config;  // FunctionConfiguration as the API answers it
  std::string code;     // SHA-256 hex of the zip: names its blob and cache directory (code.h)
  std::vector<std::string> layers;  // the codes of its Layers, in order (config "Layers")
  std::shared_ptr<const runtime::FunctionSpec> spec;  // rebuilt on every change
  std::string source_revision;  // published versions: the $LATEST RevisionId they came from
};

struct Function {
  std::string name;
  Version latest;
  std::map<uint64_t, Version> versions;  // published, by number
  uint64_t last_version = 0;
  std::map<std::string, json::object> aliases;       // AliasConfiguration by name
  std::optional<int64_t> reserved;                   // PutFunctionConcurrency
  std::map<std::string, json::object> provisioned;   // qualifier -> config
  std::map<std::string, json::object> event_config;  // qualifier ("$LATEST", "1", alias)
  json::array policy;                                // statements
  json::object tags;
};

json::object to_document(const Function& f);
Function from_document(const json::object& doc);

}  // namespace nimbus::services::lambda
