#include "services/iam/authorizer.h"

#include "common/time_format.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/shapes.h"

namespace nimbus::services::iam {

namespace {

double seconds(Clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

Clock::time_point time_of(double s) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::duration<double>(s)));
}

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
  }
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
    record->expiration = time_of(s->second->expiration);
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
    if (auto it = cache_.find(akid); it != cache_.end()) return it->second;
  }
  auto caller = caller_of(state, akid, env_.settings.account_id, seconds(env_.clock.now()));
  if (!caller) return nullptr;
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
  if (caller->session && !caller->session->session_policy.empty()) {
    if (auto p = parsed(caller->session->session_policy, engine::PolicyKind::kIdentity)) {
      policies->session.push_back(std::move(p));
    }
  }
  auto out = std::make_shared<Compiled>();
  out->generation = state.generation;
  caller->session = nullptr;  // points into this snapshot only
  out->caller = std::move(*caller);
  out->policies = std::move(policies);
  MutexLock lock(mu_);
  if (cache_generation_ == state.generation && cache_.size() < 100000) cache_[akid] = out;
  return out;
}

AccessDecision Authorizer::authorize(const AccessRequest& request) const {
  AccessDecision decision;
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
  ctx.action = request.action;
  describe_caller(caller, ctx);
  if (!request.source_ip.empty()) ctx.set("aws:SourceIp", request.source_ip);
  ctx.set("aws:SecureTransport", request.secure_transport ? "true" : "false");
  auto now = env_.clock.now();
  int64_t epoch = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  ctx.set("aws:EpochTime", std::to_string(epoch));
  ctx.set("aws:CurrentTime", utc_millis(epoch * 1000));
  if (!request.region.empty()) ctx.set("aws:RequestedRegion", request.region);
  std::vector<std::string> resources = request.resources;
  if (resources.empty()) resources.push_back("*");
  for (const auto& resource : resources) {
    ctx.resource = resource;
    engine::Outcome outcome = engine::evaluate(ctx, *compiled_policies->policies, nullptr);
    if (outcome.decision != engine::Decision::kAllow) {
      decision.allowed = false;
      decision.message = engine::denial_message(ctx, outcome);
      return decision;
    }
  }
  return decision;
}

Result<TemporaryCredentials> Authorizer::mint(Draft& draft, const Role& role,
                                              const AssumeRoleRequest& request) const {
  if (request.duration.count() < 900 || request.duration.count() > role.max_session_duration) {
    return Error::validation(
        "The requested DurationSeconds exceeds the MaxSessionDuration set "
        "for this role.");
  }
  Session s;
  s.access_key_id = new_id("ASIA");
  s.secret = new_secret();
  s.token = new_session_token();
  auto expiration = env_.clock.now() + request.duration;
  s.expiration = seconds(expiration);
  s.role = role.name;
  s.session_name = request.session_name;
  s.principal_arn = "arn:aws:sts::" + env_.settings.account_id + ":assumed-role/" + role.name +
                    "/" + request.session_name;
  s.principal_id = role.id + ":" + request.session_name;
  s.session_policy = request.session_policy;
  s.tags = request.tags;
  s.source_identity = request.source_identity;
  TemporaryCredentials out{s.access_key_id,       s.secret,        s.token,
                           time_of(s.expiration), s.principal_arn, s.principal_id};
  // Expired sessions leave the store as new ones are minted.
  double now = seconds(env_.clock.now());
  std::vector<std::string> expired;
  for (const auto& [id, old] : draft.state.sessions) {
    if (old->expiration <= now) expired.push_back(id);
  }
  for (const auto& id : expired) draft.erase(draft.state.sessions, id);
  std::string id = s.access_key_id;
  draft.put(draft.state.sessions, id, std::move(s));
  return out;
}

void Authorizer::assume_role(const AssumeRoleRequest& request, Minted done) {
  env_.workers.post([this, request, done = std::move(done)] {
    std::optional<TemporaryCredentials> minted;
    Output written = store_.write([&](Draft& d) -> Output {
      std::string name = request.role_arn.substr(request.role_arn.rfind('/') + 1);
      const Entity* role = find_entity(d.state, Kind::kRole, name);
      Role missing;
      if (!role || role->arn != request.role_arn) {
        if (!request.missing_role_ok) {
          return errors::no_such_entity("The role with name " + name + " cannot be found.");
        }
        // Nothing is evaluated (--iam off): a session in the role's name.
        missing.name = name;
        missing.id = new_id("AROA");
        missing.arn = request.role_arn;
        missing.max_session_duration = request.duration.count();
        role = &missing;
      } else if (request.check_trust) {
        NIMBUS_TRY(check_trust(d.state, static_cast<const Role&>(*role), request));
      }
      auto creds = mint(d, static_cast<const Role&>(*role), request);
      if (!creds) return creds.take_error();
      minted = std::move(*creds);
      return boost::json::object{};
    });
    if (!written) return done(written.take_error());
    done(std::move(*minted));
  });
}

}  // namespace nimbus::services::iam
