// What the SMTP client reads from a relay (untrusted input): reply lines
// (RFC 5321 4.2: "NNN text" ends a reply, "NNN-text" goes on) and the
// extensions an EHLO reply offers (RFC 3207 STARTTLS, RFC 4954 AUTH).
// Internal to smtp_client.cc; fuzz/smtp_reply_fuzz.cc drives it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nimbus::http::smtp {

enum class Line { kBad, kMore, kLast };

// A line without its CRLF: kBad unless it starts with three digits and is
// at most 1000 bytes (RFC 5321's 512 for replies, with room for relays
// that exceed it).
Line classify(std::string_view line);

struct Capabilities {
  bool starttls = false;
  bool plain = false;  // AUTH PLAIN
  bool login = false;  // AUTH LOGIN
};

// The lines of an EHLO reply; the first (the relay's name) is skipped.
// Keywords are case-insensitive; "AUTH PLAIN LOGIN" and the older
// "AUTH=PLAIN LOGIN" both count.
Capabilities capabilities(const std::vector<std::string>& reply);

}  // namespace nimbus::http::smtp
