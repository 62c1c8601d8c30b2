// ModelRegistry's inside, shared by registry.cc and the protocol detector.
// Internal to the protocol engine.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "protocol/embedded_models.h"
#include "protocol/model.h"

namespace nimbus::protocol {

struct ModelRegistry::Impl {
  struct Entry {
    const embedded::Model* embedded = nullptr;
    mutable std::once_flag once;
    mutable std::unique_ptr<ServiceModel> model;  // set once under `once`
  };
  std::vector<std::unique_ptr<Entry>> entries;  // sorted by name

  const Entry* find(std::string_view name) const;
  // Parses on first use; thread-safe. nullptr only if the embedded JSON is bad.
  const ServiceModel* load(const Entry& e) const;
};

}  // namespace nimbus::protocol
