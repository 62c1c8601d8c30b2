// The gateway's state: one JSON document per API (an HTTP API with its
// routes, integrations, deployments and stages; a REST API with its
// resources, methods, deployments and stages), in memory as immutable
// snapshots replaced whole on change, and in storage, namespace `apigw`:
//
//   str KIND, str API_ID -> the API's document (JSON)     KIND "v2" or "v1"
//
// An API is one partition (its id) and every change is one WriteBatch of
// its one record, so a change is all or nothing. Documents are small (the
// API's configuration, not its traffic). The data plane reads snapshots
// without locks beyond a shared_ptr copy; each snapshot carries what the
// data plane compiled from it (route tables), built once per change.
//
// Threads: every method is thread-safe and never blocks, except recover()
// (start-up). `done` runs on the storage committer thread: quick.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "services/service.h"

namespace nimbus::services::apigateway {

namespace json = boost::json;

// One API as stored, with what the data plane compiled from it.
struct Api {
  json::object doc;
  std::shared_ptr<const void> compiled;  // the owner's (compile below)
};
using ApiPtr = std::shared_ptr<const Api>;

class ApiStore {
 public:
  using Compile = std::function<std::shared_ptr<const void>(const json::object& doc)>;
  using Done = std::function<void(Result<ApiPtr>)>;

  ApiStore(Environment& env, std::string kind, Compile compile)
      : env_(env), kind_(std::move(kind)), compile_(std::move(compile)) {}

  Status recover();

  ApiPtr find(const std::string& id) const;
  std::vector<ApiPtr> list() const;  // by id

  // Stores a new API (Conflict when the id exists, which random ids make
  // vanishingly rare).
  void create(const std::string& id, json::object doc, Done done);
  // Applies `change` to a copy of the API's document and stores it; nothing
  // changes when `change` fails. NotFoundException when there is no such API.
  void update(const std::string& id, const std::function<Status(json::object&)>& change, Done done);
  void remove(const std::string& id, std::function<void(Status)> done);

 private:
  ApiPtr make(json::object doc) const;
  void put(const std::string& id, json::object doc, Done done) REQUIRES(mu_);

  Environment& env_;
  const std::string kind_;
  Compile compile_;
  mutable Mutex mu_;
  std::map<std::string, ApiPtr> apis_ GUARDED_BY(mu_);
};

// A random id of `n` lowercase letters and digits (API ids are 10, route
// and integration ids 7, as AWS's).
std::string new_id(size_t n);
// A new id of `n` characters that is not a key of `taken` (ids are random,
// so siblings in one document are checked rather than trusted apart).
std::string new_id(size_t n, const json::object& taken);

}  // namespace nimbus::services::apigateway
