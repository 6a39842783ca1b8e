// CRC-32 as zlib computes it (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of
// every xbstream payload chunk (`my_checksum`, which is zlib's crc32, in mariabackup's
// xbstream_write.cc). Not the CRC-32C of InnoDB pages: that one is in crc32c.h.
#pragma once

#include <cstdint>

#include "innodb/base/endian.h"

namespace tidemark {

// zlib's crc32(0, data, size): initial value ~0, final inversion. Crc32("123456789") ==
// 0xCBF43926; Crc32({}) == 0. Thread-safe; any length/alignment. Carry-less multiplication
// (PCLMULQDQ) for runs of 64 bytes and more where the CPU has it, else slicing-by-8.
uint32_t Crc32(ByteSpan data);

// Continues a CRC-32: Crc32Extend(Crc32(a), b) == Crc32(a ‖ b); Crc32Extend(0, a) == Crc32(a).
uint32_t Crc32Extend(uint32_t crc, ByteSpan data);

namespace crc32_internal {
// The slicing-by-8 Crc32Extend alone (tests compare the two).
uint32_t ExtendPortable(uint32_t crc, ByteSpan data);
}  // namespace crc32_internal

}  // namespace tidemark
