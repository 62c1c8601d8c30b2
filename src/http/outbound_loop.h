// The event loop of an outbound client (Client, SmtpClient): one
// io_context run by its own thread, and the sessions in flight, each
// cancelled when the loop stops. Internal to src/http (it is Asio).
//
// `Session` has start(iterator) (keeps the iterator to erase itself when
// done) and cancel() (fails what it is doing; its done still runs).
// Threads: start_session() from any thread; everything else of the
// sessions runs on the loop's thread. stop() from the owner, once.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <list>
#include <memory>
#include <thread>

namespace nimbus::http {

template <typename Session>
class OutboundLoop {
 public:
  using Sessions = std::list<std::weak_ptr<Session>>;

  OutboundLoop() {
    thread_ = std::thread([this] { ioc.run(); });
  }
  ~OutboundLoop() {
    if (thread_.joinable()) stop();
  }
  OutboundLoop(const OutboundLoop&) = delete;
  OutboundLoop& operator=(const OutboundLoop&) = delete;

  // On the loop: `make(stopping)` makes the session (or answers its caller
  // and returns null), which is then registered and started.
  template <typename Make>
  void start_session(Make make) {
    boost::asio::post(ioc, [this, make = std::move(make)]() mutable {
      std::shared_ptr<Session> s = make(stopping_);
      if (!s) return;
      sessions_.push_front(s);
      s->start(sessions_.begin());
    });
  }
  // On the loop, by a session that is done.
  void erase(typename Sessions::iterator it) { sessions_.erase(it); }

  // Cancels the sessions in flight (their done runs), then joins.
  void stop() {
    boost::asio::post(ioc, [this] {
      stopping_ = true;
      auto sessions = sessions_;
      for (auto& w : sessions) {
        if (auto s = w.lock()) s->cancel();
      }
    });
    work_.reset();
    thread_.join();
  }

  boost::asio::io_context ioc{1};

 private:
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      ioc.get_executor()};
  std::thread thread_;
  // Touched only on the loop's thread.
  bool stopping_ = false;
  Sessions sessions_;
};

}  // namespace nimbus::http
