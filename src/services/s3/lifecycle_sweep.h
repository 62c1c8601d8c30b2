// LifecycleSweep: a bucket's lifecycle rules applied in the background.
//
// Each bucket with a LifecycleConfiguration has one durable timer
// (storage::Timers, namespace `s3.lifecycle`, kind `sweep`, id the bucket),
// due at the next midnight UTC (S3 acts on rules once a day, and every
// "after N days" it computes falls on a midnight) or at once when the
// configuration is saved. A sweep reads the rules, lists every version of
// the bucket's objects and its incomplete multipart uploads page by page,
// and through the engine removes what a rule has made due
// (config/lifecycle.h: Expiration Days / Date, NoncurrentVersionExpiration,
// ExpiredObjectDeleteMarker, AbortIncompleteMultipartUpload; prefix, tag and
// size filters) — an expiry as "LifecycleExpiration:Delete", which
// notifications report — then schedules the next sweep. A bucket whose
// configuration is gone (deleted, or the bucket with it) gets no further
// sweep.
//
// Threads: sweeps run on the worker pool (post); schedule() from any thread
// never blocks. The destructor stops hand-outs and waits for running ones.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/gate.h"
#include "common/metrics.h"
#include "common/result.h"
#include "services/s3/objects.h"
#include "services/service.h"
#include "storage/timers.h"

namespace nimbus::services::s3 {

class LifecycleSweep {
 public:
  LifecycleSweep(Environment& env, Objects& objects);
  ~LifecycleSweep();
  LifecycleSweep(const LifecycleSweep&) = delete;
  LifecycleSweep& operator=(const LifecycleSweep&) = delete;

  Status start();
  // Sweeps `bucket` now, then daily (its configuration was saved).
  void schedule(const std::string& bucket, std::function<void(Status)> done);

  // The first midnight UTC after `ms`.
  static int64_t next_midnight(int64_t ms);

 private:
  void sweep(const std::string& bucket, storage::Timers::Ack ack);

  Environment& env_;
  Objects& objects_;
  Counter& expired_;
  Counter& aborted_;
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<storage::Timers> timers_;
};

}  // namespace nimbus::services::s3
