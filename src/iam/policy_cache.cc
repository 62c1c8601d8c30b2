#include "iam/policy_cache.h"

namespace nimbus::iam {

std::shared_ptr<const Policy> PolicyCache::get(std::string_view document) const {
  if (document.empty()) return nullptr;
  {
    std::lock_guard lock(mu_);
    if (auto it = parsed_.find(document); it != parsed_.end()) return it->second;
  }
  std::shared_ptr<const Policy> policy;
  if (auto p = parse_policy(document, PolicyKind::kResource)) {
    policy = std::make_shared<const Policy>(std::move(*p));
  }
  std::lock_guard lock(mu_);
  if (parsed_.size() >= capacity_) parsed_.clear();
  parsed_.emplace(std::string(document), policy);
  return policy;
}

}  // namespace nimbus::iam
