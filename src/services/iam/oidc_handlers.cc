// OpenID Connect identity providers: the issuers whose tokens STS
// AssumeRoleWithWebIdentity accepts, each with its client ids (audiences)
// and thumbprints. A provider is keyed by its ARN,
// arn:aws:iam::ACCOUNT:oidc-provider/<url without its scheme>. nimbus
// verifies tokens with the issuer's JSON Web Key Set (src/auth/jwks.h), so
// thumbprints are checked for shape and stored, not used.
#include <algorithm>

#include "common/json_fields.h"
#include "common/tag_keys.h"
#include "services/iam/authorizer.h"
#include "services/iam/errors.h"
#include "services/iam/iam_service.h"

namespace nimbus::services::iam {

namespace json = boost::json;

namespace {

constexpr size_t kClientIds = 100, kThumbprints = 5, kProviders = 100, kTags = 50;

std::string without_scheme(std::string_view url) {
  auto at = url.find("://");
  return std::string(at == std::string_view::npos ? url : url.substr(at + 3));
}

// https://host[:port][/path]; http:// only for a loopback host (a local
// issuer for development and tests: nimbus's own difference from AWS).
Status check_url(const std::string& url) {
  bool https = url.starts_with("https://");
  std::string rest = without_scheme(url);
  std::string host = rest.substr(0, rest.find_first_of("/:"));
  bool loopback = url.starts_with("http://") &&
                  (host == "localhost" || host.starts_with("127.") || rest.starts_with("[::1]"));
  if (!https && !loopback) {
    return errors::invalid_input(
        "Invalid Url: the URL of an OpenID Connect provider must begin "
        "with https://");
  }
  if (host.empty() && !rest.starts_with("[")) return errors::invalid_input("Invalid Url: no host");
  if (url.find_first_of("?# ") != std::string::npos) {
    return errors::invalid_input("Invalid Url: a provider URL has no query or fragment");
  }
  return Status::ok();
}

Result<std::vector<std::string>> thumbprints_of(const json::object& in) {
  auto list = string_list(in, "ThumbprintList");
  if (list.size() > kThumbprints) {
    return errors::quota("ThumbprintsPerOpenIdConnectProvider", kThumbprints);
  }
  for (const auto& t : list) {
    if (t.size() != 40 || !std::all_of(t.begin(), t.end(), ::isxdigit)) {
      return errors::invalid_input("Thumbprint must be 40 hexadecimal characters: " + t);
    }
  }
  return list;
}

Error provider_not_found(std::string_view arn) {
  return errors::no_such_entity("OpenIDConnect Provider not found for arn " + std::string(arn));
}

// The provider named by the input's OpenIDConnectProviderArn, to change.
Result<OidcProvider*> edit_provider(Draft& d, const json::object& in) {
  std::string arn = str(in, "OpenIDConnectProviderArn");
  auto it = d.state.oidc_providers.find(arn);
  if (it == d.state.oidc_providers.end()) return provider_not_found(arn);
  return &d.edit(d.state.oidc_providers, arn);
}

void merge_tags(Tags& tags, const Tags& add) {
  for (const auto& tag : add) {
    auto it =
        std::find_if(tags.begin(), tags.end(), [&](const auto& t) { return t.first == tag.first; });
    if (it != tags.end()) {
      it->second = tag.second;
    } else {
      tags.push_back(tag);
    }
  }
}

}  // namespace

void IamService::create_oidc_provider(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [this, in = std::move(in)](Draft& d) -> Output {
    std::string url = str(in, "Url");
    NIMBUS_TRY(check_url(url));
    auto thumbprints = thumbprints_of(in);
    if (!thumbprints) return thumbprints.take_error();
    OidcProvider p;
    p.url = url;
    p.arn = "arn:aws:iam::" + account() + ":oidc-provider/" + without_scheme(url);
    for (auto& id : string_list(in, "ClientIDList")) {
      if (std::find(p.client_ids.begin(), p.client_ids.end(), id) == p.client_ids.end()) {
        p.client_ids.push_back(std::move(id));
      }
    }
    if (p.client_ids.size() > kClientIds) {
      return errors::quota("ClientIdsPerOpenIdConnectProvider", kClientIds);
    }
    p.thumbprints = std::move(*thumbprints);
    p.tags = tags_of(in);
    if (p.tags.size() > kTags) return errors::quota("TagsPerOpenIdConnectProvider", kTags);
    p.created = now();
    if (d.state.oidc_providers.contains(p.arn)) {
      return Error::make("EntityAlreadyExistsException",
                         "Provider with url " + url + " already exists.", 409);
    }
    if (d.state.oidc_providers.size() >= kProviders) {
      return errors::quota("OpenIdConnectProvidersPerAccount", kProviders);
    }
    json::object out{{"OpenIDConnectProviderArn", p.arn}};
    if (!p.tags.empty()) out["Tags"] = tags_json(p.tags);
    std::string arn = p.arn;
    d.put(d.state.oidc_providers, arn, std::move(p));
    return out;
  });
}

Output IamService::get_oidc_provider(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "OpenIDConnectProviderArn");
  auto it = state->oidc_providers.find(arn);
  if (it == state->oidc_providers.end()) return provider_not_found(arn);
  const OidcProvider& p = *it->second;
  return json::object{{"Url", without_scheme(p.url)},
                      {"ClientIDList", json::array(p.client_ids.begin(), p.client_ids.end())},
                      {"ThumbprintList", json::array(p.thumbprints.begin(), p.thumbprints.end())},
                      {"CreateDate", p.created},
                      {"Tags", tags_json(p.tags)}};
}

Output IamService::list_oidc_providers(const CallContext&, const json::object&) const {
  auto state = store_.snapshot();
  json::array list;
  for (const auto& [arn, _] : state->oidc_providers) list.push_back(json::object{{"Arn", arn}});
  return json::object{{"OpenIDConnectProviderList", std::move(list)}};
}

void IamService::delete_oidc_provider(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "OpenIDConnectProviderArn");
    if (!d.state.oidc_providers.contains(arn)) return provider_not_found(arn);
    d.erase(d.state.oidc_providers, arn);
    return json::object{};
  });
}

// Adding a client id the provider has already changes nothing, as on AWS.
void IamService::add_oidc_client_id(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    std::string arn = str(in, "OpenIDConnectProviderArn"), id = str(in, "ClientID");
    auto it = d.state.oidc_providers.find(arn);
    if (it == d.state.oidc_providers.end()) return provider_not_found(arn);
    const auto& ids = it->second->client_ids;
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) return json::object{};
    if (ids.size() >= kClientIds) {
      return errors::quota("ClientIdsPerOpenIdConnectProvider", kClientIds);
    }
    d.edit(d.state.oidc_providers, arn).client_ids.push_back(id);
    return json::object{};
  });
}

// Removing a client id the provider does not have is not an error.
void IamService::remove_oidc_client_id(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto p = edit_provider(d, in);
    if (!p) return p.take_error();
    std::erase((*p)->client_ids, str(in, "ClientID"));
    return json::object{};
  });
}

void IamService::update_oidc_thumbprint(const CallContext&, json::object in, Respond r) {
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto thumbprints = thumbprints_of(in);
    if (!thumbprints) return thumbprints.take_error();
    auto p = edit_provider(d, in);
    if (!p) return p.take_error();
    (*p)->thumbprints = std::move(*thumbprints);
    return json::object{};
  });
}

void IamService::tag_oidc_provider(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto p = edit_provider(d, in);
    if (!p) return p.take_error();
    merge_tags((*p)->tags, tags_of(in));
    if ((*p)->tags.size() > kTags) return errors::quota("TagsPerOpenIdConnectProvider", kTags);
    return json::object{};
  });
}

void IamService::untag_oidc_provider(const CallContext& ctx, json::object in, Respond r) {
  if (auto why = refused_tag_keys(takes_aws_tags(ctx), in, "Tags", "TagKeys")) {
    return r(errors::invalid_input(*why));
  }
  mutate(std::move(r), [in = std::move(in)](Draft& d) -> Output {
    auto p = edit_provider(d, in);
    if (!p) return p.take_error();
    auto keys = string_list(in, "TagKeys");
    std::erase_if((*p)->tags, [&](const auto& t) {
      return std::find(keys.begin(), keys.end(), t.first) != keys.end();
    });
    return json::object{};
  });
}

Output IamService::list_oidc_provider_tags(const CallContext&, const json::object& in) const {
  auto state = store_.snapshot();
  std::string arn = str(in, "OpenIDConnectProviderArn");
  auto it = state->oidc_providers.find(arn);
  if (it == state->oidc_providers.end()) return provider_not_found(arn);
  return json::object{{"Tags", tags_json(it->second->tags)}, {"IsTruncated", false}};
}

std::optional<OidcProviderInfo> Authorizer::find_oidc_provider(std::string_view issuer) const {
  if (issuer.empty()) return std::nullopt;
  std::string arn =
      "arn:aws:iam::" + env_.settings.account_id + ":oidc-provider/" + without_scheme(issuer);
  auto state = store_.snapshot();
  auto it = state->oidc_providers.find(arn);
  if (it == state->oidc_providers.end()) return std::nullopt;
  // The token names the issuer as registered, or without its scheme.
  const OidcProvider& p = *it->second;
  if (p.url != issuer && issuer.find("://") != std::string_view::npos) return std::nullopt;
  return OidcProviderInfo{arn, p.url, p.client_ids};
}

}  // namespace nimbus::services::iam
