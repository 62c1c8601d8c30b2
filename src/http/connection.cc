#include "http/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "http/response_writer.h"

namespace nimbus::http {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// How long a closing connection keeps reading (and discarding) so the peer
// sees our error response instead of a reset.
constexpr std::chrono::milliseconds kLinger{1000};

ParseLimits limits_of(const ServerOptions& o) {
  return {o.max_header_bytes, o.max_body_bytes};
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
  request_started_ = in_.size() > 0;
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
        if (parser_->expects_continue() && parser_->version() == 11) {
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
  socket_.async_read_some(
      in_.prepare(kReadChunk),
      [self = shared_from_this()](const error_code& ec, size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, size_t n) {
  if (state_ == State::kClosed) return;
  if (ec) {
    // EOF or reset: nobody is left to answer, even mid-request.
    close();
    return;
  }
  in_.commit(n);
  if (state_ == State::kLinger) {
    in_.consume(in_.size());
    socket_.async_read_some(
        in_.prepare(kReadChunk),
        [self = shared_from_this()](const error_code& e, size_t m) { self->on_read(e, m); });
    return;
  }
  if (!request_started_) {
    request_started_ = true;
    deadline_ = Clock::now() + loop_.options().request_timeout;
  }
  read_more();
}

void Connection::write_continue() {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  state_ = State::kContinue;
  asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (self->state_ == State::kClosed) return;
                      if (ec) return self->close();
                      self->read_more();
                    });
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
    if (Loop::current() == loop.get()) {
      if (auto c = conn.lock()) c->deliver(seq, std::move(response));
      return;
    }
    asio::post(loop->context(), [conn = std::move(conn), seq, r = std::move(response)]() mutable {
      if (auto c = conn.lock()) c->deliver(seq, std::move(r));
    });
  };
}

void Connection::deliver(uint64_t seq, Response response) {
  if (state_ != State::kHandling || seq != seq_) return;
  bool keep_alive = keep_alive_ && !loop_.draining();
  write_response(std::move(response), keep_alive);
}

void Connection::write_response(Response response, bool keep_alive) {
  close_after_write_ = !keep_alive;
  out_head_.clear();
  bool with_body =
      write_response_head(response, ResponseFraming{head_, version_, keep_alive}, out_head_);
  if (with_body) {
    out_body_ = std::move(response.body);
  } else {
    out_body_.clear();
  }
  state_ = State::kWriting;
  deadline_ = Clock::now() + loop_.options().request_timeout;
  std::array<asio::const_buffer, 2> bufs{asio::buffer(out_head_), asio::buffer(out_body_)};
  asio::async_write(socket_, bufs, [self = shared_from_this()](const error_code& ec, size_t) {
    self->on_written(ec);
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
  in_.consume(in_.size());
  socket_.async_read_some(
      in_.prepare(kReadChunk),
      [self = shared_from_this()](const error_code& e, size_t n) { self->on_read(e, n); });
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
}

}  // namespace nimbus::http
