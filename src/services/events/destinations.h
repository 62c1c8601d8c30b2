// EventBridge connections (how to authorize against an HTTP endpoint) and
// API destinations (an endpoint, its method and rate, through a connection).
//
// State: namespace `events`, one JSON record per connection (key `c`/name)
// and per API destination (key `d`/name), each change one batch committed
// before the API answers; read back in start(). A connection's record keeps
// its AuthParameters as given, secrets included (AWS keeps them in Secrets
// Manager; nimbus in its own store). describe_auth() is the view without
// them: nothing that answers an API call reads `auth` directly.
//
// Threads: every method may be called from any thread and never blocks
// (commits are asynchronous, queued under the mutex that guards the maps,
// so the record stored last is the newest).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "services/service.h"

namespace nimbus::services::eventbridge {

struct Connection {
  std::string name;
  std::string arn;  // .../connection/NAME/UUID
  std::string description;
  std::string auth_type;  // BASIC, API_KEY, OAUTH_CLIENT_CREDENTIALS
  std::string state;      // AUTHORIZED, AUTHORIZING, DEAUTHORIZED
  std::string state_reason;
  boost::json::object auth;  // AuthParameters, secrets included
  int64_t created_s = 0;
  int64_t modified_s = 0;
  int64_t authorized_s = 0;  // 0: never
};

struct ApiDestination {
  std::string name;
  std::string arn;  // .../api-destination/NAME/UUID
  std::string description;
  std::string connection_arn;
  std::string endpoint;  // may hold `*` path wildcards
  std::string method;
  int64_t rate_per_s = 300;
  int64_t created_s = 0;
  int64_t modified_s = 0;
};

// A name of letters, digits, '.', '-' and '_', 1 to `max` long (archives,
// replays, connections, API destinations).
bool valid_name(std::string_view name, size_t max);

// AuthParameters without the secrets: Password, ApiKeyValue, ClientSecret
// and the Value of every parameter marked IsValueSecret.
boost::json::object describe_auth(const boost::json::object& auth);
// The NAME of an ARN .../connection/NAME/UUID or .../api-destination/NAME/UUID
// ("" when `arn` is not of that `kind`).
std::string name_in_arn(std::string_view arn, std::string_view kind);

class Destinations {
 public:
  using Done = std::function<void(Status)>;
  explicit Destinations(Environment& env) : env_(env) {}

  Status start();

  std::optional<Connection> connection(std::string_view name) const;
  // The connection an ARN names, when its UUID is the stored one too.
  std::optional<Connection> connection_by_arn(std::string_view arn) const;
  std::vector<Connection> connections() const;
  void put_connection(Connection c, Done done);
  void delete_connection(const std::string& name, Done done);
  // Applies `change` to the stored connection `name` under the lock and
  // stores it when `change` answers true (nothing when there is none).
  void change_connection(const std::string& name, const std::function<bool(Connection&)>& change,
                         Done done);

  std::optional<ApiDestination> destination(std::string_view name) const;
  std::optional<ApiDestination> destination_by_arn(std::string_view arn) const;
  std::vector<ApiDestination> destinations() const;
  void put_destination(ApiDestination d, Done done);
  void delete_destination(const std::string& name, Done done);

 private:
  Environment& env_;
  mutable Mutex mu_;
  std::map<std::string, Connection, std::less<>> connections_ GUARDED_BY(mu_);
  std::map<std::string, ApiDestination, std::less<>> destinations_ GUARDED_BY(mu_);
};

}  // namespace nimbus::services::eventbridge
