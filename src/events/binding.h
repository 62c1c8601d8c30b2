// Late binding of a service's in-process interface (a Target, a QueueSource)
// under a kind ("sqs", "lambda", ...): the service binds itself when it is
// built and keeps the returned Binding as a member; users call through
// `with(kind, f)` each time, so neither side depends on the other's
// construction or destruction order.
//
// Threads: thread-safe; `with` never blocks except while a Binding is being
// destroyed. ~Binding waits for calls into its interface that are running
// then (not for completions they scheduled: the service answers those before
// it dies). A call made from inside another call (a delivery's `done` that
// delivers again) is fine.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace nimbus::events {

class Binding {
 public:
  virtual ~Binding() = default;
};

template <typename T>
class Bindings {
 public:
  // Binds `impl` under `kind` until the returned Binding is destroyed; a
  // second binding of a kind replaces the first.
  [[nodiscard]] std::unique_ptr<Binding> bind(std::string kind, T& impl) {
    auto slot = std::make_shared<Slot>(impl);
    std::lock_guard l(mu_);
    slots_[kind] = slot;
    return std::make_unique<Handle>(*this, std::move(kind), std::move(slot));
  }

  // Runs f(T&) when something is bound under `kind` and returns true; else
  // returns false without calling f.
  template <typename F>
  bool with(std::string_view kind, F&& f) const {
    std::shared_ptr<Slot> slot;
    {
      std::lock_guard l(mu_);
      auto it = slots_.find(kind);
      if (it == slots_.end()) return false;
      slot = it->second;
    }
    if (!slot->enter()) return false;
    struct Leave {
      Slot& s;
      ~Leave() { s.leave(); }
    } leave{*slot};
    f(slot->impl);
    return true;
  }

  bool has(std::string_view kind) const {
    std::lock_guard l(mu_);
    return slots_.find(kind) != slots_.end();
  }

 private:
  struct Slot {
    explicit Slot(T& i) : impl(i) {}
    T& impl;
    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;     // guarded by mu
    bool open = true;  // guarded by mu

    bool enter() {
      std::lock_guard l(mu);
      if (!open) return false;
      ++calls;
      return true;
    }
    void leave() {
      std::lock_guard l(mu);
      if (--calls == 0) cv.notify_all();
    }
    void close() {
      std::unique_lock l(mu);
      open = false;
      cv.wait(l, [&] { return calls == 0; });
    }
  };

  class Handle final : public Binding {
   public:
    Handle(Bindings& owner, std::string kind, std::shared_ptr<Slot> slot)
        : owner_(owner), kind_(std::move(kind)), slot_(std::move(slot)) {}
    ~Handle() override {
      {
        std::lock_guard l(owner_.mu_);
        auto it = owner_.slots_.find(kind_);
        if (it != owner_.slots_.end() && it->second == slot_) owner_.slots_.erase(it);
      }
      slot_->close();
    }

   private:
    Bindings& owner_;
    std::string kind_;
    std::shared_ptr<Slot> slot_;
  };

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Slot>, std::less<>> slots_;  // guarded by mu_
};

}  // namespace nimbus::events
