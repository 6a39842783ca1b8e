// zlib-compatible CRC-32 (see crc32.h): slicing-by-8 with tables built at compile time from
// the polynomial (the portable CRC-32C scheme of crc32c.cc, another polynomial), and on x86-64
// with PCLMULQDQ the carry-less multiplication folding of Intel's "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ Instruction" (Gopal et al., 2009) for runs of 64 bytes
// and more: 4 x 128 bits folded at a time, then 128 -> 64 -> 32 bits and a Barrett reduction.
// The constants are x^k mod P for the bit-reflected polynomial (the paper's k1..k6, mu).
#include "innodb/base/crc32.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tidemark {
namespace {

constexpr uint32_t kPoly = 0xEDB88320;  // 0x04C11DB7 bit-reversed

using Tables = std::array<std::array<uint32_t, 256>, 8>;

// kTables[k][b]: the CRC state (from 0) after byte b followed by k zero bytes.
constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ ((c & 1) ? kPoly : 0);
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr Tables kTables = MakeTables();

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// The table-driven update of the raw (uninverted) state.
uint32_t UpdatePortable(uint32_t s, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    const uint64_t w = LoadLe64(p) ^ s;
    s = kTables[7][w & 0xFF] ^ kTables[6][(w >> 8) & 0xFF] ^ kTables[5][(w >> 16) & 0xFF] ^
        kTables[4][(w >> 24) & 0xFF] ^ kTables[3][(w >> 32) & 0xFF] ^
        kTables[2][(w >> 40) & 0xFF] ^ kTables[1][(w >> 48) & 0xFF] ^ kTables[0][w >> 56];
  }
  for (; n > 0; ++p, --n) s = (s >> 8) ^ kTables[0][(s ^ *p) & 0xFF];
  return s;
}

#if defined(__x86_64__)
#define TM_TARGET_CLMUL __attribute__((target("sse4.1,pclmul")))

// Folds a 128-bit value 256/512 bits forward with the constant pair `k` and adds `next`.
TM_TARGET_CLMUL inline __m128i Fold(__m128i x, __m128i k, __m128i next) {
  const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  const __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// The raw state after `n` bytes (n >= 64, a multiple of 16) from state `s`.
TM_TARGET_CLMUL uint32_t UpdateClmul(uint32_t s, const uint8_t* p, size_t n) {
  const __m128i k1k2 = _mm_set_epi64x(0x1c6e41596, 0x154442bd4);  // fold by 512 bits
  const __m128i k3k4 = _mm_set_epi64x(0x0ccaa009e, 0x1751997d0);  // fold by 128 bits
  const __m128i k5 = _mm_set_epi64x(0, 0x163cd6124);              // 64 -> 32 bits
  const __m128i poly_mu = _mm_set_epi64x(0x1f7011641, 0x1db710641);
  const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
  auto load = [](const uint8_t* at) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  };
  __m128i x1 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(s)));
  __m128i x2 = load(p + 16), x3 = load(p + 32), x4 = load(p + 48);
  p += 64;
  n -= 64;
  for (; n >= 64; p += 64, n -= 64) {
    x1 = Fold(x1, k1k2, load(p));
    x2 = Fold(x2, k1k2, load(p + 16));
    x3 = Fold(x3, k1k2, load(p + 32));
    x4 = Fold(x4, k1k2, load(p + 48));
  }
  x1 = Fold(x1, k3k4, x2);
  x1 = Fold(x1, k3k4, x3);
  x1 = Fold(x1, k3k4, x4);
  for (; n >= 16; p += 16, n -= 16) x1 = Fold(x1, k3k4, load(p));
  // 128 -> 64 bits (appending 32 zero bits), 64 -> 32 bits, then Barrett.
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), _mm_clmulepi64_si128(k3k4, x1, 0x01));
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 4),
                     _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00));
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly_mu, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), poly_mu, 0x00);
  return static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(x1, t), 1));
}

bool HasClmul() { return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1"); }
const bool kHasClmul = HasClmul();
#endif

}  // namespace

namespace crc32_internal {
uint32_t ExtendPortable(uint32_t crc, ByteSpan data) {
  return ~UpdatePortable(~crc, data.data(), data.size());
}
}  // namespace crc32_internal

uint32_t Crc32Extend(uint32_t crc, ByteSpan data) {
  uint32_t s = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
#if defined(__x86_64__)
  if (kHasClmul && n >= 64) {
    const size_t folded = n & ~size_t{15};
    s = UpdateClmul(s, p, folded);
    p += folded;
    n -= folded;
  }
#endif
  return ~UpdatePortable(s, p, n);
}

uint32_t Crc32(ByteSpan data) { return Crc32Extend(0, data); }

}  // namespace tidemark
