// The signing side: sign(), sign_streaming(), presign() and presign_v2().
// Used by tests, benchmarks and the CLI; verify() is the other half.
#include <algorithm>
#include <chrono>
#include <vector>

#include "auth/canonical.h"
#include "auth/chunked.h"
#include "auth/crypto.h"
#include "auth/internal.h"
#include "auth/sigv4.h"
#include "common/encoding.h"

namespace nimbus::auth {
using namespace detail;

namespace {

void put_header(http::Request& request, std::string name, std::string value) {
  std::erase_if(request.headers, [&](const auto& kv) { return kv.first == name; });
  request.headers.emplace_back(std::move(name), std::move(value));
}

bool unsigned_header(std::string_view name) {
  return name == "authorization" || name == "user-agent" || name == "expect" ||
         name == "x-amzn-trace-id";
}

std::string signed_header_list(const http::Request& request) {
  std::vector<std::string> names;
  for (const auto& [k, v] : request.headers) {
    std::string name = http::to_lower(k);
    if (!unsigned_header(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out.push_back(';');
    out.append(n);
  }
  return out;
}

// Signs with the headers already in place; returns the hex signature.
std::string sign_prepared(http::Request& request, const Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date, std::string_view payload_hash) {
  std::string date(amz_date.substr(0, 8));
  std::string signed_headers = signed_header_list(request);
  bool s3 = service == "s3";
  std::string creq = canonical_request(
      request.method, canonical_uri(request.path(), s3), canonical_query(request.query(), false),
      canonical_headers(request.headers, split_signed_headers(signed_headers)), signed_headers,
      payload_hash);
  std::string scope = scope_string(date, region, service);
  std::string key = signing_key(credentials.secret_access_key, date, region, service);
  std::string sig = signature(key, string_to_sign(amz_date, scope, creq));
  put_header(request, "authorization",
             std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" + scope +
                 ", SignedHeaders=" + signed_headers + ", Signature=" + sig);
  return sig;
}

void prepare(http::Request& request, const Credentials& credentials, const std::string& amz_date) {
  std::erase_if(request.headers, [](const auto& kv) { return kv.first == "authorization"; });
  put_header(request, "x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    put_header(request, "x-amz-security-token", credentials.session_token);
  }
}

void append_query(http::Request& request, std::string_view name, std::string_view value) {
  request.target.push_back(request.target.find('?') == std::string::npos ? '?' : '&');
  request.target.append(percent_encode(name, false))
      .append("=")
      .append(percent_encode(value, false));
}

}  // namespace

void sign(http::Request& request, const Credentials& credentials, std::string_view region,
          std::string_view service, Clock::time_point now) {
  std::string amz_date = format_amz_date(now);
  prepare(request, credentials, amz_date);
  // A payload hash the caller set (UNSIGNED-PAYLOAD, a streaming mode) is signed as given.
  std::string hash(request.header("x-amz-content-sha256"));
  if (hash.empty()) {
    hash = crypto::sha256_hex(request.body);
    if (service == "s3") put_header(request, "x-amz-content-sha256", hash);
  }
  sign_prepared(request, credentials, region, service, amz_date, hash);
}

void sign_streaming(http::Request& request, const Credentials& credentials,
                    std::string_view region_in, std::string_view service_in, Clock::time_point now,
                    size_t chunk_size) {
  const std::string region(region_in), service(service_in);
  std::string amz_date = format_amz_date(now);
  prepare(request, credentials, amz_date);
  constexpr std::string_view kStreaming = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  put_header(request, "x-amz-content-sha256", std::string(kStreaming));
  put_header(request, "content-encoding", "aws-chunked");
  put_header(request, "x-amz-decoded-content-length", std::to_string(request.body.size()));
  std::string date = amz_date.substr(0, 8);
  ChunkSigning signing{signing_key(credentials.secret_access_key, date, region, service),
                       amz_date,
                       scope_string(date, region, service),
                       {}};
  // The encoded length is known before the seed signature: the framing
  // does not depend on the signature values, only on their (fixed) length.
  signing.seed = std::string(64, '0');
  std::string probe = encode_aws_chunked(request.body, chunk_size, signing);
  put_header(request, "content-length", std::to_string(probe.size()));
  signing.seed = sign_prepared(request, credentials, region, service, amz_date, kStreaming);
  request.body = encode_aws_chunked(request.body, chunk_size, signing);
}

void presign(http::Request& request, const Credentials& credentials, std::string_view region,
             std::string_view service, Clock::time_point now, std::chrono::seconds expires) {
  std::string amz_date = format_amz_date(now);
  std::string date = amz_date.substr(0, 8);
  std::string scope = scope_string(date, region, service);
  append_query(request, "X-Amz-Algorithm", kAlgorithm);
  append_query(request, "X-Amz-Credential", credentials.access_key_id + "/" + scope);
  append_query(request, "X-Amz-Date", amz_date);
  append_query(request, "X-Amz-Expires", std::to_string(expires.count()));
  append_query(request, "X-Amz-SignedHeaders", "host");
  if (!credentials.session_token.empty()) {
    append_query(request, "X-Amz-Security-Token", credentials.session_token);
  }
  bool s3 = service == "s3";
  std::string hash = s3 ? "UNSIGNED-PAYLOAD" : crypto::sha256_hex(request.body);
  std::string creq = canonical_request(request.method, canonical_uri(request.path(), s3),
                                       canonical_query(request.query(), true),
                                       canonical_headers(request.headers, {"host"}), "host", hash);
  std::string key = signing_key(credentials.secret_access_key, date, region, service);
  append_query(request, "X-Amz-Signature", signature(key, string_to_sign(amz_date, scope, creq)));
}

void presign_v2(http::Request& request, const Credentials& credentials,
                Clock::time_point expires_at) {
  std::string expires = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(expires_at.time_since_epoch()).count());
  if (!credentials.session_token.empty()) {
    append_query(request, "x-amz-security-token", credentials.session_token);
  }
  append_query(request, "AWSAccessKeyId", credentials.access_key_id);
  append_query(request, "Expires", expires);
  std::string sts = v2_string_to_sign(request, expires, v2_resource(request));
  append_query(request, "Signature",
               base64_encode(crypto::hmac_sha1(credentials.secret_access_key, sts)));
}

}  // namespace nimbus::auth
