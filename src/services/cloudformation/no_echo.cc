#include "services/cloudformation/no_echo.h"

#include "services/cloudformation/providers/provider.h"

namespace nimbus::services::cloudformation {

Secrets secrets(const StackState& s, bool parameters) {
  std::vector<std::pair<std::string, std::string>> out;
  if (parameters) {
    const auto* declared = s.processed.if_contains("Parameters");
    for (const auto& p : s.parameters) {
      const auto* d = declared != nullptr && declared->is_object()
                          ? declared->as_object().if_contains(p.key)
                          : nullptr;
      const auto* n =
          d != nullptr && d->is_object() ? d->as_object().if_contains("NoEcho") : nullptr;
      bool no_echo = n != nullptr && ((n->is_bool() && n->as_bool()) ||
                                      (n->is_string() && n->as_string() == "true"));
      if (no_echo && !p.value.empty()) out.emplace_back(p.value, "****");
    }
  }
  for (const auto& [id, r] : s.resources) {
    if (!r.no_echo) continue;
    for (const auto& [k, v] : r.attributes) {
      std::string text = provide::text(v);
      if (!text.empty()) out.emplace_back(text, "*****");
    }
  }
  return out;
}

void mask(json::value& v, const Secrets& hidden) {
  if (v.is_string()) {
    std::string text(v.as_string());
    bool changed = false;
    for (const auto& [secret, masked] : hidden) {
      for (size_t at = text.find(secret); at != std::string::npos;
           at = text.find(secret, at + masked.size())) {
        text.replace(at, secret.size(), masked);
        changed = true;
      }
    }
    if (changed) v = json::string(text);
  } else if (v.is_array()) {
    for (auto& item : v.as_array()) mask(item, hidden);
  } else if (v.is_object()) {
    for (auto& [k, item] : v.as_object()) mask(item, hidden);
  }
}

}  // namespace nimbus::services::cloudformation
