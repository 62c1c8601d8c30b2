#include <algorithm>
#include <boost/json.hpp>

#include "protocol/registry_impl.h"

namespace nimbus::protocol {

const ModelRegistry::Impl::Entry* ModelRegistry::Impl::find(std::string_view name) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), name,
                       [](const auto& e, std::string_view n) { return e->embedded->name < n; });
  return it != entries.end() && (*it)->embedded->name == name ? it->get() : nullptr;
}

const ServiceModel* ModelRegistry::Impl::load(const Entry& e) const {
  std::call_once(e.once, [&e] {
    boost::system::error_code ec;
    auto value = boost::json::parse(std::string_view(e.embedded->json, e.embedded->size), ec);
    if (ec || !value.is_object()) return;
    e.model = std::make_unique<ServiceModel>(std::move(value.get_object()), e.embedded->name);
  });
  return e.model.get();
}

ModelRegistry::ModelRegistry(std::vector<std::string> services) : impl_(std::make_unique<Impl>()) {
  for (std::size_t i = 0; i < embedded::kModelCount; ++i) {
    const auto& m = embedded::kModels[i];
    if (!services.empty() &&
        std::find(services.begin(), services.end(), m.name) == services.end()) {
      continue;
    }
    auto e = std::make_unique<Impl::Entry>();
    e->embedded = &m;
    impl_->entries.push_back(std::move(e));
  }
  std::sort(impl_->entries.begin(), impl_->entries.end(), [](const auto& a, const auto& b) {
    return std::string_view(a->embedded->name) < std::string_view(b->embedded->name);
  });
}

ModelRegistry::~ModelRegistry() = default;

const ServiceModel* ModelRegistry::by_name(std::string_view name) const {
  const auto* e = impl_->find(name);
  return e == nullptr ? nullptr : impl_->load(*e);
}

std::string_view ModelRegistry::botocore_version() {
  return embedded::kBotocoreVersion;
}

std::string_view ModelRegistry::models_from() {
  return embedded::kModelsFrom;
}

std::vector<std::string> ModelRegistry::embedded_services() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < embedded::kModelCount; ++i)
    names.emplace_back(embedded::kModels[i].name);
  return names;
}

}  // namespace nimbus::protocol
