// Incremental HTTP/1.x request parsing. Beast's basic_parser does the
// grammar; this class fills a nimbus Request directly (no Beast message in
// between, header names lower-cased on the way in). The connection and
// fuzz/http_fuzz.cc both drive it through feed(), so the fuzzer runs exactly
// the code the server runs.
//
// Internal to src/http (it pulls in a Beast header); other layers only see
// message.h. Single-threaded: owned by one connection on one loop.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "http/message.h"

namespace nimbus::http {

struct ParseLimits {
  size_t max_header_bytes = 16 * 1024;       // request line + fields
  size_t max_body_bytes = 16 * 1024 * 1024;  // of a buffered body
  // Bodies declared larger than this, chunked bodies and bodies behind
  // `Expect: 100-continue` are streamed (no limit here); SIZE_MAX buffers
  // every body.
  size_t stream_bodies_over = SIZE_MAX;
};

enum class ParseEvent {
  kNeedMore,    // every byte given was consumed; give more
  kHeaderDone,  // header complete, body pending (answer Expect: 100-continue now,
                // or, when streaming(), hand the request on and pull the body)
  kDone,        // one whole request (streaming: the body's end); take_request()
  kError,       // malformed or over a limit; see error_status()
};

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(const ParseLimits& limits);

  // Parses a prefix of `data` and sets `consumed` to its length; unconsumed
  // bytes (the start of a pipelined request, or an incomplete header) must
  // be given again, followed by more, on the next call. kHeaderDone is
  // reported at most once per request and only when a body follows.
  ParseEvent feed(std::string_view data, size_t& consumed);

  // HTTP status to answer after kError: 400, 413 (body over the limit),
  // 431 (header over the limit) or 505 (unsupported version).
  int error_status() const { return error_status_; }
  // Valid once the header is done.
  int version() const { return version_; }  // 10 or 11
  bool expects_continue() const { return expect_continue_; }
  bool is_head() const { return is_head_; }
  // Valid once the header is done: the body is handed out in pieces
  // (take_chunk) instead of collected into the request.
  bool streaming() const { return streaming_; }
  // Streaming: the body bytes parsed since the last call (de-chunked).
  std::string take_chunk() { return std::exchange(chunk_, std::string()); }
  // Streaming a body of known length (Content-Length, not chunked): the
  // body bytes still to come; 0 otherwise and once the body is complete.
  uint64_t body_left() const;
  // feed() for `body`, which holds body bytes only (at most body_left()),
  // without keeping them: the caller hands them out as the piece itself
  // (the connection reads a body straight into its piece, no copy).
  ParseEvent feed_body_in_place(std::string_view body, size_t& consumed);

  Request take_request() { return std::move(req_); }
  const Request& request() const { return req_; }

 private:
  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_str,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         boost::beast::error_code& ec) override;
  size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                            boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code& ec) override {}

  size_t append_body(boost::beast::string_view body, boost::beast::error_code& ec);

  ParseLimits limits_;
  Request req_;
  std::string chunk_;  // streaming: body bytes not yet taken
  bool streaming_ = false;
  int version_ = 11;
  int error_status_ = 0;
  bool expect_continue_ = false;
  bool is_head_ = false;
  bool header_reported_ = false;
  bool in_place_ = false;  // feed_body_in_place: count body bytes, keep none
};

}  // namespace nimbus::http
