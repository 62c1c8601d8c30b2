#include "runtime/log_capture.h"

#include <unistd.h>

#include <cerrno>

namespace nimbus::runtime {

namespace {
constexpr size_t kBuf = 64 * 1024;
}

LogCapture::LogCapture(boost::asio::io_context& loop, int fd, LogSink* sink, const Clock& clock,
                       std::string group, std::string stream,
                       std::chrono::milliseconds batch_interval)
    : fd_(loop, fd),
      sink_(sink),
      clock_(clock),
      group_(std::move(group)),
      stream_(std::move(stream)),
      buf_(new char[kBuf]),
      batch_timer_(loop),
      batch_interval_(batch_interval) {}

LogCapture::~LogCapture() {
  gate_->close();
  close();
}

void LogCapture::start() {
  read_more();
}

void LogCapture::close() {
  boost::system::error_code ec;
  if (fd_.is_open()) fd_.close(ec);
  if (!partial_.empty()) {
    std::string rest = std::move(partial_);
    partial_.clear();
    emit(rest);
  }
  if (batch_armed_) batch_timer_.cancel();
  write_pending();
}

void LogCapture::flush() {
  if (pending_.empty() || batch_armed_) return;  // an armed timer writes them
  if (batch_interval_.count() == 0) return write_pending();
  if (!last_write_) return write_pending();
  auto due = *last_write_ + batch_interval_;
  if (std::chrono::steady_clock::now() >= due) return write_pending();
  batch_armed_ = true;
  batch_timer_.expires_at(due);
  batch_timer_.async_wait([this, gate = gate_](boost::system::error_code ec) {
    auto in = gate->hold();
    if (!in || ec) return;
    batch_armed_ = false;
    write_pending();
  });
}

void LogCapture::write_pending() {
  batch_armed_ = false;
  if (pending_.empty()) return;
  if (batch_interval_.count() != 0) last_write_ = std::chrono::steady_clock::now();
  if (sink_) sink_->write(group_, stream_, std::move(pending_));
  pending_.clear();
}

void LogCapture::read_more() {
  if (!fd_.is_open()) return;
  fd_.async_read_some(boost::asio::buffer(buf_.get(), kBuf),
                      [this, gate = gate_, buf = buf_](boost::system::error_code ec, size_t n) {
                        auto in = gate->hold();
                        if (!in) return;
                        if (ec) {
                          if (ec != boost::asio::error::operation_aborted) close();
                          return;
                        }
                        consume(buf.get(), n);
                        flush();
                        read_more();
                      });
}

void LogCapture::drain_now(size_t budget) {
  if (!fd_.is_open()) return;
  while (budget > 0) {
    ssize_t n = ::read(fd_.native_handle(), buf_.get(), std::min(budget, kBuf));
    if (n <= 0) break;
    consume(buf_.get(), static_cast<size_t>(n));
    budget -= static_cast<size_t>(n);
  }
}

void LogCapture::consume(const char* data, size_t n) {
  bytes_ += n;
  std::string_view in(data, n);
  while (!in.empty()) {
    auto nl = in.find('\n');
    std::string_view piece = in.substr(0, nl);
    size_t room = kMaxLine - partial_.size();
    if (piece.size() >= room) {  // cut an over-long line
      partial_.append(piece.substr(0, room));
      emit(partial_);
      partial_.clear();
      in.remove_prefix(room);
      continue;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      break;
    }
    if (partial_.empty()) {
      emit(piece);
    } else {
      partial_.append(piece);
      emit(partial_);
      partial_.clear();
    }
    in.remove_prefix(nl + 1);
  }
}

void LogCapture::platform(std::string_view line) {
  emit(line);
}

void LogCapture::emit(std::string_view line) {
  if (sink_) pending_.push_back({clock_.now(), std::string(line)});
  if (line.size() >= kTail) {
    tail_.assign(line.substr(line.size() - kTail));
  } else {
    tail_.append(line);
  }
  tail_.push_back('\n');
  if (tail_.size() > 2 * kTail) tail_.erase(0, tail_.size() - kTail);
}

std::string LogCapture::tail() const {
  return tail_.size() <= kTail ? tail_ : tail_.substr(tail_.size() - kTail);
}

}  // namespace nimbus::runtime
