// RocksDB's CRC32C through the ISA-L wrapper (crc32c.h): the same
// checksums as RocksDB's own code, and RocksDB's calls really routed to it.
#include "storage/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace rocksdb::crc32c {
uint32_t Extend(uint32_t crc, const char* data, size_t n);
}

extern "C" uint32_t __real__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n);
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t n);

namespace nimbus::storage {
namespace {

TEST(Crc32c, KnownValues) {
  // RFC 3720, B.4, and the usual check value.
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string up;
  for (int i = 0; i < 32; ++i) up.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c_extend(0, zeros.data(), zeros.size()), 0x8a9136aau);
  EXPECT_EQ(crc32c_extend(0, ones.data(), ones.size()), 0x62a8ab43u);
  EXPECT_EQ(crc32c_extend(0, up.data(), up.size()), 0x46dd794eu);
  EXPECT_EQ(crc32c_extend(0, "123456789", 9), 0xe3069283u);
  EXPECT_EQ(crc32c_extend(0, "", 0), 0u);
}

TEST(Crc32c, SameAsRocksDbsOwnAtEveryLengthAndAlignment) {
  std::string bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 4200; ++i) {
    x = x * 1103515245u + 12345u;
    bytes.push_back(static_cast<char>(x >> 16));
  }
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t n = 0; n + offset <= bytes.size(); n += (n < 80 ? 1 : 97)) {
      const char* p = bytes.data() + offset;
      uint32_t seed = static_cast<uint32_t>(n * 2654435761u);
      ASSERT_EQ(crc32c_extend(seed, p, n), __real__ZN7rocksdb6crc32c6ExtendEjPKcm(seed, p, n))
          << "offset " << offset << " length " << n;
    }
  }
  // Extending in pieces is the CRC of the whole.
  uint32_t whole = crc32c_extend(0, bytes.data(), bytes.size());
  uint32_t pieces = crc32c_extend(0, bytes.data(), 1001);
  pieces = crc32c_extend(pieces, bytes.data() + 1001, bytes.size() - 1001);
  EXPECT_EQ(pieces, whole);
}

TEST(Crc32c, RocksDbsCallsComeHere) {
  // The link option routes every reference to RocksDB's function, this
  // file's included, to the wrapper: without it the addresses differ. (Read
  // through volatiles: the compiler takes two functions' addresses to differ.)
  volatile auto rocksdb_fn = &rocksdb::crc32c::Extend;
  volatile auto wrapper_fn = &__wrap__ZN7rocksdb6crc32c6ExtendEjPKcm;
  EXPECT_EQ(reinterpret_cast<void*>(rocksdb_fn), reinterpret_cast<void*>(wrapper_fn));
  EXPECT_EQ(rocksdb::crc32c::Extend(0, "123456789", 9), 0xe3069283u);
}

}  // namespace
}  // namespace nimbus::storage
