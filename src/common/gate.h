// Gate: lets an object wait, when it stops, for the callbacks that still use
// it (commit callbacks, worker-pool jobs, timer callbacks), and refuse new
// ones. Work enters the gate before it touches the owner and leaves when done;
// close() refuses further entries and returns once nobody is inside.
//
// Two ways to hold it (docs/threading.md has the full rules):
// - Enter when the work is submitted and carry the Holder in the callback:
//     auto h = gate_.hold();
//     if (!h) return;                    // closed: the owner is stopping
//     workers.post([this, h] { ... });  // copies enter again
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
#include <utility>

#include "common/mutex.h"

namespace nimbus {

class Gate {
 public:
  // Inside the gate while it lives (empty: the gate was closed). Copying
  // enters again, so a holder can ride in a std::function; moving does not.
  class Holder {
   public:
    Holder() = default;
    Holder(const Holder& o) : gate_(o.gate_) {
      if (gate_ != nullptr) gate_->enter_again();
    }
    Holder(Holder&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Holder& operator=(Holder o) noexcept {
      std::swap(gate_, o.gate_);
      return *this;
    }
    ~Holder() { reset(); }

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
  ~Gate() { assert(inside() == 0); }

  // Enters unless closed; each true is matched by one leave().
  bool try_enter() {
    MutexLock lock(mu_);
    if (closed_) return false;
    ++inside_;
    return true;
  }
  void leave() {
    MutexLock lock(mu_);
    assert(inside_ > 0);
    if (--inside_ == 0 && closed_) left_.notify_all();
  }
  // try_enter() with the leave() in a destructor; empty when closed.
  [[nodiscard]] Holder hold() { return try_enter() ? Holder(this) : Holder(); }

  // Refuses new entries, then waits until everyone inside left. Idempotent.
  void close() {
    MutexLock lock(mu_);
    closed_ = true;
    while (inside_ != 0) lock.wait(left_);
  }
  bool closed() const {
    MutexLock lock(mu_);
    return closed_;
  }
  size_t inside() const {
    MutexLock lock(mu_);
    return inside_;
  }

 private:
  // A copy of a Holder: the gate cannot finish closing while the original
  // is inside, so this enters even when closed.
  void enter_again() {
    MutexLock lock(mu_);
    ++inside_;
  }

  mutable Mutex mu_;
  std::condition_variable left_;
  size_t inside_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace nimbus
