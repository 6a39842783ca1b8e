// CRC-32C (Castagnoli), the checksum under every modern InnoDB page and redo block.
// One portable implementation (slicing-by-8) and x86-64 ones built with per-function
// target attributes (SSE4.2 crc32q, 3-way interleaved crc32q, AVX-512 VPCLMULQDQ folding);
// the fastest one the CPU supports is picked once, at first use.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "innodb/base/endian.h"

namespace tidemark {

// Standard CRC-32C of `data`: reflected polynomial 0x82F63B78, initial value ~0, final
// inversion (what `crc32c(0, buf, len)` returns in most libraries, and `my_crc32c(0, ...)`
// in the server). Crc32c("123456789") == 0xE3069283. Thread-safe; any length/alignment.
uint32_t Crc32c(ByteSpan data);

// Continues a CRC-32C: Crc32cExtend(Crc32c(a), b) == Crc32c(a ‖ b), and
// Crc32cExtend(0, a) == Crc32c(a).
uint32_t Crc32cExtend(uint32_t crc, ByteSpan data);

// Continues a CRC-32C over `words` taken as consecutive 8-byte groups, each fed to the
// CRC in reverse byte order (i.e. as a big-endian 64-bit integer handed to crc32q). This
// is the word step of MySQL 5.6/5.7's "legacy big-endian" crc32 (ut0crc32.cc); plain
// Crc32cExtend is the byte order everybody else uses. Precondition: words.size() % 8 == 0
// (asserted in debug builds; in release builds the trailing partial word is ignored).
uint32_t Crc32cExtendByteSwappedWords(uint32_t crc, ByteSpan words);

// Name of the implementation Crc32c() uses on this machine, e.g. "avx512_vpclmulqdq".
std::string_view Crc32cImplementation();

namespace crc32c_internal {

// One implementation, exposed so that tests can compare every implementation the CPU
// supports against the portable one, and benchmarks can time each.
struct Variant {
  std::string_view name;
  uint32_t (*extend)(uint32_t crc, ByteSpan data);
  uint32_t (*extend_byte_swapped_words)(uint32_t crc, ByteSpan words);
};

// Every implementation this CPU can run, the portable one first and the one picked by
// Crc32cImplementation() last.
std::vector<Variant> SupportedVariants();

}  // namespace crc32c_internal
}  // namespace tidemark
