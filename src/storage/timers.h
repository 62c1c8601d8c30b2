// Timers: durable work due at a time (delayed deliveries, retries with
// backoff, schedules, TTL expiry, Step Functions waits). A timer is
// (kind, id) -> due time + payload, committed through Storage like any
// record, so it survives kill -9 once schedule()'s callback said ok.
//
// Delivery is at least once: when a timer falls due (Clock time) it is handed
// to the handler registered for its kind, on the post function's thread, and
// stays stored until the handler acknowledges it. A handler that reports a
// failure gets the timer again after `retry_after`; a process that dies
// before the acknowledgement gets it again after start(). Handlers must
// therefore be idempotent (check the state they act on). A timer of a kind no
// handler is registered for waits, stored, until one is.
//
// Layout: namespace `<ns>`, key (str kind, str id), value (i64 due ms, tail
// payload). Every timer's key and due time are held in memory (loaded by
// start(), about 60 bytes plus the kind and id per timer); payloads are read
// from the store when the timer is handed out.
//
// Ownership: open() returns the owner; it borrows Storage, Clock and
// Scheduler, which must outlive it. The destructor stops handing out timers;
// a handler still running may acknowledge after that (ignored safely).
//
// Threads: every method is thread-safe and none blocks on I/O. Wake-ups come
// from the Scheduler; handlers run on `post` (the worker pool); callbacks of
// schedule/cancel run on the storage committer thread and must be quick.
//
// Failure: schedule/cancel report storage failures through their callback
// (nothing was applied). start() fails on a read error or a malformed record.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "common/scheduler.h"
#include "storage/storage.h"

namespace nimbus::storage {

struct DueTimer {
  std::string kind;
  std::string id;
  Clock::time_point due;
  std::string payload;
};

class Timers {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Done = std::function<void(Status)>;
  // Call exactly once: ok removes the timer (unless it was scheduled again
  // meanwhile), an error hands it out again after retry_after.
  using Ack = std::function<void(Status)>;
  using Handler = std::function<void(DueTimer, Ack)>;

  struct Options {
    std::string ns = "timers";
    std::chrono::milliseconds retry_after{1000};
  };

  Timers(Storage& storage, const Clock& clock, Scheduler& scheduler, Post post, Options options);
  ~Timers();
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Register handlers before start(); one per kind.
  void on(std::string kind, Handler handler);
  // Loads stored timers and arms the wake-up; due ones are handed out at once.
  Status start();

  // Creates or replaces timer (kind, id). `done` runs once it is durable.
  void schedule(std::string_view kind, std::string_view id, Clock::time_point due,
                std::string payload, Done done);
  // Removes it (ok when absent). A handler already running still runs.
  void cancel(std::string_view kind, std::string_view id, Done done);

  // Timers stored (due or not, handed out or not).
  size_t size() const;

  // Whether timer (kind, id) is stored: scheduled durably and not yet
  // acknowledged or cancelled. Answers from memory (loaded by start()).
  bool contains(std::string_view kind, std::string_view id) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nimbus::storage
