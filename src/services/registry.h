// The one list of services nimbus serves. Adding a service is a folder under
// src/services/ plus one line in registry.cc.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "services/service.h"

namespace nimbus::services {

class Registry {
 public:
  explicit Registry(Environment& env);

  // nullptr when nimbus does not serve that model.
  Service* find(std::string_view model_name) const;
  const std::vector<std::unique_ptr<Service>>& all() const { return services_; }
  // Model names, for ModelRegistry.
  std::vector<std::string> model_names() const;

 private:
  std::vector<std::unique_ptr<Service>> services_;
};

}  // namespace nimbus::services
