#include "storage/crc32c.h"

#include <string_view>

#include "common/crc32c.h"

// RocksDB's function (the software CRC32C in Debian's build) under the name
// the linker's --wrap gives the original, and the wrapper it routes
// RocksDB's calls of rocksdb::crc32c::Extend(uint32_t, const char*, size_t)
// to (storage/CMakeLists.txt).
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n);

namespace nimbus::storage {

uint32_t crc32c_extend(uint32_t crc, const char* data, size_t n) {
  return nimbus::crc32c_extend(crc, std::string_view(data, n));
}

}  // namespace nimbus::storage

extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n) {
  return nimbus::storage::crc32c_extend(crc, data, n);
}
