// libFuzzer target for request authentication: builds an http::Request from
// the input and runs peek_scope() and verify() on it, plus the aws-chunked
// decoder and the canonicalisers directly.
//
// Input: "METHOD TARGET\n" then "name: value\n" header lines, a blank line,
// then the body. A leading '!' signs the request first with the fuzzer's own
// key (keeping any x-amz-content-sha256 it carries), so verification gets past
// the signature into payload handling: hashes, aws-chunked, trailers.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/canonical.h"
#include "auth/chunked.h"
#include "auth/sigv4.h"

namespace {

using namespace nimbus;

class OneKey final : public auth::CredentialProvider {
 public:
  std::shared_ptr<const auth::Credentials> find(std::string_view id) const override {
    return id == creds->access_key_id ? creds : nullptr;
  }
  std::shared_ptr<const auth::Credentials> creds = std::make_shared<auth::Credentials>(
      auth::Credentials{"AKIDFUZZ", "fuzz/secret", "000000000000", ""});
};

std::string_view take_line(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

http::Request parse(std::string_view in) {
  http::Request r;
  std::string_view start = take_line(in);
  size_t sp = start.find(' ');
  r.method = std::string(start.substr(0, sp));
  r.target = sp == std::string_view::npos ? "/" : std::string(start.substr(sp + 1));
  while (!in.empty()) {
    std::string_view line = take_line(in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    r.headers.emplace_back(http::to_lower(line.substr(0, colon)), std::string(value));
  }
  r.body = std::string(in);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const OneKey provider;
  static const auto now = *auth::detail::parse_amz_date("20240102T030405Z");
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool presign_first = !in.empty() && in[0] == '!';
  if (presign_first) in.remove_prefix(1);
  http::Request request = parse(in);

  (void)auth::peek_scope(request);
  (void)auth::detail::canonical_uri(request.path(), false);
  (void)auth::detail::canonical_uri(request.path(), true);
  (void)auth::detail::canonical_query(request.query(), true, true);
  (void)auth::detail::parse_http_date(request.header("date"));
  (void)auth::detail::decode_aws_chunked(request.body, nullptr);

  if (presign_first) {
    std::string service(request.header("x-fuzz-service"));
    auth::sign(request, *provider.creds, "us-east-1", service.empty() ? "s3" : service, now);
  }
  http::Request copy = request;
  auto result = auth::verify(copy, provider, now);
  if (presign_first && result.is_ok()) {
    // The signed chunk path: re-verify a signed streaming upload of the body.
    http::Request streaming = request;
    std::erase_if(streaming.headers, [](const auto& kv) { return kv.first == "authorization"; });
    auth::sign_streaming(streaming, *provider.creds, "us-east-1", "s3", now, 1 + size % 97);
    if (!auth::verify(streaming, provider, now).is_ok()) __builtin_trap();
  }
  return 0;
}
