// The s3 service's ObjectWriter (api.h) on its engine.
#pragma once

#include "services/s3/api.h"
#include "services/s3/engine.h"

namespace nimbus::services::s3 {

class EngineObjectWriter final : public ObjectWriter {
 public:
  explicit EngineObjectWriter(Engine& engine) : engine_(engine) {}
  void put(NewObject object, std::function<void(Status)> done) override;

 private:
  Engine& engine_;
};

}  // namespace nimbus::services::s3
