// The s3 service's ObjectReader (api.h) on its engine: GetObject's lookup,
// then the body read whole on the worker pool.
#pragma once

#include "common/worker_pool.h"
#include "services/s3/api.h"
#include "services/s3/engine.h"

namespace nimbus::services::s3 {

class EngineObjectReader final : public ObjectReader {
 public:
  EngineObjectReader(Engine& engine, WorkerPool& workers) : engine_(engine), workers_(workers) {}
  void get(std::string bucket, std::string key, std::string version_id, uint64_t limit,
           std::function<void(Result<std::string>)> done) override;

 private:
  // `attempt` counts the reads that found their body replaced meanwhile.
  void fetch(std::string bucket, std::string key, std::string version_id, uint64_t limit,
             std::function<void(Result<std::string>)> done, int attempt);

  Engine& engine_;
  WorkerPool& workers_;
};

}  // namespace nimbus::services::s3
