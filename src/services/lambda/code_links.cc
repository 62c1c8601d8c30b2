#include "services/lambda/code_links.h"

#include <charconv>
#include <random>

#include "auth/crypto.h"

namespace nimbus::services::lambda {

namespace {

std::string random_key() {
  std::random_device device;
  std::string key(32, '\0');
  for (char& c : key) c = static_cast<char>(device());
  return key;
}

// The value of `name` in a query string (no decoding: both members are
// plain digits and hex).
std::string_view param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

}  // namespace

CodeLinks::CodeLinks(const Clock& clock) : CodeLinks(clock, random_key()) {}

std::string CodeLinks::signature(std::string_view sha, int64_t expires) const {
  std::string text(sha);
  text += '\n';
  text += std::to_string(expires);
  return auth::crypto::hex(auth::crypto::hmac_sha256(key_, text));
}

std::string CodeLinks::link(std::string_view endpoint, std::string_view sha) const {
  int64_t expires = static_cast<int64_t>(clock_.now_seconds()) + kValidSeconds;
  std::string out(endpoint);
  out += "/_aws/lambda-code/";
  out += sha;
  out += "?Expires=" + std::to_string(expires) + "&Signature=" + signature(sha, expires);
  return out;
}

CodeLinks::Check CodeLinks::check(std::string_view sha, std::string_view query) const {
  std::string_view expires_text = param(query, "Expires");
  int64_t expires = 0;
  auto [end, ec] =
      std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
  if (expires_text.empty() || ec != std::errc() ||
      end != expires_text.data() + expires_text.size() ||
      !auth::crypto::equal(param(query, "Signature"), signature(sha, expires))) {
    return Check::kBadSignature;
  }
  if (clock_.now_seconds() > static_cast<double>(expires)) return Check::kExpired;
  return Check::kValid;
}

}  // namespace nimbus::services::lambda
