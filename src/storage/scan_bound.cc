#include "storage/scan_bound.h"

namespace nimbus::storage {

namespace {
thread_local uint64_t bound = 0;
}  // namespace

ScanBound::ScanBound(uint64_t max_skipped) : previous_(bound) {
  bound = max_skipped;
}

ScanBound::~ScanBound() {
  bound = previous_;
}

uint64_t ScanBound::current() {
  return bound;
}

}  // namespace nimbus::storage
