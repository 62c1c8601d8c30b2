#include "services/events/api_invoker.h"

#include <spdlog/spdlog.h>

#include "common/scheduler.h"
#include "services/events/api_request.h"
#include "services/events/errors.h"

namespace nimbus::services::eventbridge {

using ::nimbus::events::DeliverDone;
using ::nimbus::events::Delivery;
using ::nimbus::events::Failure;
using ::nimbus::events::Outcome;

namespace {

// A token is fetched again this long before the server said it expires.
constexpr int64_t kTokenMarginMs = 60'000;

Outcome stopping() {
  return delivery_failure(Failure::kUnavailable, "CONNECTION_FAILURE", "EventBridge is stopping.");
}

}  // namespace

struct ApiInvoker::TokenSlot {
  std::string token;
  int64_t expires_ms = 0;
  bool fetching = false;
  std::vector<TokenDone> waiters;
};

ApiInvoker::ApiInvoker(Environment& env, Destinations& destinations, http::ClientOptions options)
    : env_(env), destinations_(destinations), options_(options) {}

ApiInvoker::~ApiInvoker() {
  gate_->close();
  client_.reset();
}

void ApiInvoker::fetch(http::ClientRequest r, http::FetchDone done) {
  std::call_once(once_, [this] { client_ = std::make_unique<http::Client>(options_); });
  client_->fetch(std::move(r), std::move(done));
}

Status ApiInvoker::check(const std::string& arn) const {
  if (!destinations_.destination_by_arn(arn)) {
    return errors::destination_not_found("describe", "api-destination",
                                         name_in_arn(arn, "api-destination"));
  }
  return Status::ok();
}

void ApiInvoker::deliver(const std::string& arn, Delivery d, DeliverDone done) {
  auto in = gate_->hold();
  if (!in) return done(stopping());
  auto dest = destinations_.destination_by_arn(arn);
  if (!dest) {
    return done(delivery_failure(Failure::kNotFound, "RESOURCE_NOT_FOUND",
                                 "API destination " + arn + " does not exist."));
  }
  auto conn = destinations_.connection_by_arn(dest->connection_arn);
  if (!conn) {
    return done(delivery_failure(Failure::kNotFound, "RESOURCE_NOT_FOUND",
                                 "Connection " + dest->connection_arn + " does not exist."));
  }
  if (conn->state == "DEAUTHORIZED") {
    return done(
        delivery_failure(Failure::kRejected, "NO_PERMISSIONS",
                         "Connection " + conn->name + " is not authorized: " + conn->state_reason));
  }
  int64_t wait_ms = take_slot(*dest);
  if (wait_ms < 0) {
    return done(delivery_failure(Failure::kThrottled, "THROTTLING",
                                 "Over the API destination's InvocationRateLimitPerSecond of " +
                                     std::to_string(dest->rate_per_s) + "."));
  }
  if (wait_ms == 0) {
    return invoke(std::move(*dest), std::move(*conn), std::move(d), std::move(done), false);
  }
  env_.scheduler.after(std::chrono::milliseconds(wait_ms),
                       [this, gate = gate_, dest = std::move(*dest), conn = std::move(*conn),
                        d = std::move(d), done = std::move(done)]() mutable {
                         auto in = gate->hold();
                         if (!in) return done(stopping());
                         invoke(std::move(dest), std::move(conn), std::move(d), std::move(done),
                                false);
                       });
}

int64_t ApiInvoker::take_slot(const ApiDestination& d) {
  int64_t now_us = env_.scheduler.clock().now_millis() * 1000;
  int64_t interval_us = 1'000'000 / std::max<int64_t>(1, d.rate_per_s);
  MutexLock lock(mu_);
  int64_t& next = next_slot_us_[d.name];
  int64_t slot = std::max(now_us, next);
  if (slot - now_us >= 1'000'000) return -1;
  next = slot + interval_us;
  return (slot - now_us) / 1000;
}

void ApiInvoker::invoke(ApiDestination d, Connection c, Delivery del, DeliverDone done,
                        bool refreshed) {
  bool oauth = c.auth_type == "OAUTH_CLIENT_CREDENTIALS";
  auto go = [this, gate = gate_, d, c, del, done, refreshed,
             oauth](Result<std::string> token) mutable {
    // A token's waiters run on the client's thread outside the gate.
    auto in = gate->hold();
    if (!in) return done(stopping());
    if (!token) {
      bool refused = token.error().code == "OAUTH_FAILURE";
      if (refused) set_state(c.name, false, token.error().message);
      return done(delivery_failure(refused ? Failure::kRejected : Failure::kUnavailable,
                                   refused ? "NO_PERMISSIONS" : token.error().code,
                                   token.error().message));
    }
    auto request = invocation(d, c, del, *token);
    if (!request) return done(Outcome::failed(Failure::kRejected, request.error()));
    fetch(std::move(*request),
          [this, gate, d, c, del, done, refreshed, oauth](Result<http::ClientResponse> r) mutable {
            auto in = gate->hold();
            if (!in) return done(stopping());
            if (r && r->status == 401 && oauth && !refreshed) {
              forget(c.name);  // the token was refused: a new one, once
              return invoke(std::move(d), std::move(c), std::move(del), std::move(done), true);
            }
            done(outcome(r));
          });
  };
  if (!oauth) return go(std::string());
  with_token(c, std::move(go));
}

void ApiInvoker::send(const std::string& arn, http::ClientRequest request, http::FetchDone done) {
  auto in = gate_->hold();
  if (!in) return done(Error{"ClientStopped", "EventBridge is stopping."});
  auto conn = destinations_.connection_by_arn(arn);
  if (!conn) return done(Error{"ConnectionNotFound", "Connection " + arn + " does not exist."});
  if (conn->state == "DEAUTHORIZED") {
    return done(Error{"ConnectionNotAuthorized",
                      "Connection " + conn->name + " is not authorized: " + conn->state_reason});
  }
  send_as(std::move(*conn), std::move(request), std::move(done), false);
}

void ApiInvoker::send_as(Connection c, http::ClientRequest request, http::FetchDone done,
                         bool refreshed) {
  bool oauth = c.auth_type == "OAUTH_CLIENT_CREDENTIALS";
  auto go = [this, gate = gate_, c, request, done, refreshed,
             oauth](Result<std::string> token) mutable {
    auto in = gate->hold();
    if (!in) return done(Error{"ClientStopped", "EventBridge is stopping."});
    if (!token) {
      bool refused = token.error().code == "OAUTH_FAILURE";
      if (refused) set_state(c.name, false, token.error().message);
      return done(
          Error{refused ? "ConnectionNotAuthorized" : "ConnectFailed", token.error().message});
    }
    http::ClientRequest r = request;
    add_connection(c, *token, r);
    fetch(std::move(r), [this, gate, c, request, done, refreshed,
                         oauth](Result<http::ClientResponse> answer) mutable {
      auto in = gate->hold();
      if (!in) return done(Error{"ClientStopped", "EventBridge is stopping."});
      if (answer && answer->status == 401 && oauth && !refreshed) {
        forget(c.name);  // the token was refused: a new one, once
        return send_as(std::move(c), std::move(request), std::move(done), true);
      }
      done(std::move(answer));
    });
  };
  if (!oauth) return go(std::string());
  with_token(c, std::move(go));
}

void ApiInvoker::with_token(const Connection& c, TokenDone done) {
  std::shared_ptr<TokenSlot> slot;
  bool start = false;
  {
    MutexLock lock(mu_);
    auto& s = tokens_[c.name];
    if (!s) s = std::make_shared<TokenSlot>();
    slot = s;
    if (!slot->token.empty() && slot->expires_ms > env_.scheduler.clock().now_millis()) {
      std::string token = slot->token;
      lock.unlock();
      return done(std::move(token));
    }
    slot->waiters.push_back(std::move(done));
    start = !slot->fetching;
    slot->fetching = true;
  }
  if (start) fetch_token(c, std::move(slot));
}

void ApiInvoker::fetch_token(const Connection& c, std::shared_ptr<TokenSlot> slot) {
  fetch(token_request(c), [this, gate = gate_, slot](Result<http::ClientResponse> r) {
    Result<std::string> token = Error{"CONNECTION_FAILURE", "EventBridge is stopping."};
    if (auto in = gate->hold()) {
      if (!r) {
        token = Error{r.error().code == "Timeout" ? "TIMEOUT" : "CONNECTION_FAILURE",
                      "The authorization endpoint could not be reached: " + r.error().message};
      } else if (r->status >= 500 || r->status == 429) {
        token = Error{"CONNECTION_FAILURE", "The authorization endpoint answered HTTP " +
                                                std::to_string(r->status) + "."};
      } else if (auto t = parse_token(*r); !t) {
        token = t.error();
      } else {
        token = t->value;
        int64_t expires = env_.scheduler.clock().now_millis() + t->expires_in_s * 1000;
        MutexLock lock(mu_);
        slot->token = t->value;
        slot->expires_ms = expires - std::min(kTokenMarginMs, t->expires_in_s * 500);
      }
    }
    std::vector<TokenDone> waiters;
    {
      MutexLock lock(mu_);
      slot->fetching = false;
      waiters.swap(slot->waiters);
    }
    for (auto& w : waiters) w(token);
  });
}

void ApiInvoker::forget(const std::string& name) {
  MutexLock lock(mu_);
  tokens_.erase(name);
}

void ApiInvoker::authorize(const std::string& name) {
  auto in = gate_->hold();
  if (!in) return;
  auto c = destinations_.connection(name);
  if (!c || c->auth_type != "OAUTH_CLIENT_CREDENTIALS") return;
  forget(name);
  with_token(*c, [this, gate = gate_, name](Result<std::string> token) {
    auto in = gate->hold();
    if (!in) return;
    set_state(name, token.is_ok(), token ? "" : token.error().message);
  });
}

void ApiInvoker::set_state(const std::string& name, bool authorized, const std::string& reason) {
  std::string state = authorized ? "AUTHORIZED" : "DEAUTHORIZED";
  int64_t now_s = env_.clock.now_millis() / 1000;
  destinations_.change_connection(
      name,
      [&](Connection& c) {
        if (c.auth_type != "OAUTH_CLIENT_CREDENTIALS") return false;
        if (c.state == state && c.state_reason == reason) return false;
        c.state = state;
        c.state_reason = reason;
        if (authorized) c.authorized_s = now_s;
        return true;
      },
      [name](Status st) {
        if (!st)
          spdlog::warn("events: connection {}: state not stored: {}", name, st.error().message);
      });
}

}  // namespace nimbus::services::eventbridge
