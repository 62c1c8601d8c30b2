// libFuzzer target: the whole of parse_request(). The input is an HTTP
// request in a simple text form: "METHOD TARGET\nheader: value\n...\n\nbody",
// with an optional first line "scope: <service>" for the SigV4 scope.
// The body is also decoded as base64 twice, as it is and behind a space
// (which sends every character through the one-at-a-time loop instead of
// the 32-character blocks): both must agree.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "protocol/engine.h"

using namespace nimbus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const protocol::ModelRegistry models;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto line = [&text]() {
    auto nl = text.find('\n');
    auto l = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    return l;
  };
  std::string_view scope;
  auto first = line();
  if (first.starts_with("scope: ")) {
    scope = first.substr(7);
    first = line();
  }
  http::Request req;
  auto sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  while (!text.empty()) {
    auto l = line();
    if (l.empty()) break;
    auto colon = l.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = l.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.emplace_back(http::to_lower(l.substr(0, colon)), std::string(value));
  }
  req.body = std::string(text);
  if (base64_decode(text) != base64_decode(" " + req.body)) __builtin_trap();
  auto r = protocol::parse_request(req, models, scope);
  if (!r.call && !r.failure) __builtin_trap();  // exactly one of them is set
  return 0;
}
