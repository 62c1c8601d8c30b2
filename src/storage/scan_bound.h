// ScanBound: a bound on the deleted entries a scan may walk, for readers on
// an event loop.
//
// A deleted key stays in RocksDB as a tombstone until compaction drops it,
// and a scan walks every tombstone in its range: a prefix whose entries were
// deleted costs a read of each. While a ScanBound lives on a thread, every
// Records::scan / scan_reverse on that thread stops with an error for which
// skipped_too_many() is true when more than `max_skipped` deleted or
// overwritten versions lie before one entry (RocksDB's
// max_skippable_internal_keys); the caller then reads again where it may
// wait (the worker pool), without a bound. Records::visit and each are
// bounded the same way; point reads (get, last) are not. Bounds nest: the
// innermost one is in force until it goes.
#pragma once

#include <cstdint>

#include "common/error.h"

namespace nimbus::storage {

class ScanBound {
 public:
  explicit ScanBound(uint64_t max_skipped);
  ~ScanBound();
  ScanBound(const ScanBound&) = delete;
  ScanBound& operator=(const ScanBound&) = delete;

  // The bound in force on this thread (0: none).
  static uint64_t current();

 private:
  uint64_t previous_;
};

// A scan stopped by its thread's ScanBound.
bool skipped_too_many(const Error& e);

}  // namespace nimbus::storage
