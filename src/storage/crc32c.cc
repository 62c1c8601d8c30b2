#include "storage/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>

// RocksDB's function (the software CRC32C in Debian's build) under the name
// the linker's --wrap gives the original, and the wrapper it routes
// RocksDB's calls of rocksdb::crc32c::Extend(uint32_t, const char*, size_t)
// to (storage/CMakeLists.txt).
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n);

namespace nimbus::storage {

uint32_t crc32c_extend(uint32_t crc, const char* data, size_t n) {
  // ISA-L's CRC32C takes and answers the raw register (and an int length):
  // invert around it, a gigabyte at a time.
  uint32_t reg = ~crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data));
  while (n > 0) {
    size_t step = std::min<size_t>(n, size_t{1} << 30);
    reg = crc32_iscsi(p, static_cast<int>(step), reg);
    p += step;
    n -= step;
  }
  return ~reg;
}

}  // namespace nimbus::storage

extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n) {
  return nimbus::storage::crc32c_extend(crc, data, n);
}
