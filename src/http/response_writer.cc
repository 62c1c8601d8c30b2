#include "http/response_writer.h"

#include <ostream>  // boost/core/detail/string_view.hpp (1.81) needs it first

#include <boost/beast/http/status.hpp>
#include <charconv>
#include <ctime>

namespace nimbus::http {

namespace {

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// A value with CR, LF or NUL in it would end the header early: those
// become spaces. Runs without them are appended whole.
void append_value(std::string& out, std::string_view v) {
  constexpr std::string_view kBreaks("\r\n\0", 3);
  for (;;) {
    size_t at = v.find_first_of(kBreaks);
    out.append(v.substr(0, at));
    if (at == std::string_view::npos) return;
    out.push_back(' ');
    v.remove_prefix(at + 1);
  }
}

void append_number(std::string& out, uint64_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  out.append(buf, end);
}

}  // namespace

std::string_view reason_phrase(int status) {
  auto sv = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return {sv.data(), sv.size()};
}

std::string_view http_date() {
  thread_local std::time_t cached_sec = -1;
  thread_local char buf[40];
  thread_local size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_sec) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_sec = now;
  }
  return {buf, len};
}

bool write_response_head(const Response& response, const ResponseFraming& framing,
                         std::string& out) {
  int status = response.status;
  if (status < 200 || status > 599) status = 500;
  bool no_body_status = status == 204 || status == 304;
  bool send_body = !framing.head_request && !no_body_status;

  out.append("HTTP/1.1 ");
  append_number(out, static_cast<uint64_t>(status));
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");

  bool have_server = false, have_date = false, have_length = false;
  for (const auto& [name, value] : response.headers) {
    if (!valid_name(name)) continue;
    if (iequals(name, "content-length")) {
      // Kept only where it describes a body we do not send.
      if (!framing.head_request || no_body_status || have_length) continue;
      have_length = true;
    } else if (iequals(name, "transfer-encoding") || iequals(name, "connection") ||
               iequals(name, "keep-alive")) {
      continue;
    } else if (iequals(name, "server")) {
      have_server = true;
    } else if (iequals(name, "date")) {
      have_date = true;
    }
    out.append(name);
    out.append(": ");
    append_value(out, value);
    out.append("\r\n");
  }
  if (!have_server) out.append("Server: nimbus\r\n");
  if (!have_date) {
    out.append("Date: ");
    out.append(http_date());
    out.append("\r\n");
  }
  uint64_t body_size = response.stream ? response.stream->size().value_or(0) : response.body.size();
  // A stream of unknown size (an event stream) is sent chunked to HTTP/1.1
  // clients; an HTTP/1.0 body ends when the connection closes.
  bool open_ended = response.stream && !response.stream->size();
  if (open_ended) {
    if (framing.version == 11 && send_body) out.append("Transfer-Encoding: chunked\r\n");
  } else if (!have_length && status != 204 && status != 304) {
    out.append("Content-Length: ");
    append_number(out, body_size);
    out.append("\r\n");
  }
  if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (framing.version == 10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return send_body && (open_ended || body_size > 0);
}

}  // namespace nimbus::http
