#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "http/file_body.h"
#include "http/piece_pool.h"
#include "http/response_writer.h"

namespace nimbus::http {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// A streamed request body is read in larger pieces: fewer hops to its reader
// (the buffer is given back once the request is done).
constexpr size_t kBodyReadChunk = kPieceBytes;
// How long a closing connection keeps reading (and discarding) so the peer
// sees our error response instead of a reset.
constexpr std::chrono::milliseconds kLinger{1000};

// A streamed body the parser refused, for its reader.
Error malformed_body() {
  return Error::make("IncompleteBody", "The request body is malformed.", 400);
}

ParseLimits limits_of(const ServerOptions& o) {
  return {o.max_header_bytes, o.max_body_bytes, o.stream_bodies_over};
}

Error body_gone(std::string_view why) {
  return Error::make("RequestBodyUnavailable",
                     "The request body cannot be read: " + std::string(why), 400);
}

// A streamed request body as its destination sees it. It holds the
// connection weakly (a body outliving its connection answers an error) and
// its loop strongly, like a Reply; every read is posted to the loop.
class RequestBody final : public BodySource {
 public:
  RequestBody(std::shared_ptr<Loop> loop, std::weak_ptr<Connection> conn, uint64_t seq,
              std::optional<uint64_t> size)
      : loop_(std::move(loop)), conn_(std::move(conn)), seq_(seq), size_(size) {}

  std::optional<uint64_t> size() const override { return size_; }

  void read(BodyCallback next) override {
    asio::post(loop_->context(), [conn = conn_, seq = seq_, next = std::move(next)]() mutable {
      if (auto c = conn.lock()) return c->read_body(seq, std::move(next));
      next(body_gone("the connection is closed"));
    });
  }

 private:
  std::shared_ptr<Loop> loop_;
  std::weak_ptr<Connection> conn_;
  uint64_t seq_;
  std::optional<uint64_t> size_;
};

// Runs `f(connection)` on the connection's loop: inline when the caller is
// already on it, posted otherwise; not at all once the connection is gone.
// Replies and response pieces may come from any thread.
template <class F>
void on_loop(const std::shared_ptr<Loop>& loop, std::weak_ptr<Connection> conn, F f) {
  if (Loop::current() == loop.get()) {
    if (auto c = conn.lock()) f(*c);
    return;
  }
  asio::post(loop->context(), [conn = std::move(conn), f = std::move(f)]() mutable {
    if (auto c = conn.lock()) f(*c);
  });
}

}  // namespace

Connection::Connection(Loop& loop, Socket socket, size_t slot)
    : loop_(loop), socket_(std::move(socket)), slot_(slot) {
  error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

void Connection::start() {
  new_request();
  read_more();
}

void Connection::new_request() {
  parser_.emplace(limits_of(loop_.options()));
  body_waiter_ = nullptr;
  body_done_ = false;
  continue_sent_ = false;
  held_response_.reset();
  out_stream_.reset();
  request_started_ = in_.size() > 0;
  if (!request_started_ && in_.capacity() > kReadChunk)
    in_.shrink_to_fit();  // after a streamed body
  deadline_ = Clock::now() +
              (request_started_ ? loop_.options().request_timeout : loop_.options().idle_timeout);
}

void Connection::read_more() {
  for (;;) {
    auto data = in_.data();
    size_t used = 0;
    ParseEvent ev =
        parser_->feed(std::string_view(static_cast<const char*>(data.data()), data.size()), used);
    in_.consume(used);
    switch (ev) {
      case ParseEvent::kNeedMore:
        break;
      case ParseEvent::kHeaderDone:
        if (parser_->streaming()) {
          dispatch();  // the 100 Continue waits for the body's first read
          return;
        }
        if (parser_->expects_continue() && parser_->version() == 11) {
          state_ = State::kContinue;
          write_continue();
          return;
        }
        continue;
      case ParseEvent::kDone:
        dispatch();
        return;
      case ParseEvent::kError:
        fail(parser_->error_status());
        return;
    }
    break;
  }
  state_ = State::kReading;
  start_read();
}

void Connection::start_read() {
  if (reading_) return;
  reading_ = true;
  if (body_waiter_ && in_.size() == 0) {
    if (uint64_t left = parser_->body_left(); left > 0) return read_body_in_place(left);
  }
  size_t n = body_waiter_ ? kBodyReadChunk : kReadChunk;
  socket_.async_read_some(
      in_.prepare(n),
      [self = shared_from_this()](const error_code& ec, size_t m) { self->on_read(ec, m); });
}

bool Connection::read_ended(const error_code& ec) {
  reading_ = false;
  if (state_ == State::kClosed) return false;
  if (ec) {
    // EOF or reset: nobody is left to answer, even mid-request.
    close();
    return false;
  }
  return true;
}

void Connection::on_read(const error_code& ec, size_t n) {
  if (!read_ended(ec)) return;
  in_.commit(n);
  after_read();
}

void Connection::after_read() {
  if (state_ == State::kLinger) {
    in_.consume(in_.size());
    start_read();
    return;
  }
  if (body_waiter_) return pump_body();
  if (state_ != State::kReading) return;  // bytes of a pipelined request wait in in_
  if (!request_started_) {
    request_started_ = true;
    deadline_ = Clock::now() + loop_.options().request_timeout;
  }
  read_more();
}

void Connection::read_body_in_place(uint64_t left) {
  if (direct_filled_ == 0) {
    direct_ = piece_buffer(static_cast<size_t>(std::min<uint64_t>(left, kBodyReadChunk)));
  }
  socket_.async_read_some(
      asio::buffer(direct_.data() + direct_filled_, direct_.size() - direct_filled_),
      [self = shared_from_this()](const error_code& ec, size_t m) {
        self->on_read_in_place(ec, m);
      });
}

void Connection::on_read_in_place(const error_code& ec, size_t n) {
  if (!read_ended(ec)) return;
  direct_filled_ += n;
  if (!body_waiter_ || state_ != State::kHandling || direct_filled_ > parser_->body_left()) {
    // The reader went away meanwhile (the response was sent first): the
    // bytes go where a plain read's would.
    auto space = in_.prepare(direct_filled_);
    std::memcpy(space.data(), direct_.data(), direct_filled_);
    in_.commit(direct_filled_);
    direct_filled_ = 0;
    recycle_piece(std::exchange(direct_, std::string()));
    return after_read();
  }
  if (direct_filled_ < direct_.size()) {
    // A piece is handed on whole (fewer, fuller pieces for the reader);
    // the client is sending, so its time starts again.
    deadline_ = Clock::now() + loop_.options().request_timeout;
    reading_ = true;
    return read_body_in_place(parser_->body_left());
  }
  std::string piece = std::exchange(direct_, std::string());
  direct_filled_ = 0;
  size_t used = 0;
  ParseEvent ev = parser_->feed_body_in_place(piece, used);
  if (ev == ParseEvent::kError || used != piece.size()) return end_body(malformed_body());
  if (ev == ParseEvent::kDone) body_done_ = true;
  end_body(std::move(piece));
}

void Connection::write_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  continue_sent_ = true;
  writing_continue_ = true;
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->writing_continue_ = false;
                      if (self->state_ == State::kClosed) return;
                      if (ec) return self->close();
                      if (self->held_response_) {
                        Response r = std::move(*self->held_response_);
                        self->held_response_.reset();
                        return self->write_response(std::move(r), /*keep_alive=*/false);
                      }
                      if (self->state_ == State::kHandling) {
                        if (self->body_waiter_ && !self->reading_) self->pump_body();
                        return;
                      }
                      self->read_more();
                    });
}

void Connection::read_body(uint64_t seq, BodyCallback next) {
  if (state_ != State::kHandling || seq != seq_ || !parser_->streaming()) {
    return next(body_gone("the response was already sent or the connection closed"));
  }
  if (body_waiter_) return next(body_gone("a read is already pending"));
  if (body_done_) return next(std::string());
  body_waiter_ = std::move(next);
  deadline_ = Clock::now() + loop_.options().request_timeout;  // waiting on the client again
  if (!continue_sent_ && parser_->expects_continue() && parser_->version() == 11) {
    return write_continue();
  }
  if (!writing_continue_ && !reading_) pump_body();
}

void Connection::pump_body() {
  auto data = in_.data();
  size_t used = 0;
  ParseEvent ev =
      parser_->feed(std::string_view(static_cast<const char*>(data.data()), data.size()), used);
  in_.consume(used);
  std::string piece = parser_->take_chunk();
  if (ev == ParseEvent::kError) return end_body(malformed_body());
  if (ev == ParseEvent::kDone) body_done_ = true;
  if (!piece.empty() || body_done_) return end_body(std::move(piece));
  start_read();
}

void Connection::end_body(BodyChunk last) {
  BodyCallback next = std::move(body_waiter_);
  body_waiter_ = nullptr;
  deadline_ = Clock::time_point::max();  // the reader's pace is not ours to bound
  next(std::move(last));
}

void Connection::abandon_body() {
  if (body_waiter_) end_body(body_gone("the response was sent before the body was read"));
}

void Connection::dispatch() {
  state_ = State::kHandling;
  deadline_ = Clock::time_point::max();  // the Handler's time is not ours to bound
  keep_alive_ = parser_->keep_alive();
  version_ = parser_->version();
  head_ = parser_->is_head();
  ++seq_;
  in_flight_ = true;
  auto& counters = loop_.counters();
  LoopCounters::inc(counters.in_flight);
  LoopCounters::inc(counters.requests);
  Request req = parser_->take_request();
  req.remote = remote_;
  uint64_t seq = seq_;
  if (parser_->streaming()) {
    std::optional<uint64_t> size;
    if (auto n = parser_->content_length()) size = *n;
    req.stream =
        std::make_shared<RequestBody>(loop_.shared_from_this(), weak_from_this(), seq, size);
  }
  try {
    loop_.handler()(std::move(req), make_reply());
  } catch (...) {
    Response r;
    r.status = 500;
    r.body = "handler failed\n";
    deliver(seq, std::move(r));
  }
}

Reply Connection::make_reply() {
  return [loop = loop_.shared_from_this(), conn = weak_from_this(),
          seq = seq_](Response response) mutable {
    on_loop(loop, std::move(conn), [seq, r = std::move(response)](Connection& c) mutable {
      c.deliver(seq, std::move(r));
    });
  };
}

void Connection::deliver(uint64_t seq, Response response) {
  if (state_ != State::kHandling || seq != seq_ || held_response_) return;
  bool keep_alive = keep_alive_ && !loop_.draining();
  if (parser_->streaming() && !body_done_) {
    // The rest of the body is never read: the connection cannot carry
    // another request.
    keep_alive = false;
    abandon_body();
    if (state_ != State::kHandling) return;  // the reader answered or closed meanwhile
  }
  if (writing_continue_) {
    held_response_ = std::move(response);
    return;
  }
  write_response(std::move(response), keep_alive);
}

void Connection::write_response(Response response, bool keep_alive) {
  // A stream without a size goes out in chunks (HTTP/1.1) or until the
  // connection closes (HTTP/1.0).
  out_chunked_ = response.stream && !response.stream->size();
  if (out_chunked_ && version_ == 10) keep_alive = false;
  close_after_write_ = !keep_alive;
  out_head_.clear();
  bool with_body =
      write_response_head(response, ResponseFraming{head_, version_, keep_alive}, out_head_);
  out_body_.clear();
  out_stream_.reset();
  if (with_body && response.stream) {
    out_stream_ = std::move(response.stream);
    out_left_ = out_chunked_ ? UINT64_MAX : *out_stream_->size();
  } else if (with_body) {
    out_body_ = std::move(response.body);
  }
  state_ = State::kWriting;
  deadline_ = Clock::now() + loop_.options().request_timeout;
  if (out_stream_) {
    // A file's bytes as stored go from the page cache to the socket
    // (sendfile); a chunked stream needs its framing written by us.
    out_sender_ = out_chunked_ ? nullptr : out_stream_->file_sender();
    bool from_file = out_sender_ != nullptr;
    asio::async_write(socket_, asio::buffer(out_head_),
                      [self = shared_from_this(), from_file](const error_code& ec, size_t) {
                        if (self->state_ == State::kClosed) return;
                        if (ec) return self->on_written(ec);
                        if (from_file) return self->send_file_piece();
                        self->write_piece();
                      });
    return;
  }
  std::array<asio::const_buffer, 2> bufs{asio::buffer(out_head_), asio::buffer(out_body_)};
  asio::async_write(socket_, bufs, [self = shared_from_this()](const error_code& ec, size_t) {
    self->on_written(ec);
  });
}

void Connection::write_piece() {
  if (out_left_ == 0) {
    out_stream_.reset();
    return on_written({});
  }
  deadline_ = Clock::now() + loop_.options().request_timeout;
  out_stream_->read([loop = loop_.shared_from_this(), conn = weak_from_this(),
                     seq = seq_](BodyChunk piece) mutable {
    on_loop(loop, std::move(conn), [seq, p = std::move(piece)](Connection& c) mutable {
      c.on_response_piece(seq, std::move(p));
    });
  });
}

void Connection::on_response_piece(uint64_t seq, BodyChunk piece) {
  if (state_ != State::kWriting || seq != seq_ || !out_stream_) return;
  if (out_chunked_) return write_chunk(std::move(piece));
  if (!piece || piece->empty() || piece->size() > out_left_) {
    // The Content-Length is already promised: all we can do is close.
    spdlog::warn("http: streamed response ended early: {}",
                 piece ? "wrong size" : piece.error().message);
    return close();
  }
  out_left_ -= piece->size();
  out_body_ = std::move(*piece);
  deadline_ = Clock::now() + loop_.options().request_timeout;
  asio::async_write(socket_, asio::buffer(out_body_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (self->state_ == State::kClosed) return;
                      if (ec) return self->on_written(ec);
                      self->write_piece();
                    });
}

void Connection::send_file_piece() {
  if (out_left_ == 0) {
    out_stream_.reset();
    out_socket_.reset();
    return on_written({});
  }
  if (!out_socket_) {
    // The sender works on a worker with its own descriptor of the socket:
    // a close here meanwhile cannot hand the number to another connection.
    int fd = ::fcntl(socket_.native_handle(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return write_piece();  // out of descriptors: the pieces way
    out_socket_ = std::make_shared<const SocketFd>(fd);
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  }
  deadline_ = Clock::now() + loop_.options().request_timeout;
  out_sender_->send_to_socket(out_socket_, out_left_,
                              [loop = loop_.shared_from_this(), conn = weak_from_this(),
                               seq = seq_](Result<SocketSend> sent) mutable {
                                on_loop(loop, std::move(conn),
                                        [seq, s = std::move(sent)](Connection& c) mutable {
                                          c.on_file_sent(seq, std::move(s));
                                        });
                              });
}

void Connection::on_file_sent(uint64_t seq, Result<SocketSend> sent) {
  if (state_ != State::kWriting || seq != seq_ || !out_stream_) return;
  if (!sent || sent->bytes > out_left_) {
    // The Content-Length is already promised: all we can do is close.
    spdlog::warn("http: file response ended early: {}", sent ? "wrong size" : sent.error().message);
    return close();
  }
  out_left_ -= sent->bytes;
  if (out_left_ == 0 || !sent->would_block) return send_file_piece();
  // The socket's buffer is full: on when the client has read some.
  socket_.async_wait(asio::socket_base::wait_write,
                     [self = shared_from_this()](const error_code& ec) {
                       if (self->state_ == State::kClosed) return;
                       if (ec) return self->on_written(ec);
                       self->send_file_piece();
                     });
}

void Connection::write_chunk(BodyChunk piece) {
  if (!piece) {
    // Without a last chunk the client sees the body cut short.
    spdlog::warn("http: streamed response failed: {}", piece.error().message);
    return close();
  }
  out_body_.clear();
  if (piece->empty()) {
    out_stream_.reset();
    if (version_ == 10) return on_written({});
    out_body_ = "0\r\n\r\n";
    return asio::async_write(
        socket_, asio::buffer(out_body_),
        [self = shared_from_this()](const error_code& ec, size_t) { self->on_written(ec); });
  }
  if (version_ == 10) {
    out_body_ = std::move(*piece);
  } else {
    char size[24];
    int n = std::snprintf(size, sizeof(size), "%zx\r\n", piece->size());
    out_body_.reserve(static_cast<size_t>(n) + piece->size() + 2);
    out_body_.append(size, static_cast<size_t>(n));
    out_body_.append(*piece);
    out_body_.append("\r\n");
  }
  deadline_ = Clock::now() + loop_.options().request_timeout;
  asio::async_write(socket_, asio::buffer(out_body_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (self->state_ == State::kClosed) return;
                      if (ec) return self->on_written(ec);
                      self->write_piece();
                    });
}

void Connection::on_written(const error_code& ec) {
  if (state_ == State::kClosed) return;
  if (in_flight_) {
    in_flight_ = false;
    LoopCounters::dec(loop_.counters().in_flight);
  }
  if (ec) return close();
  out_body_ = std::string();  // do not hold a large body between requests
  out_stream_.reset();
  out_socket_.reset();
  if (close_after_write_) return linger();
  new_request();
  read_more();
}

void Connection::fail(int status) {
  if (status == 0) return close();
  LoopCounters::inc(loop_.counters().bad_requests);
  if (!parser_->is_header_done()) {
    // The request line may be unread: answer as HTTP/1.1, with a body.
    head_ = false;
    version_ = 11;
  } else {
    head_ = parser_->is_head();
    version_ = parser_->version();
  }
  Response r;
  r.status = status;
  r.set_header("Content-Type", "text/plain");
  r.body = std::string(reason_phrase(status)) + "\n";
  write_response(std::move(r), /*keep_alive=*/false);
}

void Connection::linger() {
  state_ = State::kLinger;
  deadline_ = Clock::now() + std::min<Clock::duration>(kLinger, loop_.options().request_timeout);
  error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  if (ec) return close();
  if (!reading_) in_.consume(in_.size());
  start_read();
}

void Connection::on_drain() {
  if (state_ != State::kReading || request_started_) return;
  // A request already in our receive buffer is answered (with close), not cut.
  error_code ec;
  if (socket_.available(ec) > 0 && !ec) return;
  close();
}

void Connection::close() {
  if (state_ == State::kClosed) return;
  auto self = shared_from_this();  // the registry's reference goes away below
  state_ = State::kClosed;
  if (in_flight_) {
    in_flight_ = false;
    LoopCounters::dec(loop_.counters().in_flight);
  }
  error_code ec;
  socket_.close(ec);
  loop_.remove(*this);
  out_stream_.reset();
  out_socket_.reset();
  if (body_waiter_) end_body(body_gone("the connection closed"));
}

}  // namespace nimbus::http
