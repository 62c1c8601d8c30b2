#include "http/request_parser.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <limits>

namespace nimbus::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// A claimed Content-Length is only a promise; reserve no more than this up
// front so idle connections cannot pin large buffers.
constexpr size_t kMaxBodyReserve = 1 << 20;

int status_for(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::bad_version) return 505;
  return 400;
}

}  // namespace

RequestParser::RequestParser(const ParseLimits& limits) : limits_(limits) {
  header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  body_limit(boost::none);  // enforced in on_header_impl / append_body: streams have none
  req_.headers.reserve(16);
}

uint64_t RequestParser::body_left() const {
  if (!streaming_ || !header_reported_ || is_done() || chunked()) return 0;
  return content_length_remaining().value_or(0);
}

ParseEvent RequestParser::feed_body_in_place(std::string_view body, size_t& consumed) {
  in_place_ = true;
  ParseEvent ev = feed(body, consumed);
  in_place_ = false;
  return ev;
}

ParseEvent RequestParser::feed(std::string_view data, size_t& consumed) {
  consumed = 0;
  // RFC 9112 2.2: ignore empty lines before a request-line (some clients
  // send a stray CRLF after a body).
  if (!got_some()) {
    while (consumed < data.size() && (data[consumed] == '\r' || data[consumed] == '\n')) {
      ++consumed;
    }
  }
  for (;;) {
    if (error_status_ != 0) return ParseEvent::kError;
    if (is_done()) return ParseEvent::kDone;
    if (is_header_done() && !header_reported_) {
      header_reported_ = true;
      eager(true);  // from here on, take every body byte given in one call
      return ParseEvent::kHeaderDone;
    }
    if (consumed == data.size()) return ParseEvent::kNeedMore;
    beast::error_code ec;
    size_t n = put(boost::asio::const_buffer(data.data() + consumed, data.size() - consumed), ec);
    consumed += n;
    if (ec == bhttp::error::need_more) return ParseEvent::kNeedMore;
    if (ec) {
      if (error_status_ == 0) error_status_ = status_for(ec);
      return ParseEvent::kError;
    }
    if (n == 0 && !is_done() && (header_reported_ || !is_header_done())) {
      return ParseEvent::kNeedMore;  // no progress: wait for more bytes
    }
  }
}

void RequestParser::on_request_impl(bhttp::verb method, beast::string_view method_str,
                                    beast::string_view target, int version, beast::error_code& ec) {
  if (version != 10 && version != 11) {
    error_status_ = 505;
    ec = bhttp::error::bad_version;
    return;
  }
  version_ = version;
  is_head_ = method == bhttp::verb::head;
  req_.method.assign(method_str.data(), method_str.size());
  req_.target.assign(target.data(), target.size());
}

void RequestParser::on_response_impl(int, beast::string_view, int, beast::error_code& ec) {
  ec = bhttp::error::bad_method;  // unreachable for a request parser
}

void RequestParser::on_field_impl(bhttp::field name, beast::string_view name_string,
                                  beast::string_view value, beast::error_code& ec) {
  std::string_view v(value.data(), value.size());
  if (name == bhttp::field::expect) {
    if (iequals(v, "100-continue")) {
      expect_continue_ = true;
    } else {
      error_status_ = 417;  // RFC 9110 10.1.1: an expectation we cannot meet
      ec = bhttp::error::bad_field;
      return;
    }
  }
  std::string lower(name_string.data(), name_string.size());
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  req_.headers.emplace_back(std::move(lower), std::string(v));
}

void RequestParser::on_header_impl(beast::error_code& ec) {
  auto length = content_length();
  bool has_body = chunked() || (length && *length > 0);
  if (!has_body) return;
  if (limits_.stream_bodies_over != SIZE_MAX &&
      (expect_continue_ || chunked() || *length > limits_.stream_bodies_over)) {
    streaming_ = true;
    return;
  }
  if (length && *length > limits_.max_body_bytes) {
    error_status_ = 413;
    ec = bhttp::error::body_limit;
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      beast::error_code& ec) {
  if (content_length && !streaming_) {
    req_.body.reserve(
        static_cast<size_t>(std::min<std::uint64_t>(*content_length, kMaxBodyReserve)));
  }
}

size_t RequestParser::append_body(beast::string_view body, beast::error_code& ec) {
  if (streaming_) {
    if (!in_place_) chunk_.append(body.data(), body.size());
    return body.size();
  }
  if (body.size() > limits_.max_body_bytes - req_.body.size()) {
    error_status_ = 413;
    ec = bhttp::error::body_limit;
    return 0;
  }
  req_.body.append(body.data(), body.size());
  return body.size();
}

size_t RequestParser::on_body_impl(beast::string_view body, beast::error_code& ec) {
  return append_body(body, ec);
}

size_t RequestParser::on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                         beast::error_code& ec) {
  return append_body(body, ec);
}

}  // namespace nimbus::http
