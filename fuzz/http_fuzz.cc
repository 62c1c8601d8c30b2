// libFuzzer target for the HTTP edge's request path: arbitrary bytes go
// through RequestParser::feed exactly as a connection drives it (pieces of
// varying size, unconsumed bytes re-presented, a fresh parser per pipelined
// request), and each parsed request is echoed through write_response_head.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "http/request_parser.h"
#include "http/response_writer.h"

namespace {

using nimbus::http::ParseEvent;
using nimbus::http::ParseLimits;
using nimbus::http::RequestParser;

void check(bool ok) {
  if (!ok) std::abort();
}

// A response head must be one block: CRLF line ends, no bare LF, and the
// blank line only at the end (else a header value split the response).
void check_head(const std::string& head) {
  check(head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0);
  check(head.find("\r\n\r\n") == head.size() - 4);
  for (size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\n') check(i > 0 && head[i - 1] == '\r');
    if (head[i] == '\r') check(i + 1 < head.size() && head[i + 1] == '\n');
  }
}

void echo(const nimbus::http::Request& req, bool head) {
  nimbus::http::Response r;
  r.status = static_cast<int>(req.body.size() % 700);
  for (const auto& [k, v] : req.headers) r.headers.emplace_back(k, v);
  r.headers.emplace_back(req.method, req.target);
  r.body = req.body;
  std::string out;
  nimbus::http::write_response_head(r, {head, 11, !req.body.empty()}, out);
  check_head(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // First byte: read size (1..64 bytes per "recv"); small limits so the
  // 413/431 paths are reachable.
  size_t step = (data[0] & 63) + 1;
  ParseLimits limits{static_cast<size_t>(64 + (data[0] >> 6) * 256), 512};
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  // Odd-sized inputs stream bodies over 16 bytes, as S3 PUTs do; a body of
  // known length is then also fed in place, as the connection reads it.
  if (size % 2 == 1) limits.stream_bodies_over = 16;

  std::string buffered;
  size_t offset = 0;
  RequestParser parser(limits);
  for (int requests = 0; requests < 64;) {
    size_t used = 0;
    ParseEvent ev = parser.feed(buffered, used);
    check(used <= buffered.size());
    buffered.erase(0, used);
    if (parser.streaming()) (void)parser.take_chunk();
    if (ev == ParseEvent::kHeaderDone) {
      check(parser.is_header_done());
      continue;
    }
    if (ev == ParseEvent::kError) {
      int s = parser.error_status();
      check(s == 400 || s == 413 || s == 417 || s == 431 || s == 505);
      return 0;
    }
    if (ev == ParseEvent::kDone) {
      bool head = parser.is_head();
      auto req = parser.take_request();
      check(!req.method.empty() && !req.target.empty());
      check(req.body.size() <= limits.max_body_bytes);
      for (const auto& [k, v] : req.headers) {
        for (char c : k) check(!(c >= 'A' && c <= 'Z'));
      }
      echo(req, head);
      ++requests;
      std::destroy_at(&parser);
      std::construct_at(&parser, limits);
      continue;
    }
    // kNeedMore: every byte given was consumed or the header is incomplete.
    check(buffered.size() <= limits.max_header_bytes + step);
    if (offset == input.size()) return 0;
    if (buffered.empty() && parser.body_left() > 0) {
      size_t left = static_cast<size_t>(std::min<uint64_t>(parser.body_left(), SIZE_MAX));
      size_t take = std::min({step, left, input.size() - offset});
      size_t in_place = 0;
      ParseEvent body = parser.feed_body_in_place(input.substr(offset, take), in_place);
      check(body != ParseEvent::kError && in_place == take && parser.take_chunk().empty());
      offset += take;
      continue;
    }
    size_t take = std::min(step, input.size() - offset);
    buffered.append(input.substr(offset, take));
    offset += take;
  }
  return 0;
}
