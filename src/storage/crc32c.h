// RocksDB's CRC32C through ISA-L. Internal to storage/.
//
// RocksDB checksums every WAL record, every blob file record (a log
// record's value, written at flush and checked at each read) and every SST
// block with CRC32C through one function, rocksdb::crc32c::Extend. Debian's
// librocksdb is built without SSE4.2, so that function is the table-driven
// software one (~1.3 GB/s here: ~0.8 µs for each 1 KiB Kinesis record, on
// each of its WAL and blob file writes). The link option in
// storage/CMakeLists.txt (`--wrap`) routes RocksDB's calls to crc32c.cc's
// wrapper, which computes the same CRC32C with ISA-L (the library S3's
// checksums use: the CPU's crc32 and carry-less multiply instructions,
// chosen at run time). Same checksums, same files: nothing on disk changes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nimbus::storage {

// `crc` extended over data[0, n), as rocksdb::crc32c::Extend (crc32c(0, ...)
// is the CRC32C of the bytes).
uint32_t crc32c_extend(uint32_t crc, const char* data, size_t n);

}  // namespace nimbus::storage
