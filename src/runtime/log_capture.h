// An environment's stdout+stderr, read line by line from the runtime loop
// and handed to a LogSink, plus the 4 KB tail that Invoke's LogType=Tail
// returns. Lines are collected and handed over together: at once when the
// function's output arrives by itself, otherwise at flush() (the end of an
// invocation or of init). A quiet invocation's START therefore reaches the
// sink with its END and REPORT, in one write and one store batch, instead of
// three; every line keeps the time it was written. Memory is bounded whatever the function writes:
// a line is cut at kMaxLine bytes (CloudWatch's event limit) and the tail keeps 4 KB.
//
// Each line is stamped with the Clock's now() when it is read.
//
// With a batch interval, a flush right after the previous write waits until
// the interval has passed since it (one timer), so a busy environment hands
// the sink one write per interval instead of one per invocation — the Logs
// store commits each write, with an fsync in sync durability. The first
// flush after a quiet interval, close() and the destructor write at once.
//
// Threading: loop thread only. A read still queued on the loop when the
// capture is destroyed finds its gate closed and does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/gate.h"

namespace nimbus::runtime {

// One log line and when it was written.
struct LogLine {
  std::chrono::system_clock::time_point time;
  std::string text;
};

// Where log lines go (the CloudWatch Logs store). Called on the runtime
// loop with the lines of one stream in order, usually one call per
// invocation (START … END, REPORT); must not block.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(const std::string& log_group, const std::string& log_stream,
                     std::vector<LogLine> lines) = 0;
};

class LogCapture {
 public:
  static constexpr size_t kMaxLine = 256 * 1024;
  static constexpr size_t kTail = 4096;

  // Takes ownership of `fd` (non-blocking). `sink` may be null; it must
  // outlive this object.
  LogCapture(boost::asio::io_context& loop, int fd, LogSink* sink, const Clock& clock,
             std::string group, std::string stream,
             std::chrono::milliseconds batch_interval = std::chrono::milliseconds(0));
  ~LogCapture();

  void start();
  // Reads whatever the pipe holds right now (up to `budget` bytes), so
  // output written before a /response is in the log before END.
  void drain_now(size_t budget = 1u << 20);
  // A line written by nimbus itself (START, END, REPORT, timeouts).
  void platform(std::string_view line);
  // Hands the collected lines to the sink (at once, or when the batch
  // interval since the previous write has passed).
  void flush();
  std::string tail() const;
  void reset_tail() { tail_.clear(); }
  void close();
  uint64_t bytes_read() const { return bytes_; }

 private:
  void read_more();
  void consume(const char* data, size_t n);
  void emit(std::string_view line);
  void write_pending();

  boost::asio::posix::stream_descriptor fd_;
  LogSink* sink_;
  const Clock& clock_;
  std::string group_, stream_;
  std::string partial_;
  std::string tail_;
  std::vector<LogLine> pending_;
  std::shared_ptr<char[]> buf_;
  boost::asio::steady_timer batch_timer_;
  std::chrono::milliseconds batch_interval_;
  // Unset until the first write: a steady clock's epoch is the boot, so a
  // zero time would hold the first write of a machine up for less than an
  // interval.
  std::optional<std::chrono::steady_clock::time_point> last_write_;
  bool batch_armed_ = false;
  uint64_t bytes_ = 0;
  // Read handlers enter it; the destructor closes it.
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
};

}  // namespace nimbus::runtime
