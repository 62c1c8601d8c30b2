// Lambda layers (PublishLayerVersion and friends): the layer table, in
// memory and in storage, namespace "lambda.layers":
//
//   str LAYER_NAME -> {"Name", "Latest": N, "Versions": {"N": version}}
//
// A version is the API's document (LayerVersionArn, Version, Description,
// CreatedDate, CompatibleRuntimes, CompatibleArchitectures, LicenseInfo,
// Content{CodeSha256, CodeSize}) plus "Code" (CodeStore's SHA-256 hex of the
// zip) and "Policy" (the statements of AddLayerVersionPermission).
// Latest survives the deletion of every version: numbers are never reused,
// as in AWS. Each change is one write of the layer's document, partition the
// layer name, committed before the API answers. The zip itself is function
// code: a CodeStore blob (code.h), kept while a layer version names it.
//
// Threads: every method is thread-safe and never blocks except recover().
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "services/service.h"

namespace nimbus::services::lambda {

struct Layer {
  std::string name;
  int64_t latest = 0;
  std::map<int64_t, boost::json::object> versions;  // by number
};

class Layers {
 public:
  explicit Layers(Environment& env) : env_(env) {}

  Status recover();
  std::optional<boost::json::object> get(const std::string& name, int64_t version) const;
  // Every layer with at least one version, by name.
  std::vector<Layer> all() const;
  std::optional<Layer> layer(const std::string& name) const;
  // The code every version names (collection keeps it).
  std::set<std::string> codes() const;

  // Stores `version` as the next version of `name`; `fill` completes the
  // document once its number is known (ARN, Version). Answers the document.
  void publish(const std::string& name, boost::json::object version,
               const std::function<void(boost::json::object&, int64_t)>& fill,
               std::function<void(Result<boost::json::object>)> done);
  // Changes one version through `fn` (which must fail before it changes
  // anything) and answers fn's output once durable. ResourceNotFoundException
  // when the version does not exist.
  void change(const std::string& name, int64_t version,
              const std::function<Output(boost::json::object&)>& fn, Respond respond);
  // Removes one version; answers the code it named ("" when there was none).
  void remove(const std::string& name, int64_t version,
              std::function<void(Result<std::string>)> done);

 private:
  // mu_ held: commits the layer's document.
  void persist_locked(const Layer& l, std::function<void(Status)> done);

  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, Layer> layers_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::lambda
