// libFuzzer target for what the SMTP client reads from a relay
// (http/smtp_reply.h): the input split into CRLF lines is read as replies
// are (classify until a last line or a bad one), and each reply's lines go
// through capabilities() as an EHLO reply's would. Checks: a line kept is
// coded (three digits) and at most 1000 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/smtp_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nimbus::http::smtp;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> reply;
  while (!in.empty()) {
    auto eol = in.find("\r\n");
    std::string_view line = in.substr(0, eol);
    in = eol == std::string_view::npos ? std::string_view() : in.substr(eol + 2);
    auto kind = classify(line);
    if (kind == Line::kBad) {
      reply.clear();
      continue;
    }
    if (line.size() < 3 || line.size() > 1000) std::abort();
    reply.emplace_back(line);
    if (kind == Line::kLast) {
      auto caps = capabilities(reply);
      (void)caps;
      reply.clear();
    }
  }
  return 0;
}
