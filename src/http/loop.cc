#include "http/loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/connection.h"

namespace nimbus::http {

namespace {

thread_local Loop* current_loop = nullptr;

// Deadlines are checked by one timer per loop rather than one per
// connection: no timer work per request, at the price of closing up to one
// period late.
Clock::duration sweep_period(const ServerOptions& o) {
  auto shortest = std::min(o.idle_timeout, o.request_timeout) / 4;
  return std::clamp<Clock::duration>(shortest, std::chrono::milliseconds(5),
                                     std::chrono::milliseconds(1000));
}

}  // namespace

Loop::Loop(const ServerOptions& options, std::shared_ptr<const Handler> handler)
    : options_(options), handler_(std::move(handler)) {
  sweep_timer_.emplace(ioc_);
  schedule_sweep();
}

Loop::~Loop() {
  // Connections hold sockets of ioc_: free them while it still exists.
  connections_.clear();
}

Loop* Loop::current() {
  return current_loop;
}

void Loop::run() {
  current_loop = this;
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      spdlog::error("http loop: uncaught exception: {}", e.what());
    }
  }
  current_loop = nullptr;
}

void Loop::adopt(Socket socket) {
  if (closing_) return;
  auto c = std::make_shared<Connection>(*this, std::move(socket), connections_.size());
  connections_.push_back(c);
  LoopCounters::inc(counters_.connections_open);
  LoopCounters::inc(counters_.connections_total);
  c->start();
  if (draining_) c->on_drain();  // accepted just before stop_accepting()
}

void Loop::remove(Connection& c) {
  size_t slot = c.slot();
  if (slot >= connections_.size() || connections_[slot].get() != &c) return;
  if (slot + 1 != connections_.size()) {
    connections_[slot] = std::move(connections_.back());
    connections_[slot]->set_slot(slot);
  }
  connections_.pop_back();
  LoopCounters::dec(counters_.connections_open);
}

void Loop::begin_drain() {
  draining_ = true;
  auto snapshot = connections_;  // on_drain may remove entries
  for (auto& c : snapshot) c->on_drain();
}

void Loop::close_all() {
  closing_ = true;
  sweep_timer_->cancel();
  auto snapshot = connections_;
  for (auto& c : snapshot) c->close();
  work_.reset();
}

void Loop::schedule_sweep() {
  sweep_timer_->expires_after(sweep_period(options_));
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || closing_) return;
    sweep();
    schedule_sweep();
  });
}

void Loop::sweep() {
  auto now = Clock::now();
  // check_deadline may remove entries: walk a snapshot of references.
  std::vector<std::shared_ptr<Connection>> expired;
  for (auto& c : connections_) {
    if (c->deadline() <= now) expired.push_back(c);
  }
  for (auto& c : expired) c->close();
}

}  // namespace nimbus::http
