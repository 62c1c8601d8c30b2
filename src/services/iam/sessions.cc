// Temporary credentials IAM mints: role sessions (STS AssumeRole, Lambda's
// execution roles) and GetSessionToken sessions of users and the root.
// Each is one durable record (`s/<access key id>`) written before it is
// handed out; expired ones leave the store as new ones are minted.
#include "services/iam/authorizer.h"
#include "services/iam/entities.h"
#include "services/iam/errors.h"
#include "services/iam/shapes.h"

namespace nimbus::services::iam {

namespace {}  // namespace

TemporaryCredentials Authorizer::store_session(Draft& draft, Session s,
                                               std::chrono::seconds duration) const {
  auto now = env_.clock.now();
  s.access_key_id = new_id("ASIA");
  s.secret = new_secret();
  s.token = new_session_token();
  s.expiration = to_seconds(now + duration);
  TemporaryCredentials out{s.access_key_id, s.secret,        s.token,
                           now + duration,  s.principal_arn, s.principal_id};
  std::vector<std::string> expired;
  for (const auto& [id, old] : draft.state.sessions) {
    if (old->expiration <= to_seconds(now)) expired.push_back(id);
  }
  for (const auto& id : expired) draft.erase(draft.state.sessions, id);
  std::string id = s.access_key_id;
  draft.put(draft.state.sessions, id, std::move(s));
  return out;
}

Result<TemporaryCredentials> Authorizer::mint(Draft& draft, const Role& role,
                                              const AssumeRoleRequest& request) const {
  if (request.duration.count() < 900 || request.duration.count() > role.max_session_duration) {
    return Error::validation(
        "The requested DurationSeconds exceeds the MaxSessionDuration set "
        "for this role.");
  }
  Session s;
  s.role = role.name;
  s.session_name = request.session_name;
  s.principal_arn = "arn:aws:sts::" + env_.settings.account_id + ":assumed-role/" + role.name +
                    "/" + request.session_name;
  s.principal_id = role.id + ":" + request.session_name;
  s.session_policy = request.session_policy;
  s.policy_arns = request.policy_arns;
  s.tags = request.tags;
  s.source_identity = request.source_identity;
  return store_session(draft, std::move(s), request.duration);
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

void Authorizer::get_session_token(const SessionTokenRequest& request, Minted done) {
  env_.workers.post([this, request, done = std::move(done)] {
    std::optional<TemporaryCredentials> minted;
    Output written = store_.write([&](Draft& d) -> Output {
      const std::string& account = env_.settings.account_id;
      Session s;
      auto duration = request.duration;
      const std::string& akid = request.caller_access_key;
      if (d.state.sessions.count(akid)) {
        return errors::access_denied("Cannot call GetSessionToken with session credentials");
      }
      const Entity* user = nullptr;
      if (!akid.empty()) {
        auto key = d.state.keys.find(akid);
        if (key != d.state.keys.end()) user = find_entity(d.state, Kind::kUser, key->second->user);
        if (!user)
          return errors::access_denied("The security token included in the request is invalid.");
      }
      if (user) {
        s.user = user->name;
        s.principal_arn = user->arn;
        s.principal_id = user->id;
      } else {
        // The account's root: its sessions last an hour at most.
        s.principal_arn = "arn:aws:iam::" + account + ":root";
        s.principal_id = account;
        duration = std::min(duration, std::chrono::seconds(3600));
      }
      minted = store_session(d, std::move(s), duration);
      return boost::json::object{};
    });
    if (!written) return done(written.take_error());
    done(std::move(*minted));
  });
}

}  // namespace nimbus::services::iam
