// Helpers shared by the nimbus_auth tests.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "auth/canonical.h"
#include "auth/sigv4.h"

namespace nimbus::auth::testing {

class StaticCredentials final : public CredentialProvider {
 public:
  void add(Credentials c) {
    std::string id = c.access_key_id;
    map_[id] = std::make_shared<Credentials>(std::move(c));
  }
  std::shared_ptr<const Credentials> find(std::string_view id) const override {
    auto it = map_.find(std::string(id));
    return it == map_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<const Credentials>> map_;
};

inline Clock::time_point at(std::string_view amz_date) {
  return *detail::parse_amz_date(amz_date);
}

}  // namespace nimbus::auth::testing
