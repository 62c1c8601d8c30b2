// Serializes the status line and header block of a Response. Pure
// functions, no sockets, so tests and the fuzzer can call them directly.
#pragma once

#include <string>
#include <string_view>

#include "http/message.h"
#include "http/status.h"

namespace nimbus::http {

struct ResponseFraming {
  bool head_request = false;  // HEAD: Content-Length is written, the body is not
  int version = 11;           // of the request: 10 or 11
  bool keep_alive = true;     // false writes `Connection: close`
};

// Appends "HTTP/1.1 <status> <reason>\r\n", the handler's headers and the
// edge's own (Server: nimbus, Date, Content-Length, Connection) plus the
// blank line to `out`. Returns true when the body must follow.
//
// Framing belongs to the edge: a handler's Transfer-Encoding and Connection
// are dropped and Content-Length is computed from the body (or the
// stream's size; a stream without one is `Transfer-Encoding: chunked` for
// HTTP/1.1 and delimited by the connection's close for HTTP/1.0, which the
// caller must then ask for with keep_alive false), except for HEAD
// (and 304), where a handler's Content-Length describes the entity it did
// not send. A handler may set Server and Date to override ours. CR/LF in
// values become spaces and headers with invalid names are dropped, so a
// handler cannot split the response. Statuses outside 200..599 become 500.
bool write_response_head(const Response& response, const ResponseFraming& framing,
                         std::string& out);

// "Sun, 06 Nov 1994 08:49:37 GMT" for now, recomputed at most once a second
// per thread.
std::string_view http_date();

}  // namespace nimbus::http
