// Gate: lets an object wait, when it stops, for the callbacks that still use
// it (commit callbacks, worker-pool jobs, timer callbacks), and refuse new
// ones. Work enters the gate before it touches the owner and leaves when done;
// close() refuses further entries and returns once nobody is inside.
//
// Two ways to hold it (docs/threading.md has the full rules):
// - Enter when the work is submitted and carry the Holder in the callback:
//     auto h = gate_.hold();
//     if (!h) return;                    // closed: the owner is stopping
//     workers.post([this, h = std::move(h)] { ... });
//   close() then waits for the callback itself; use this when the callback
//   is sure to run soon (a commit, a posted job).
// - Enter when the callback runs, through a shared_ptr<Gate> the callback
//   keeps alive, for callbacks that may come much later or never (a timer
//   whose cancel is impossible, a reply from another service):
//     [this, gate = gate_] { auto h = gate->hold(); if (!h) return; ... }
//   After close() such a callback finds the gate closed and does nothing, so
//   the owner may be freed while the callback is still queued.
//
// Thread-safety: every method may be called from any thread. close() must not
// be called by a thread that is inside the gate (it would wait for itself).
#pragma once

#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace nimbus {

class Gate {
 public:
  class Holder {
   public:
    Holder() = default;
    Holder(Holder&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Holder& operator=(Holder&& o) noexcept {
      if (this != &o) {
        reset();
        gate_ = o.gate_;
        o.gate_ = nullptr;
      }
      return *this;
    }
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    ~Holder() { reset(); }

    // False when the gate was closed and nothing was entered.
    explicit operator bool() const { return gate_ != nullptr; }
    // Leaves early.
    void reset() {
      if (gate_ != nullptr) gate_->leave();
      gate_ = nullptr;
    }

   private:
    friend class Gate;
    explicit Holder(Gate* g) : gate_(g) {}
    Gate* gate_ = nullptr;
  };

  Gate() = default;
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  ~Gate() { assert(inside_ == 0); }

  // Enters unless closed; each true is matched by one leave().
  bool try_enter() {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    ++inside_;
    return true;
  }
  void leave() {
    std::lock_guard lock(mu_);
    assert(inside_ > 0);
    if (--inside_ == 0 && closed_) left_.notify_all();
  }
  // try_enter() with the leave() in a destructor; empty when closed.
  [[nodiscard]] Holder hold() { return try_enter() ? Holder(this) : Holder(); }

  // Refuses new entries, then waits until everyone inside left. Idempotent.
  void close() {
    std::unique_lock lock(mu_);
    closed_ = true;
    left_.wait(lock, [&] { return inside_ == 0; });
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  size_t inside() const {
    std::lock_guard lock(mu_);
    return inside_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable left_;
  size_t inside_ = 0;    // guarded by mu_
  bool closed_ = false;  // guarded by mu_
};

}  // namespace nimbus
