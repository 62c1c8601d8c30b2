// ApiInvoker: sends events to API destinations (the events::Target side of
// `arn:...:api-destination/NAME/UUID`) and authorizes OAuth connections.
//
// - Each delivery is one HTTP request (api_request.h) on an http::Client of
//   its own (created at the first use, its own thread), so no event loop
//   ever waits on an endpoint. The answer becomes the delivery's Outcome;
//   TargetQueue (events/target_queue.h) retries, ages out and dead-letters.
// - Rate: at most InvocationRateLimitPerSecond requests per destination and
//   second. A request over it waits for its slot on the Scheduler when that
//   slot is less than a second away, else fails THROTTLING (retried later).
// - OAuth: one access token per connection, fetched once for concurrent
//   deliveries, kept until shortly before it expires, fetched again when the
//   endpoint answers 401 (once per delivery). authorize() fetches one for a
//   connection that was created or updated and stores AUTHORIZED, or
//   DEAUTHORIZED with the reason; so does an authorization server that
//   refuses (4xx) the client at a delivery.
//
// Threads: any method from any thread; callbacks run on the client's thread
// or the scheduler's and never block. The destructor stops the client (its
// in-flight deliveries fail as unavailable, to be retried after a restart)
// and waits for running callbacks.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/gate.h"
#include "common/mutex.h"
#include "events/delivery.h"
#include "http/client.h"
#include "services/events/api.h"
#include "services/events/destinations.h"
#include "services/service.h"

namespace nimbus::services::eventbridge {

class ApiInvoker final : public Connections {
 public:
  ApiInvoker(Environment& env, Destinations& destinations,
             http::ClientOptions options = http::ClientOptions{});
  ~ApiInvoker();

  Status check(const std::string& arn) const;
  void deliver(const std::string& arn, ::nimbus::events::Delivery d,
               ::nimbus::events::DeliverDone done);

  // Fetches a token for the OAuth connection `name` and stores its state.
  void authorize(const std::string& name);
  // Drops the cached token of connection `name`.
  void forget(const std::string& name);
  // Connections (api.h): Step Functions' HTTP Task.
  void send(const std::string& arn, http::ClientRequest request, http::FetchDone done) override;

 private:
  struct TokenSlot;
  using TokenDone = std::function<void(Result<std::string>)>;

  void invoke(ApiDestination d, Connection c, ::nimbus::events::Delivery del,
              ::nimbus::events::DeliverDone done, bool refreshed);
  void send_as(Connection c, http::ClientRequest request, http::FetchDone done, bool refreshed);
  void with_token(const Connection& c, TokenDone done);
  void fetch_token(const Connection& c, std::shared_ptr<TokenSlot> slot);
  void set_state(const std::string& name, bool authorized, const std::string& reason);
  // Milliseconds until the next request of `d` may go; -1 when over a second.
  int64_t take_slot(const ApiDestination& d);
  void fetch(http::ClientRequest r, http::FetchDone done);

  Environment& env_;
  Destinations& destinations_;
  http::ClientOptions options_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<TokenSlot>> tokens_ GUARDED_BY(mu_);
  std::map<std::string, int64_t> next_slot_us_ GUARDED_BY(mu_);
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::once_flag once_;
  std::unique_ptr<http::Client> client_;  // last: stopped first
};

}  // namespace nimbus::services::eventbridge
