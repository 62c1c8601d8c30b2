// S3 Signature Version 2: query auth (presigned URLs, as boto3 makes them
// with signature_version "s3") and the "AWS AKID:signature" header.
//
// StringToSign = Method \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//                CanonicalizedAmzHeaders CanonicalizedResource
// Signature    = Base64(HMAC-SHA1(secret, StringToSign))
#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>
#include <vector>

#include "auth/canonical.h"
#include "auth/crypto.h"
#include "auth/errors.h"
#include "auth/internal.h"
#include "common/encoding.h"

namespace nimbus::auth::detail {
namespace {

constexpr auto kSkew = std::chrono::minutes(15);

// Query parameters that name a sub-resource and so belong to the
// CanonicalizedResource (sorted here, as they must be when written out).
constexpr std::string_view kSubResources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "partNumber",
    "policy",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

bool is_sub_resource(std::string_view name) {
  return std::find(std::begin(kSubResources), std::end(kSubResources), name) !=
         std::end(kSubResources);
}

struct Param {
  std::string name, value;
  bool has_value;
};

std::vector<Param> parse_query(std::string_view query) {
  std::vector<Param> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    out.push_back(
        {percent_decode(part.substr(0, eq)),
         eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1)),
         eq != std::string_view::npos});
  }
  return out;
}

std::string resource(std::string_view path, const std::vector<Param>& params) {
  std::string out(path.empty() ? "/" : path);
  std::vector<const Param*> subs;
  for (const auto& p : params) {
    if (is_sub_resource(p.name)) subs.push_back(&p);
  }
  std::stable_sort(subs.begin(), subs.end(),
                   [](const Param* a, const Param* b) { return a->name < b->name; });
  for (size_t i = 0; i < subs.size(); ++i) {
    out.append(i ? "&" : "?").append(subs[i]->name);
    if (subs[i]->has_value) out.append("=").append(subs[i]->value);
  }
  return out;
}

// Virtual-hosted requests ("bucket.s3.example.com/key") sign "/bucket/key".
std::optional<std::string> virtual_host_bucket(std::string_view host) {
  host = host.substr(0, host.rfind(':') == std::string_view::npos ? host.size() : host.rfind(':'));
  for (std::string_view marker : {".s3.", ".s3-"}) {
    size_t at = host.find(marker);
    if (at != std::string_view::npos && at > 0) return std::string(host.substr(0, at));
  }
  return std::nullopt;
}

bool matches(const http::Request& request, std::string_view secret, std::string_view date,
             const std::vector<Param>& params, std::string_view given) {
  std::string path(request.path());
  std::vector<std::string> resources{resource(path, params)};
  if (auto bucket = virtual_host_bucket(request.header("host"))) {
    resources.push_back(resource("/" + *bucket + path, params));
  }
  for (const auto& res : resources) {
    std::string sts = v2_string_to_sign(request, date, res);
    if (crypto::equal(base64_encode(crypto::hmac_sha1(secret, sts)), given)) return true;
  }
  return false;
}

Verified verified(std::shared_ptr<const Credentials> credentials, std::string token) {
  return Verified{credentials, Scope{credentials->access_key_id, "", "", "s3"}, std::move(token)};
}

}  // namespace

std::string v2_string_to_sign(const http::Request& request, std::string_view date,
                              std::string_view resource) {
  std::vector<Param> params = parse_query(request.query());
  auto header_or_param = [&](std::string_view name) -> std::string {
    if (auto h = request.header(name); !h.empty()) return std::string(trim(h));
    for (const auto& p : params) {
      if (http::iequals(p.name, name)) return p.value;
    }
    return {};
  };
  // x-amz-* headers; for query auth boto3 moves them into the query string.
  std::vector<std::pair<std::string, std::string>> amz;
  for (const auto& [k, v] : request.headers) {
    if (k.starts_with("x-amz-")) amz.emplace_back(k, std::string(trim(v)));
  }
  for (const auto& p : params) {
    std::string name = http::to_lower(p.name);
    if (name.starts_with("x-amz-")) amz.emplace_back(std::move(name), p.value);
  }
  std::stable_sort(amz.begin(), amz.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = request.method + "\n" + header_or_param("content-md5") + "\n" +
                    header_or_param("content-type") + "\n" + std::string(date) + "\n";
  for (size_t i = 0; i < amz.size(); ++i) {
    if (i > 0 && amz[i].first == amz[i - 1].first) {
      out.back() = ',';
    } else {
      out.append(amz[i].first).append(":");
    }
    out.append(amz[i].second).append("\n");
  }
  out.append(resource);
  return out;
}

std::string v2_resource(const http::Request& request) {
  return resource(request.path(), parse_query(request.query()));
}

Result<Verified> verify_v2_query(const http::Request& request, const CredentialProvider& provider,
                                 Clock::time_point now) {
  std::vector<Param> params = parse_query(request.query());
  std::optional<std::string> akid, expires, sig;
  for (const auto& p : params) {
    if (p.name == "AWSAccessKeyId" && !akid) akid = p.value;
    if (p.name == "Expires" && !expires) expires = p.value;
    if (p.name == "Signature" && !sig) sig = p.value;
  }
  if (!akid || !expires || !sig) {
    return errors::query_parameters(true,
                                    "Query-string authentication requires the Signature, "
                                    "Expires and AWSAccessKeyId parameters");
  }
  int64_t at = 0;
  auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), at);
  if (ec != std::errc() || end != expires->data() + expires->size()) {
    return errors::query_parameters(true,
                                    "Invalid date (should be seconds since epoch): " + *expires);
  }
  auto credentials = provider.find(*akid);
  if (!credentials) return errors::unknown_key(true);
  if (std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() > at) {
    return errors::presign_expired(true);
  }
  if (!matches(request, credentials->secret_access_key, *expires, params, *sig)) {
    return errors::mismatch(true);
  }
  std::string token(request.header("x-amz-security-token"));
  for (const auto& p : params) {
    if (token.empty() && http::iequals(p.name, "x-amz-security-token")) token = p.value;
  }
  NIMBUS_TRY(check_session(*credentials, token, now, true));
  return verified(credentials, std::move(token));
}

Result<Verified> verify_v2_header(const http::Request& request, const CredentialProvider& provider,
                                  Clock::time_point now) {
  std::string_view rest = request.header("authorization").substr(4);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return errors::incomplete(true, "The authorization header is malformed.");
  }
  std::string akid(trim(rest.substr(0, colon)));
  std::string sig(trim(rest.substr(colon + 1)));
  auto credentials = provider.find(akid);
  if (!credentials) return errors::unknown_key(true);
  // With x-amz-date present, it is signed among the x-amz-* headers and the
  // Date line stays empty.
  std::string_view amz_date = request.header("x-amz-date");
  std::string_view date = amz_date.empty() ? request.header("date") : amz_date;
  auto time = parse_http_date(date);
  if (!time) time = parse_amz_date(date);
  if (!time) {
    return Error::make("AccessDenied",
                       "AWS authentication requires a valid Date or x-amz-date "
                       "header",
                       403);
  }
  if (*time > now + kSkew || *time < now - kSkew) return errors::skewed(true, *time, now);
  std::string_view signed_date = amz_date.empty() ? trim(date) : std::string_view{};
  if (!matches(request, credentials->secret_access_key, signed_date, parse_query(request.query()),
               sig)) {
    return errors::mismatch(true);
  }
  std::string token(request.header("x-amz-security-token"));
  NIMBUS_TRY(check_session(*credentials, token, now, true));
  return verified(credentials, std::move(token));
}

}  // namespace nimbus::auth::detail
