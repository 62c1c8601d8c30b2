// Function URL configurations (CreateFunctionUrlConfig and friends): one
// JSON document per function and qualifier, in memory and in storage,
// namespace "lambda.urls":
//
//   str FUNCTION_NAME, str QUALIFIER ("" for the unqualified function) -> doc
//
// Document members: FunctionName, Qualifier, UrlId, AuthType, Cors,
// InvokeMode, CreationTime, LastModifiedTime (Lambda's time format). Each
// change is one WriteBatch of one record, partition the function's name,
// committed before the API answers. The URL's address is
// {UrlId}.lambda-url.{region}.localhost; its data plane is API Gateway's
// (the payload format 2.0 code lives there), which finds a URL through
// Functions::function_url (api.h).
//
// Threads: every method is thread-safe and never blocks except recover().
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "services/service.h"

namespace nimbus::services::lambda {

class FunctionUrls {
 public:
  explicit FunctionUrls(Environment& env) : env_(env) {}

  Status recover();
  std::optional<boost::json::object> get(const std::string& name,
                                         const std::string& qualifier) const;
  std::optional<boost::json::object> by_url_id(const std::string& url_id) const;
  std::vector<boost::json::object> list(const std::string& name) const;  // by qualifier
  // Stores `doc` for (name, qualifier), replacing what was there.
  void put(boost::json::object doc, std::function<void(Status)> done);
  void remove(const std::string& name, const std::string& qualifier,
              std::function<void(Status)> done);

 private:
  using Key = std::pair<std::string, std::string>;
  Environment& env_;
  mutable Mutex mu_;
  std::map<Key, boost::json::object> docs_ GUARDED_BY(mu_);
  std::map<std::string, Key> by_id_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::lambda
