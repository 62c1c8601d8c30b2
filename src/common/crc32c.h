// CRC32C (Castagnoli) through ISA-L: the CPU's crc32 and carry-less
// multiply instructions, chosen at run time. S3's checksums (auth/) and
// RocksDB's record checksums (storage/crc32c.cc) both use it. Header only:
// a target that includes it links ISA-L itself (PkgConfig::ISAL).
#pragma once

#include <isa-l/crc.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nimbus {

// `crc` extended over `data` (crc32c_extend(0, bytes) is the CRC32C of the
// bytes; extending piece by piece gives the whole's). ISA-L takes and
// answers the raw register and an int length: invert around it, a gigabyte
// at a time.
inline uint32_t crc32c_extend(uint32_t crc, std::string_view data) {
  uint32_t reg = ~crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  for (size_t left = data.size(); left > 0;) {
    size_t step = std::min<size_t>(left, size_t{1} << 30);
    reg = crc32_iscsi(p, static_cast<int>(step), reg);
    p += step;
    left -= step;
  }
  return ~reg;
}

}  // namespace nimbus
