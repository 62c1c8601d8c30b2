// SigV4 verification: Authorization header and presigned query, the clock
// window, and the payload (hash, unsigned, aws-chunked). SigV2 is in sigv2.cc.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <span>
#include <vector>

#include "auth/canonical.h"
#include "auth/chunked.h"
#include "auth/crypto.h"
#include "auth/errors.h"
#include "auth/internal.h"
#include "auth/payload.h"
#include "auth/sigv4.h"

namespace nimbus::auth {
using namespace detail;

namespace {

constexpr auto kSkew = std::chrono::minutes(15);
constexpr int64_t kMaxExpires = 604800;
constexpr std::string_view kUnsigned = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// What a request claims about its own signature.
struct Claim {
  Scope scope;
  std::string amz_date;  // the timestamp as signed
  Clock::time_point time;
  std::string signed_headers;
  std::string signature;
  bool presigned = false;
  bool s3() const { return scope.service == "s3"; }
};

// "AKID/20150830/us-east-1/service/aws4_request"
std::optional<Scope> parse_credential(std::string_view s) {
  std::string_view parts[5];
  for (int i = 4; i > 0; --i) {
    size_t slash = s.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = s.substr(slash + 1);
    s = s.substr(0, slash);
  }
  parts[0] = s;
  if (parts[0].empty() || parts[1].size() != 8 || parts[2].empty() || parts[3].empty() ||
      parts[4] != "aws4_request") {
    return std::nullopt;
  }
  return Scope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
               std::string(parts[3])};
}

struct AuthFields {
  std::string_view credential, signed_headers, signature;
};

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
AuthFields parse_auth_header(std::string_view value) {
  AuthFields f;
  value.remove_prefix(std::min(value.size(), kAlgorithm.size()));
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view part = trim(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(part.substr(0, eq)), v = trim(part.substr(eq + 1));
    if (key == "Credential") f.credential = v;
    if (key == "SignedHeaders") f.signed_headers = v;
    if (key == "Signature") f.signature = v;
  }
  return f;
}

bool signs_host(std::string_view signed_headers) {
  while (true) {
    size_t semi = signed_headers.find(';');
    std::string_view name = signed_headers.substr(0, semi);
    if (name == "host" || name == ":authority") return true;
    if (semi == std::string_view::npos) return false;
    signed_headers.remove_prefix(semi + 1);
  }
}

// Tries the canonical forms a well-behaved client may have signed: the
// documented one first; the rest are built, and only cost time, when that
// one fails.
bool signature_matches(const http::Request& request, const Claim& claim, std::string_view key,
                       std::span<const std::string> payload_hashes) {
  std::string headers =
      canonical_headers(request.headers, split_signed_headers(claim.signed_headers));
  std::string scope = scope_string(claim.scope.date, claim.scope.region, claim.scope.service);
  auto matches = [&](std::string_view uri, std::string_view query) {
    for (const auto& hash : payload_hashes) {
      std::string creq =
          canonical_request(request.method, uri, query, headers, claim.signed_headers, hash);
      if (crypto::equal(signature(key, string_to_sign(claim.amz_date, scope, creq)),
                        claim.signature)) {
        return true;
      }
    }
    return false;
  };
  std::string uri = canonical_uri(request.path(), claim.s3());
  std::string_view raw_query = request.query();
  std::string query = canonical_query(raw_query, claim.presigned);
  if (matches(uri, query)) return true;
  // A raw '+' read as a space; S3's path as sent (not re-encoded).
  std::optional<std::string> plus_query;
  if (raw_query.find('+') != std::string_view::npos) {
    plus_query = canonical_query(raw_query, claim.presigned, true);
    if (matches(uri, *plus_query)) return true;
  }
  if (claim.s3() && request.path() != uri && !request.path().empty()) {
    if (matches(request.path(), query)) return true;
    if (plus_query && matches(request.path(), *plus_query)) return true;
  }
  return false;
}

void set_header(http::Request& request, std::string name, std::string value) {
  for (auto& [k, v] : request.headers) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(std::move(name), std::move(value));
}

void erase_header(http::Request& request, std::string_view name) {
  std::erase_if(request.headers, [&](const auto& kv) { return kv.first == name; });
}

// What x-amz-content-sha256 and the checksum headers promise about the body.
Result<PayloadExpectation> expectation(const http::Request& request, std::string_view declared,
                                       const Claim& claim, std::string_view key) {
  PayloadExpectation e;
  if (crypto::is_sha256_hex(declared)) {
    e.sha256_hex = std::string(declared);
  } else if (declared == kStreamingSigned || declared == kStreamingSignedTrailer) {
    e.chunked = true;
    e.signing = ChunkSigning{
        std::string(key), claim.amz_date,
        scope_string(claim.scope.date, claim.scope.region, claim.scope.service), claim.signature};
  } else if (declared == kStreamingUnsignedTrailer) {
    e.chunked = true;
  } else if (!declared.empty() && declared != kUnsigned) {
    return errors::invalid_content_sha256();
  }
  if (std::string_view n = request.header("x-amz-decoded-content-length");
      e.chunked && !n.empty()) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), v);
    if (ec != std::errc() || end != n.data() + n.size()) {
      return errors::incomplete_body("x-amz-decoded-content-length is not a number.");
    }
    e.decoded_length = v;
  }
  for (const auto& [name, value] : request.headers) {
    if (auto a = checksum_from_header(name)) {
      e.checksum = a;
      e.checksum_header = value;
      break;
    }
  }
  if (!e.checksum && e.chunked)
    e.checksum = checksum_from_header(trim(request.header("x-amz-trailer")));
  return e;
}

// An aws-chunked body is decoded: its headers then describe the payload.
void describe_decoded(http::Request& request, std::optional<uint64_t> decoded_size) {
  erase_header(request, "x-amz-decoded-content-length");
  std::string encodings;
  for (std::string_view rest = request.header("content-encoding"); !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view token = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    if (token.empty() || http::iequals(token, "aws-chunked")) continue;
    if (!encodings.empty()) encodings.append(",");
    encodings.append(token);
  }
  erase_header(request, "content-encoding");
  if (!encodings.empty()) request.headers.emplace_back("content-encoding", std::move(encodings));
  if (request.has_header("content-length")) {
    if (decoded_size) {
      set_header(request, "content-length", std::to_string(*decoded_size));
    } else {
      erase_header(request, "content-length");
    }
  }
}

// After the signature: the body against what its headers declared. A
// streamed body is wrapped so that it is checked as it is read; a buffered
// one is checked (and decoded) here.
Status check_payload(http::Request& request, std::string_view declared, const Claim& claim,
                     std::string_view key) {
  auto expect = expectation(request, declared, claim, key);
  if (!expect) return expect.take_error();
  bool chunked = expect->chunked;
  if (request.stream) {
    auto stream = std::make_shared<PayloadStream>(std::move(request.stream), std::move(*expect));
    request.stream = stream;
    if (chunked) describe_decoded(request, stream->size());
    return Status::ok();
  }
  if (!expect->sha256_hex && !chunked && !expect->checksum) return Status::ok();
  auto stream = std::make_shared<PayloadStream>(
      http::memory_body(std::move(request.body), SIZE_MAX), std::move(*expect));
  Result<std::string> whole = Error{};
  // A memory body calls back from inside read(): this is synchronous.
  http::read_all(stream, SIZE_MAX, [&whole](Result<std::string> r) { whole = std::move(r); });
  if (!whole) return whole.take_error();
  request.body = std::move(whole).value();
  if (chunked) {
    describe_decoded(request, request.body.size());
    for (const auto& [k, v] : stream->trailers()) set_header(request, k, v);
  }
  return Status::ok();
}

Result<Verified> verify_claim(http::Request& request, const CredentialProvider& provider,
                              Clock::time_point now, Claim claim, std::string_view declared_payload,
                              int64_t expires) {
  bool s3 = claim.s3();
  if (!signs_host(claim.signed_headers)) {
    return errors::incomplete(
        s3, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (claim.scope.date != std::string_view(claim.amz_date).substr(0, 8)) {
    Error e = errors::mismatch(s3);
    e.message =
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
        "from HTTP: '" +
        claim.scope.date + "' != '" + claim.amz_date.substr(0, 8) + "', from '" + claim.amz_date +
        "'.";
    return e;
  }
  auto credentials = provider.find(claim.scope.access_key_id);
  if (!credentials) return errors::unknown_key(s3);
  std::string token(request.header("x-amz-security-token"));
  if (token.empty()) {
    if (auto q = query_param(request.query(), "X-Amz-Security-Token")) token = std::move(*q);
  }
  NIMBUS_TRY(check_session(*credentials, token, now, s3));
  if (claim.presigned) {
    if (claim.time > now + kSkew) return errors::presign_not_yet_valid(s3, claim.time, now);
    if (expires > 0 && now > claim.time + std::chrono::seconds(expires)) {
      return errors::presign_expired(s3);
    }
    if (expires == 0 && now > claim.time + kSkew) return errors::presign_expired(s3);
  } else if (claim.time > now + kSkew || claim.time < now - kSkew) {
    return errors::skewed(s3, claim.time, now);
  }

  std::string key = signing_key(credentials->secret_access_key, claim.scope.date,
                                claim.scope.region, claim.scope.service);
  if (request.stream && declared_payload.empty() && !(claim.presigned && s3)) {
    return errors::invalid_content_sha256();  // the body is not here to hash
  }
  // The payload hashes the signature may cover, the likelier first.
  std::array<std::string, 2> hashes;
  size_t tries = 1;
  if (!declared_payload.empty()) {
    hashes[0] = declared_payload;
  } else if (claim.presigned) {
    // S3 presigned URLs sign UNSIGNED-PAYLOAD; other services the body.
    hashes[0] = s3 ? std::string(kUnsigned) : crypto::sha256_hex(request.body);
    hashes[1] = s3 ? crypto::sha256_hex(request.body) : std::string(kUnsigned);
    tries = 2;
  } else {
    hashes[0] = crypto::sha256_hex(request.body);
  }
  if (!signature_matches(request, claim, key, std::span(hashes.data(), tries))) {
    return errors::mismatch(s3);
  }
  NIMBUS_TRY(check_payload(request, declared_payload, claim, key));

  return Verified{std::move(credentials), std::move(claim.scope), std::move(token)};
}

Result<Verified> verify_header(http::Request& request, const CredentialProvider& provider,
                               Clock::time_point now) {
  std::string_view auth = request.header("authorization");
  AuthFields fields = parse_auth_header(auth);
  auto scope = parse_credential(fields.credential);
  bool s3 = scope && scope->service == "s3";
  for (auto [value, name] : {std::pair{fields.credential, "Credential"},
                             std::pair{fields.signed_headers, "SignedHeaders"},
                             std::pair{fields.signature, "Signature"}}) {
    if (value.empty()) {
      return errors::incomplete(s3, std::string("Authorization header requires '") + name +
                                        "' parameter. Authorization=" + std::string(auth));
    }
  }
  if (!scope) {
    return errors::incomplete(false,
                              "Credential should be scoped to a valid region, service and "
                              "terminator 'aws4_request'. Credential=" +
                                  std::string(fields.credential));
  }
  Claim claim{
      std::move(*scope), {}, {}, std::string(fields.signed_headers), std::string(fields.signature)};
  if (auto amz = request.header("x-amz-date"); !amz.empty()) {
    auto t = parse_amz_date(amz);
    if (!t) return errors::incomplete(s3, "X-Amz-Date must be in the ISO8601 Long Format.");
    claim.amz_date = std::string(amz);
    claim.time = *t;
  } else if (auto t = parse_http_date(request.header("date"))) {
    claim.amz_date = format_amz_date(*t);
    claim.time = *t;
  } else {
    return errors::incomplete(
        s3, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  return verify_claim(request, provider, now, std::move(claim),
                      request.header("x-amz-content-sha256"), 0);
}

Result<Verified> verify_presigned(http::Request& request, const CredentialProvider& provider,
                                  Clock::time_point now) {
  std::string_view query = request.query();
  auto algorithm = query_param(query, "X-Amz-Algorithm");
  auto credential = query_param(query, "X-Amz-Credential");
  auto amz_date = query_param(query, "X-Amz-Date");
  auto signed_headers = query_param(query, "X-Amz-SignedHeaders");
  auto sig = query_param(query, "X-Amz-Signature");
  auto expires = query_param(query, "X-Amz-Expires");
  auto scope = credential ? parse_credential(*credential) : std::nullopt;
  bool s3 = scope && scope->service == "s3";
  if (!algorithm || !credential || !amz_date || !signed_headers || !sig || (s3 && !expires)) {
    return errors::query_parameters(
        s3,
        "Query-string authentication version 4 requires the X-Amz-Algorithm, "
        "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
        "X-Amz-Expires parameters.");
  }
  if (*algorithm != kAlgorithm) {
    return errors::query_parameters(s3, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  if (!scope) {
    return errors::query_parameters(s3,
                                    "Error parsing the X-Amz-Credential parameter; the "
                                    "Credential is mal-formed; expecting "
                                    "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  auto time = parse_amz_date(*amz_date);
  if (!time) {
    return errors::query_parameters(s3,
                                    "X-Amz-Date must be in the ISO8601 Long Format "
                                    "\"yyyyMMdd'T'HHmmss'Z'\"");
  }
  int64_t seconds = 0;
  if (expires) {
    auto [end, ec] = std::from_chars(expires->data(), expires->data() + expires->size(), seconds);
    if (ec != std::errc() || end != expires->data() + expires->size()) {
      return errors::query_parameters(s3, "X-Amz-Expires should be a number");
    }
    if (seconds < 1) return errors::query_parameters(s3, "X-Amz-Expires must be non-negative");
    if (seconds > kMaxExpires) {
      return errors::query_parameters(
          s3, "X-Amz-Expires must be less than a week (in seconds) that is 604800 seconds");
    }
  }
  Claim claim{std::move(*scope),          std::move(*amz_date), *time,
              std::move(*signed_headers), std::move(*sig),      true};
  std::string declared(request.header("x-amz-content-sha256"));
  if (declared.empty()) declared = query_param(query, "X-Amz-Content-Sha256").value_or("");
  return verify_claim(request, provider, now, std::move(claim), declared, seconds);
}

}  // namespace

namespace detail {

Status check_session(const Credentials& credentials, std::string_view token, Clock::time_point now,
                     bool s3) {
  if (credentials.session_token.empty()) return Status::ok();
  if (token != credentials.session_token) return errors::invalid_token(s3);
  if (credentials.expiration != Clock::time_point{} && now >= credentials.expiration) {
    return errors::expired_token(s3);
  }
  return Status::ok();
}

std::optional<std::string> query_param(std::string_view raw_query, std::string_view name) {
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view{} : raw_query.substr(amp + 1);
    size_t eq = part.find('=');
    if (percent_decode(part.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(part.substr(eq + 1));
  }
  return std::nullopt;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && http::iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace detail

std::optional<Scope> peek_scope(const http::Request& request) {
  std::string_view auth = request.header("authorization");
  if (starts_with_ci(auth, kAlgorithm)) return parse_credential(parse_auth_header(auth).credential);
  if (auth.substr(0, 4) == "AWS ") {
    std::string_view rest = auth.substr(4);
    return Scope{std::string(trim(rest.substr(0, rest.find(':')))), "", "", "s3"};
  }
  if (!auth.empty()) return std::nullopt;
  std::string_view query = request.query();
  if (auto credential = query_param(query, "X-Amz-Credential")) {
    return parse_credential(*credential);
  }
  if (auto akid = query_param(query, "AWSAccessKeyId")) return Scope{*akid, "", "", "s3"};
  return std::nullopt;
}

bool verifies_streaming(const http::Request& request) {
  if (starts_with_ci(request.header("authorization"), kAlgorithm)) {
    return request.has_header("x-amz-content-sha256");
  }
  // SigV2 (S3 only) signs the head alone: Content-MD5 is a header's value,
  // checked against the body by the service as the body is read.
  if (request.header("authorization").starts_with("AWS ")) return true;
  if (!request.header("authorization").empty()) return false;
  auto scope = peek_scope(request);
  if (!scope || scope->service != "s3") return false;
  std::string_view query = request.query();
  return query_param(query, "X-Amz-Signature") || query_param(query, "Signature");
}

Result<Verified> verify(http::Request& request, const CredentialProvider& credentials,
                        Clock::time_point now) {
  std::string_view auth = request.header("authorization");
  if (!auth.empty()) {
    if (starts_with_ci(auth, kAlgorithm)) return verify_header(request, credentials, now);
    if (auth.substr(0, 4) == "AWS ") return verify_v2_header(request, credentials, now);
    return errors::incomplete(false, "Unsupported Authorization Type");
  }
  std::string_view query = request.query();
  if (query_param(query, "X-Amz-Algorithm") || query_param(query, "X-Amz-Credential") ||
      query_param(query, "X-Amz-Signature")) {
    return verify_presigned(request, credentials, now);
  }
  if (query_param(query, "AWSAccessKeyId") || query_param(query, "Signature")) {
    return verify_v2_query(request, credentials, now);
  }
  return errors::missing_authentication();
}

std::string_view json_error_code(std::string_view code) {
  if (code == "SignatureDoesNotMatch") return "InvalidSignatureException";
  if (code == "InvalidClientTokenId") return "UnrecognizedClientException";
  if (code == "IncompleteSignature") return "IncompleteSignatureException";
  if (code == "MissingAuthenticationToken") return "MissingAuthenticationTokenException";
  if (code == "ExpiredToken") return "ExpiredTokenException";
  return code;
}

}  // namespace nimbus::auth
