// The parser and the response head writer without sockets.
#include <gtest/gtest.h>

#include "http/request_parser.h"
#include "http/response_writer.h"

namespace nimbus::http {
namespace {

struct Parsed {
  ParseEvent last;
  int status = 0;
  Request req;
  size_t consumed = 0;
  bool saw_header_event = false;
};

// Feeds `wire` in pieces of `step` bytes, like a socket would, re-presenting
// unconsumed bytes each time.
Parsed parse(std::string_view wire, size_t step = 1 << 20, ParseLimits limits = {}) {
  RequestParser p(limits);
  Parsed out;
  std::string pending;
  size_t offset = 0;
  for (;;) {
    size_t take = std::min(step, wire.size() - offset);
    pending.append(wire.substr(offset, take));
    offset += take;
    size_t used = 0;
    ParseEvent ev;
    do {
      ev = p.feed(pending, used);
      pending.erase(0, used);
      out.consumed += used;
      if (ev == ParseEvent::kHeaderDone) out.saw_header_event = true;
    } while (ev == ParseEvent::kHeaderDone);
    out.last = ev;
    if (ev == ParseEvent::kDone) {
      out.req = p.take_request();
      return out;
    }
    if (ev == ParseEvent::kError) {
      out.status = p.error_status();
      return out;
    }
    if (offset == wire.size()) return out;
  }
}

TEST(RequestParser, SimpleGetWithLowerCasedHeaders) {
  auto r = parse("GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Amz-Target: T\r\nX-Amz-Target: U\r\n\r\n");
  ASSERT_EQ(r.last, ParseEvent::kDone);
  EXPECT_EQ(r.req.method, "GET");
  EXPECT_EQ(r.req.path(), "/a/b");
  EXPECT_EQ(r.req.query(), "x=1");
  ASSERT_EQ(r.req.headers.size(), 3u);
  EXPECT_EQ(r.req.headers[1].first, "x-amz-target");
  EXPECT_EQ(r.req.headers[2].second, "U");  // repeats kept, in order
  EXPECT_FALSE(r.saw_header_event);         // no body: straight to done
}

TEST(RequestParser, ByteByByteEqualsAllAtOnce) {
  std::string wire =
      "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n10;name=v\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n";
  auto whole = parse(wire);
  auto bytes = parse(wire, 1);
  ASSERT_EQ(whole.last, ParseEvent::kDone);
  ASSERT_EQ(bytes.last, ParseEvent::kDone);
  EXPECT_EQ(whole.req.body, "abc0123456789abcdef");
  EXPECT_EQ(bytes.req.body, whole.req.body);
  EXPECT_TRUE(whole.saw_header_event);
}

TEST(RequestParser, StopsAtTheEndOfOneRequest) {
  std::string one = "PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  auto r = parse(one + "GET / HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.last, ParseEvent::kDone);
  EXPECT_EQ(r.consumed, one.size());
  EXPECT_EQ(r.req.body, "abc");
}

TEST(RequestParser, LeadingEmptyLinesAreIgnored) {
  auto r = parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.last, ParseEvent::kDone);
}

TEST(RequestParser, Errors) {
  EXPECT_EQ(parse("GARBAGE\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n").status, 400);
  EXPECT_EQ(parse("GET / HTTP/3.0\r\n\r\n").status, 505);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nExpect: teapot\r\n\r\n").status, 417);
}

TEST(RequestParser, Limits) {
  ParseLimits small{64, 8};
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n", 7, small).status,
            431);
  // Over the body limit by its declared length: rejected at the header,
  // before any body byte is consumed.
  std::string head = "PUT / HTTP/1.1\r\nContent-Length: 9\r\n\r\n";
  auto r = parse(head, 1 << 20, small);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(
      parse("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nabcde\r\n", 3,
            small)
          .status,
      413);
}

TEST(RequestParser, ExpectContinueIsReportedAtTheHeader) {
  RequestParser p(ParseLimits{});
  std::string head = "PUT /x HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n";
  size_t used = 0;
  EXPECT_EQ(p.feed(head, used), ParseEvent::kHeaderDone);
  EXPECT_EQ(used, head.size());
  EXPECT_TRUE(p.expects_continue());
  EXPECT_EQ(p.feed("", used), ParseEvent::kNeedMore);
  EXPECT_EQ(p.feed("abc", used), ParseEvent::kDone);
  EXPECT_EQ(p.take_request().body, "abc");
}

// A streamed body of known length can be read straight into its pieces:
// the parser counts those bytes and keeps none of them.
TEST(RequestParser, ABodyOfKnownLengthIsCountedInPlace) {
  ParseLimits limits;
  limits.stream_bodies_over = 4;
  RequestParser p(limits);
  std::string head = "PUT /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123";
  size_t used = 0;
  EXPECT_EQ(p.body_left(), 0u);  // the header is not done
  EXPECT_EQ(p.feed(head, used), ParseEvent::kHeaderDone);
  ASSERT_TRUE(p.streaming());
  EXPECT_EQ(p.body_left(), 10u);
  EXPECT_EQ(p.feed(std::string_view(head).substr(used), used), ParseEvent::kNeedMore);
  EXPECT_EQ(p.take_chunk(), "0123");  // bytes that came with the header: copied
  EXPECT_EQ(p.body_left(), 6u);
  EXPECT_EQ(p.feed_body_in_place("456", used), ParseEvent::kNeedMore);
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(p.take_chunk(), "");  // kept by the caller
  EXPECT_EQ(p.body_left(), 3u);
  EXPECT_EQ(p.feed_body_in_place("789", used), ParseEvent::kDone);
  EXPECT_EQ(used, 3u);
  EXPECT_EQ(p.take_chunk(), "");
  EXPECT_EQ(p.body_left(), 0u);
}

TEST(RequestParser, AChunkedBodyHasNoKnownLengthLeft) {
  ParseLimits limits;
  limits.stream_bodies_over = 4;
  RequestParser p(limits);
  std::string head = "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  size_t used = 0;
  EXPECT_EQ(p.feed(head, used), ParseEvent::kHeaderDone);
  ASSERT_TRUE(p.streaming());
  EXPECT_EQ(p.body_left(), 0u);
  EXPECT_EQ(p.feed("3\r\nabc\r\n0\r\n\r\n", used), ParseEvent::kDone);
  EXPECT_EQ(p.take_chunk(), "abc");
}

TEST(ResponseWriter, EdgeHeadersAndFraming) {
  Response r;
  r.body = "hi";
  r.set_header("Content-Type", "text/plain");
  r.set_header("Content-Length", "999");  // ignored: the edge frames
  r.set_header("X-Evil", "a\r\nSet-Cookie: x");
  r.set_header("X-Nul", std::string("a\0b\r", 4));
  r.set_header("Bad Name", "dropped");
  std::string out;
  EXPECT_TRUE(write_response_head(r, {false, 11, true}, out));
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(out.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_EQ(out.find("999"), std::string::npos);
  EXPECT_NE(out.find("X-Evil: a  Set-Cookie: x\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Nul: a b \r\n"), std::string::npos);
  EXPECT_EQ(out.find("Bad Name"), std::string::npos);
  EXPECT_NE(out.find("Server: nimbus\r\n"), std::string::npos);
  EXPECT_NE(out.find("Date: "), std::string::npos);
  EXPECT_EQ(out.find("Connection"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseWriter, HeadKeepsTheHandlersLengthAndSendsNoBody) {
  Response r;
  r.set_header("Content-Length", "12345");
  std::string out;
  EXPECT_FALSE(write_response_head(r, {true, 11, false}, out));
  EXPECT_NE(out.find("Content-Length: 12345\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(ResponseWriter, NoContentAndOddStatuses) {
  Response r;
  r.status = 204;
  r.body = "ignored";
  std::string out;
  EXPECT_FALSE(write_response_head(r, {false, 10, true}, out));
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
  r.status = 42;
  out.clear();
  write_response_head(r, {false, 11, true}, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u);
}

}  // namespace
}  // namespace nimbus::http
