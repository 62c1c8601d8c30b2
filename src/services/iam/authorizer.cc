#include "services/iam/authorizer.h"

#include <algorithm>

#include "common/time_format.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/shapes.h"

namespace nimbus::services::iam {

namespace {

std::shared_ptr<const engine::Policy> parsed(const std::string& document, engine::PolicyKind kind) {
  auto p = engine::parse_policy(document, kind);
  if (!p) return nullptr;  // stored documents were validated; a bad one allows nothing
  return std::make_shared<const engine::Policy>(std::move(*p));
}

void add_entity(const State& state, const Entity& e, std::vector<engine::PolicyPtr>& out) {
  for (const auto& [_, doc] : e.inline_policies) {
    if (auto p = parsed(doc, engine::PolicyKind::kIdentity)) out.push_back(std::move(p));
  }
  for (const auto& arn : e.attached) {
    const ManagedPolicy* m = find_policy(state, arn);
    if (!m) continue;
    if (auto p =
            parsed(m->versions.at(m->default_version).document, engine::PolicyKind::kIdentity)) {
      out.push_back(std::move(p));
    }
  }
}

engine::PolicyPtr boundary_of(const State& state, const Entity& e) {
  if (e.boundary.empty()) return nullptr;
  const ManagedPolicy* m = find_policy(state, e.boundary);
  if (!m) return nullptr;
  return parsed(m->versions.at(m->default_version).document, engine::PolicyKind::kIdentity);
}

}  // namespace

Authorizer::Authorizer(Environment& env, Store& store) : env_(env), store_(store) {
  auto mode = env.settings.service_options.find("iam.mode");
  enforcing_ = mode != env.settings.service_options.end() && mode->second == "enforce";
}

std::optional<Caller> caller_of(const State& state, const std::string& akid,
                                const std::string& account, double now) {
  Caller c;
  if (auto k = state.keys.find(akid); k != state.keys.end()) {
    if (!k->second->active) return std::nullopt;
    const Entity* u = find_entity(state, Kind::kUser, k->second->user);
    if (!u) return std::nullopt;
    c.arn = u->arn;
    c.id = u->id;
    c.user = u->name;
    for (const auto& [k, v] : u->tags) c.tags[k] = v;
    return c;
  }
  auto s = state.sessions.find(akid);
  if (s == state.sessions.end() || s->second->expiration <= now) return std::nullopt;
  const Session& session = *s->second;
  c.arn = session.principal_arn;
  c.id = session.principal_id;
  c.user = session.user;
  c.role = session.role;
  if (!session.role.empty()) {
    const Entity* role = find_entity(state, Kind::kRole, session.role);
    if (!role) return std::nullopt;  // the role was deleted: its sessions end
    c.role_arn = role->arn;
    for (const auto& [k, v] : role->tags) c.tags[k] = v;
  }
  // Session tags override the role's tags of the same key.
  for (const auto& [k, v] : session.tags) c.tags[k] = v;
  c.session = &session;
  (void)account;
  return c;
}

std::shared_ptr<const KeyRecord> Authorizer::find_key(std::string_view access_key_id) const {
  auto state = store_.snapshot();
  std::string akid(access_key_id);
  {
    MutexLock lock(mu_);
    if (cache_generation_ != state->generation) {
      cache_.clear();
      keys_.clear();
      cache_generation_ = state->generation;
    }
    if (auto it = keys_.find(akid); it != keys_.end()) return it->second;
  }
  auto record = std::make_shared<KeyRecord>();
  if (auto k = state->keys.find(akid); k != state->keys.end()) {
    auto caller = caller_of(*state, akid, env_.settings.account_id, 0);
    if (!caller) return nullptr;
    record->secret_access_key = k->second->secret;
    record->principal_arn = caller->arn;
    record->principal_id = caller->id;
  } else if (auto s = state->sessions.find(akid); s != state->sessions.end()) {
    // Expiry is the verifier's to answer (ExpiredToken), so an expired
    // session is still found here.
    record->secret_access_key = s->second->secret;
    record->session_token = s->second->token;
    record->expiration = from_seconds(s->second->expiration);
    record->principal_arn = s->second->principal_arn;
    record->principal_id = s->second->principal_id;
  } else {
    return nullptr;
  }
  record->access_key_id = akid;
  record->account_id = env_.settings.account_id;
  MutexLock lock(mu_);
  if (cache_generation_ == state->generation && keys_.size() < 100000) keys_[akid] = record;
  return record;
}

std::shared_ptr<const Authorizer::Compiled> Authorizer::compiled(const State& state,
                                                                 const std::string& akid) const {
  {
    MutexLock lock(mu_);
    if (cache_generation_ != state.generation) {
      cache_.clear();
      keys_.clear();
      cache_generation_ = state.generation;
    }
    if (auto it = cache_.find(akid); it != cache_.end()) {
      // A session ends at its expiration, cached or not.
      if (it->second->expiration > 0 && it->second->expiration <= to_seconds(env_.clock.now())) {
        return nullptr;
      }
      return it->second;
    }
  }
  auto caller = caller_of(state, akid, env_.settings.account_id, to_seconds(env_.clock.now()));
  if (!caller) return nullptr;
  return compile(state, std::move(*caller), akid);
}

std::shared_ptr<const Authorizer::Compiled> Authorizer::compile(const State& state,
                                                                Caller caller_value,
                                                                const std::string& key) const {
  auto caller = &caller_value;
  auto policies = std::make_shared<engine::PrincipalPolicies>();
  if (!caller->role.empty()) {
    const Entity* role = find_entity(state, Kind::kRole, caller->role);
    add_entity(state, *role, policies->identity);
    policies->boundary = boundary_of(state, *role);
  } else if (!caller->user.empty()) {
    const auto* user = static_cast<const User*>(find_entity(state, Kind::kUser, caller->user));
    if (!user) return nullptr;
    add_entity(state, *user, policies->identity);
    for (const auto& g : user->groups) {
      if (const Entity* group = find_entity(state, Kind::kGroup, g)) {
        add_entity(state, *group, policies->identity);
      }
    }
    policies->boundary = boundary_of(state, *user);
  } else {
    policies->root = true;  // root's own GetSessionToken session
  }
  auto reads_tags = [](const engine::PolicyPtr& p) { return p && p->reads_resource_keys; };
  if (caller->session) {
    // Session policies: the inline one and managed ones by ARN. One that is
    // gone allows nothing (it must not lift the session's limit).
    if (!caller->session->session_policy.empty()) {
      auto p = parsed(caller->session->session_policy, engine::PolicyKind::kIdentity);
      policies->session.push_back(p ? std::move(p) : std::make_shared<const engine::Policy>());
    }
    for (const auto& arn : caller->session->policy_arns) {
      const ManagedPolicy* m = find_policy(state, arn);
      auto p =
          m ? parsed(m->versions.at(m->default_version).document, engine::PolicyKind::kIdentity)
            : nullptr;
      policies->session.push_back(p ? std::move(p) : std::make_shared<const engine::Policy>());
    }
  }
  policies->reads_resource_keys =
      reads_tags(policies->boundary) ||
      std::any_of(policies->identity.begin(), policies->identity.end(), reads_tags) ||
      std::any_of(policies->session.begin(), policies->session.end(), reads_tags);
  auto keys_of = [&](const engine::PolicyPtr& p) {
    if (!p) return;
    policies->reads_request_keys = policies->reads_request_keys || p->reads_request_keys;
    policies->reads_variables = policies->reads_variables || p->reads_variables;
    for (const auto& k : p->condition_keys) {
      auto& keys = policies->condition_keys;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  };
  keys_of(policies->boundary);
  for (const auto& p : policies->identity) keys_of(p);
  for (const auto& p : policies->session) keys_of(p);
  auto out = std::make_shared<Compiled>();
  out->generation = state.generation;
  if (caller->session) out->expiration = caller->session->expiration;
  caller->session = nullptr;  // points into this snapshot only
  out->caller = std::move(*caller);
  out->policies = std::move(policies);
  describe_caller(out->caller, out->context);
  MutexLock lock(mu_);
  if (cache_generation_ == state.generation && cache_.size() < 100000) cache_[key] = out;
  return out;
}

AccessDecision Authorizer::authorize(const AccessRequest& request) const {
  AccessDecision decision;
  if (request.anonymous) return authorize_anonymous(request);
  if (request.access_key_id.empty()) {
    decision.principal = "arn:aws:iam::" + env_.settings.account_id + ":root";
    return decision;  // the configured pair is the account's root
  }
  auto state = store_.snapshot();
  auto compiled_policies = compiled(*state, request.access_key_id);
  if (!compiled_policies) {
    decision.allowed = false;
    decision.message = "The security token included in the request is invalid.";
    return decision;
  }
  const Caller& caller = compiled_policies->caller;
  decision.principal = caller.arn;
  engine::RequestContext ctx;
  ctx.base = &compiled_policies->context;  // kept alive by compiled_policies
  ctx.principal_arn = compiled_policies->context.principal_arn;
  ctx.principal_account = compiled_policies->context.principal_account;
  describe_request(request, *compiled_policies->policies, ctx);
  decide_each(request, *compiled_policies->policies, ctx, decision);
  return decision;
}

void Authorizer::describe_request(const AccessRequest& request,
                                  const engine::PrincipalPolicies& policies,
                                  engine::RequestContext& ctx) const {
  ctx.action = request.action;
  // Keys no policy of the decision reads are not gathered (most policies
  // have no condition; most conditions name one or two keys): the
  // decision is the same without them.
  bool read = policies.reads_request_keys, any = policies.reads_variables;
  for (const auto& p : request.resource_policies) {
    read = read || (p && p->reads_request_keys);
    any = any || (p && p->reads_variables);
  }
  if (!read) return;
  auto wanted = [&](std::string_view key) {
    auto named = [key](const std::vector<std::string>& keys) {
      return std::any_of(keys.begin(), keys.end(), [key](const std::string& k) {
        return k.size() == key.size() &&
               std::equal(k.begin(), k.end(), key.begin(), [](char a, char b) {
                 return a == std::tolower(static_cast<unsigned char>(b));
               });
      });
    };
    if (any || named(policies.condition_keys)) return true;
    return std::any_of(request.resource_policies.begin(), request.resource_policies.end(),
                       [&](const auto& p) { return p && named(p->condition_keys); });
  };
  if (!request.source_ip.empty() && wanted("aws:SourceIp")) {
    ctx.set("aws:SourceIp", request.source_ip);
  }
  if (wanted("aws:SecureTransport")) {
    ctx.set("aws:SecureTransport", request.secure_transport ? "true" : "false");
  }
  if (bool epoch_wanted = wanted("aws:EpochTime"), time_wanted = wanted("aws:CurrentTime");
      epoch_wanted || time_wanted) {
    auto now = env_.clock.now();
    int64_t epoch =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    // Formatted once per second per thread, not per request.
    thread_local int64_t formatted_epoch = -1;
    thread_local std::string epoch_text, time_text;
    if (epoch != formatted_epoch) {
      formatted_epoch = epoch;
      epoch_text = std::to_string(epoch);
      time_text = utc_millis(epoch * 1000);
    }
    if (epoch_wanted) ctx.set("aws:EpochTime", epoch_text);
    if (time_wanted) ctx.set("aws:CurrentTime", time_text);
  }
  if (!request.region.empty() && wanted("aws:RequestedRegion")) {
    ctx.set("aws:RequestedRegion", request.region);
  }
  for (const auto& [key, value] : request.keys) {
    if (wanted(key)) ctx.add(key, value);
  }
}

void Authorizer::decide_each(const AccessRequest& request,
                             const engine::PrincipalPolicies& policies, engine::RequestContext& ctx,
                             AccessDecision& decision) const {
  size_t n = std::max<size_t>(request.resources.size(), 1);
  for (size_t i = 0; i < n; ++i) {
    ctx.resource = request.resources.empty() ? std::string("*") : request.resources[i];
    const engine::Policy* resource_policy =
        i < request.resource_policies.size() ? request.resource_policies[i].get() : nullptr;
    if (policies.reads_resource_keys || (resource_policy && resource_policy->reads_resource_keys)) {
      describe_resource(request, ctx);
    }
    engine::Outcome outcome = engine::evaluate(ctx, policies, resource_policy);
    if (outcome.decision != engine::Decision::kAllow) {
      decision.allowed = false;
      decision.message = request.anonymous ? "Access Denied" : engine::denial_message(ctx, outcome);
      return;
    }
  }
}

void Authorizer::describe_resource(const AccessRequest& request,
                                   engine::RequestContext& ctx) const {
  std::erase_if(ctx.keys, [](const auto& key) {
    return key.first.starts_with("aws:resourcetag/") || key.first.starts_with("iam:resourcetag/") ||
           key.first == "dynamodb:leadingkeys";
  });
  if (ctx.resource == "*") return;
  if (tags_of_) {
    bool iam_resource = ctx.resource.starts_with("arn:aws:iam::");
    for (auto& [key, value] : tags_of_(ctx.resource)) {
      if (iam_resource) ctx.set("iam:ResourceTag/" + key, value);
      ctx.set("aws:ResourceTag/" + key, std::move(value));
    }
  }
  if (request.resource_keys) {
    std::vector<std::pair<std::string, std::string>> keys;
    request.resource_keys(ctx.resource, keys);
    for (auto& [key, value] : keys) ctx.add(key, std::move(value));
  }
}

// An unsigned request: nobody's identity policies, the resources' policies
// naming "*"; S3 answers "Access Denied" to anonymous callers.
AccessDecision Authorizer::authorize_anonymous(const AccessRequest& request) const {
  AccessDecision decision;
  decision.principal = "anonymous";
  engine::RequestContext ctx;
  engine::PrincipalPolicies nobody;
  describe_request(request, nobody, ctx);
  decide_each(request, nobody, ctx, decision);
  return decision;
}

}  // namespace nimbus::services::iam
