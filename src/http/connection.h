// One client connection, pinned to one Loop: reads a request, hands it to
// the Handler, writes the response, and only then parses the next one (so
// pipelined requests are answered one at a time, in order).
//
// Everything here runs on the loop's thread; the only entry from elsewhere
// is a Reply, which is posted to the loop and holds the connection weakly.
#pragma once

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <memory>
#include <optional>
#include <string>

#include "http/loop.h"
#include "http/request_parser.h"

namespace nimbus::http {

class FileSender;  // http/file_body.h
class SocketFd;
struct SocketSend;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Loop& loop, Socket socket, size_t slot);

  void start();
  // Closes the socket and leaves the loop's registry. Idempotent. Callers
  // must hold a reference (the registry's goes away here).
  void close();
  // When the loop's sweep closes this connection (idle or request timeout).
  Clock::time_point deadline() const { return deadline_; }
  // Drain: close now if between requests, else after the current response.
  void on_drain();
  // The Handler's answer to request number `seq`; late or repeated answers
  // are dropped.
  void deliver(uint64_t seq, Response response);
  // The request body of request `seq`, when streamed: the next piece to
  // `next` (see RequestBody in connection.cc).
  void read_body(uint64_t seq, BodyCallback next);
  // The next piece of the streamed response of request `seq`.
  void on_response_piece(uint64_t seq, BodyChunk piece);
  void write_chunk(BodyChunk piece);  // one piece of a chunked (size-less) response

  size_t slot() const { return slot_; }
  void set_slot(size_t slot) { slot_ = slot; }

 private:
  enum class State { kReading, kContinue, kHandling, kWriting, kLinger, kClosed };

  void read_more();   // parse what is buffered, then read if needed
  void start_read();  // one socket read at a time; its bytes go where state says
  // A read finished: false when its bytes are not wanted (the connection
  // was closed, or EOF or a reset closes it now).
  bool read_ended(const boost::system::error_code& ec);
  void on_read(const boost::system::error_code& ec, size_t n);
  void after_read();  // new bytes are in in_: parse, pump or keep them per state
  // Streaming a body of known length with nothing buffered: the socket is
  // read straight into the next piece (no copy through in_), a reused
  // buffer (piece_buffer), until the piece is full or the body ends.
  void read_body_in_place(uint64_t left);
  void on_read_in_place(const boost::system::error_code& ec, size_t n);
  void write_continue();
  void dispatch();
  void pump_body();               // streaming: parse buffered bytes into a piece, else read more
  void end_body(BodyChunk last);  // hands the waiting reader its piece
  void abandon_body();            // the response goes out before the body was read
  void write_piece();             // streaming response: ask the source for more
  // Streaming a response from a file (a FileSender, http/file_body.h): the
  // source sends the next bytes itself, on a worker.
  void send_file_piece();
  void on_file_sent(uint64_t seq, Result<SocketSend> sent);
  Reply make_reply();
  void write_response(Response response, bool keep_alive);
  void on_written(const boost::system::error_code& ec);
  void fail(int status);  // edge error response, then close
  void linger();          // half-close and discard input until the peer closes
  void new_request();

  Loop& loop_;
  Socket socket_;
  size_t slot_;
  State state_ = State::kReading;
  Clock::time_point deadline_;
  boost::beast::flat_buffer in_;
  std::string direct_;        // read_body_in_place: the piece being read into
  size_t direct_filled_ = 0;  // its bytes read so far
  std::optional<RequestParser> parser_;
  bool request_started_ = false;  // bytes of the current request have arrived
  bool in_flight_ = false;        // counted in LoopCounters::in_flight
  bool keep_alive_ = true;
  bool close_after_write_ = false;
  int version_ = 11;
  bool head_ = false;
  uint64_t seq_ = 0;
  std::string remote_;
  std::string out_head_;  // reused: keeps its capacity between responses
  std::string out_body_;
  bool reading_ = false;  // a socket read is in flight
  // Streamed request body (parser_->streaming()).
  BodyCallback body_waiter_;  // the reader waiting for its next piece
  bool body_done_ = false;    // the parser reached the body's end
  bool continue_sent_ = false;
  bool writing_continue_ = false;
  std::optional<Response> held_response_;  // delivered while the 100 was being written
  // Streamed response body.
  std::shared_ptr<BodySource> out_stream_;
  uint64_t out_left_ = 0;             // bytes the Content-Length still promises
  bool out_chunked_ = false;          // a stream without a size: chunks until its empty piece
  FileSender* out_sender_ = nullptr;  // out_stream_ as a file sender, when it is one
  std::shared_ptr<const SocketFd> out_socket_;  // send_file_piece: the sender's descriptor
};

}  // namespace nimbus::http
