// CRC-32C implementations (see crc32c.h) and the one-time choice between them. The
// server's counterparts are mysys/crc32/crc32c.cc and crc32c_x86.cc (MariaDB 10.11); the
// code here is our own and derives every constant at compile time from the polynomial.
//
// Notation: a CRC state or constant is a polynomial over GF(2) of degree < 32 stored
// "reflected": bit i holds the coefficient of x^(31-i). Data bytes are reflected too, so
// the first bit of a message has the highest degree. P is the Castagnoli polynomial.
#include "innodb/base/crc32c.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TM_CRC32C_X86 1
#endif

namespace tidemark {
namespace {

// 0x1EDC6F41 bit-reversed (the polynomial of the SSE4.2 crc32 instruction).
constexpr uint32_t kPoly = 0x82F63B78;

// v * x mod P.
constexpr uint32_t MulX(uint32_t v) { return (v >> 1) ^ ((v & 1) ? kPoly : 0); }

// x^n mod P (x^0 = 1 is bit 31).
constexpr uint32_t XPowMod(uint32_t n) {
  uint32_t v = 0x80000000u;
  for (uint32_t i = 0; i < n; ++i) v = MulX(v);
  return v;
}

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// The 64-bit word a CRC step consumes at `p`: little-endian normally (bytes in order),
// big-endian for the byte-swapped-words variant (bytes p[7]..p[0]).
template <bool kSwap>
inline uint64_t LoadWord(const uint8_t* p) {
  return kSwap ? __builtin_bswap64(LoadLe64(p)) : LoadLe64(p);
}

// ---- Portable: slicing-by-8. kTables[k][b] is the CRC (from state 0) of byte b followed
// by k zero bytes, so one word step is eight independent table lookups.
using SlicingTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr SlicingTables MakeSlicingTables() {
  SlicingTables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = MulX(c);
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}
constexpr SlicingTables kTables = MakeSlicingTables();

inline uint32_t PortableWord(uint32_t s, uint64_t w) {
  w ^= s;
  return kTables[7][w & 0xFF] ^ kTables[6][(w >> 8) & 0xFF] ^ kTables[5][(w >> 16) & 0xFF] ^
         kTables[4][(w >> 24) & 0xFF] ^ kTables[3][(w >> 32) & 0xFF] ^
         kTables[2][(w >> 40) & 0xFF] ^ kTables[1][(w >> 48) & 0xFF] ^ kTables[0][w >> 56];
}

// Extends the (non-inverted) state `s` over n bytes.
template <bool kSwap>
uint32_t PortableState(uint32_t s, const uint8_t* p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) s = PortableWord(s, LoadWord<kSwap>(p));
  for (; n > 0; ++p, --n) s = (s >> 8) ^ kTables[0][(s ^ *p) & 0xFF];
  return s;
}

uint32_t ExtendPortable(uint32_t crc, ByteSpan d) {
  return ~PortableState<false>(~crc, d.data(), d.size());
}
uint32_t ExtendSwappedPortable(uint32_t crc, ByteSpan d) {
  assert(d.size() % 8 == 0);
  return ~PortableState<true>(~crc, d.data(), d.size() & ~size_t{7});
}

#ifdef TM_CRC32C_X86
#define TM_TARGET_SSE42 __attribute__((target("sse4.2")))
#define TM_TARGET_CLMUL __attribute__((target("sse4.2,pclmul")))
#define TM_TARGET_AVX512 __attribute__((target("sse4.2,pclmul,avx2,avx512f,avx512vl,vpclmulqdq")))

// ---- SSE4.2, one stream. crc32q has a 3-cycle latency, so this runs at ~8 bytes per 3
// cycles; it serves short inputs and the tails of the faster paths.
template <bool kSwap>
TM_TARGET_SSE42 uint32_t Sse42State(uint32_t s, const uint8_t* p, size_t n) {
  uint64_t c = s;
  for (; n >= 8; p += 8, n -= 8) c = _mm_crc32_u64(c, LoadWord<kSwap>(p));
  for (; n > 0; ++p, --n) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p);
  return static_cast<uint32_t>(c);
}

TM_TARGET_SSE42 uint32_t ExtendSse42(uint32_t crc, ByteSpan d) {
  return ~Sse42State<false>(~crc, d.data(), d.size());
}
TM_TARGET_SSE42 uint32_t ExtendSwappedSse42(uint32_t crc, ByteSpan d) {
  assert(d.size() % 8 == 0);
  return ~Sse42State<true>(~crc, d.data(), d.size() & ~size_t{7});
}

// ---- SSE4.2 + PCLMULQDQ, three interleaved streams. The input is cut into three blocks
// of L bytes each; blocks 2 and 3 start from state 0, and by linearity
//   state(s, A‖B‖C) = state(s, A)·x^(16L) ⊕ state(0, B)·x^(8L) ⊕ state(0, C)   (mod P).
// Multiplying a state by x^(8L) is one carry-less multiply and one crc32q: clmul(s, K)
// read as a 64-bit reflected word is s·K·x, and crc32q(0, w) = w·x^32 mod P, so
// K = x^(8L-33) mod P.
constexpr size_t kMinBlockWords = 8;
constexpr size_t kMaxBlockWords = 1024;  // 8 KiB per stream

// kShift[w] = x^(64w-33) mod P, the K above for a shift by w words (w <= 2·kMaxBlockWords).
constexpr std::array<uint32_t, 2 * kMaxBlockWords + 1> MakeShiftTable() {
  std::array<uint32_t, 2 * kMaxBlockWords + 1> t{};
  uint32_t v = XPowMod(64 - 33);
  for (size_t w = 1; w < t.size(); ++w) {
    t[w] = v;
    for (int i = 0; i < 64; ++i) v = MulX(v);
  }
  return t;
}
constexpr auto kShift = MakeShiftTable();

TM_TARGET_CLMUL inline uint32_t ShiftState(uint64_t s, uint32_t k) {
  __m128i prod = _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<int64_t>(s)),
                                      _mm_cvtsi32_si128(static_cast<int>(k)), 0x00);
  return static_cast<uint32_t>(_mm_crc32_u64(0, _mm_cvtsi128_si64(prod)));
}

template <bool kSwap>
TM_TARGET_CLMUL uint32_t ThreeWayState(uint32_t s, const uint8_t* p, size_t n) {
  while (n >= 3 * 8 * kMinBlockWords) {
    const size_t words = std::min(n / 24, kMaxBlockWords);
    const size_t len = 8 * words;
    const uint8_t* pb = p + len;
    const uint8_t* pc = pb + len;
    uint64_t a = s, b = 0, c = 0;
    for (size_t i = 0; i < len; i += 8) {
      a = _mm_crc32_u64(a, LoadWord<kSwap>(p + i));
      b = _mm_crc32_u64(b, LoadWord<kSwap>(pb + i));
      c = _mm_crc32_u64(c, LoadWord<kSwap>(pc + i));
    }
    s = ShiftState(a, kShift[2 * words]) ^ ShiftState(b, kShift[words]) ^ static_cast<uint32_t>(c);
    p += 3 * len;
    n -= 3 * len;
  }
  return Sse42State<kSwap>(s, p, n);
}

TM_TARGET_CLMUL uint32_t ExtendThreeWay(uint32_t crc, ByteSpan d) {
  return ~ThreeWayState<false>(~crc, d.data(), d.size());
}
TM_TARGET_CLMUL uint32_t ExtendSwappedThreeWay(uint32_t crc, ByteSpan d) {
  assert(d.size() % 8 == 0);
  return ~ThreeWayState<true>(~crc, d.data(), d.size() & ~size_t{7});
}

// ---- AVX-512 VPCLMULQDQ folding. A 16-byte chunk X = X0·x^64 + X1 (X0 = bytes 0..7)
// that lies D bits before chunk Y contributes X·x^D to Y's frame; replacing X by
// X0·(x^(64+D) mod P) + X1·(x^D mod P), which is < 128 bits, keeps the CRC. A clmul of a
// 64-bit reflected word with a 32-bit constant K comes out as word·K·x^33 in the 128-bit
// frame, hence the constants x^(D+31) (for X0) and x^(D-33) (for X1). Sixteen such
// lanes (four zmm registers, 256 bytes) fold per iteration; the final 16 bytes and the
// tail go through crc32q, which also does the reduction modulo P.
struct FoldConstant {
  uint64_t lo, hi;
};
constexpr FoldConstant Fold(uint32_t distance_bits) {
  return {XPowMod(distance_bits + 31), XPowMod(distance_bits - 33)};
}
constexpr FoldConstant kFold2048 = Fold(2048), kFold512 = Fold(512);
constexpr FoldConstant kFold384 = Fold(384), kFold256 = Fold(256), kFold128 = Fold(128);

TM_TARGET_AVX512 inline __m512i Broadcast(FoldConstant k) {
  return _mm512_set_epi64(k.hi, k.lo, k.hi, k.lo, k.hi, k.lo, k.hi, k.lo);
}

// Folds every 128-bit lane of x forward by the distance of k, and xors in `data`.
TM_TARGET_AVX512 inline __m512i FoldInto(__m512i x, __m512i k, __m512i data) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00),
                                   _mm512_clmulepi64_epi128(x, k, 0x11), data, 0x96);
}

// Reduces the four lanes of x (lane 0 first in memory) to one 16-byte chunk.
TM_TARGET_AVX512 inline __m128i FoldLanes(__m512i x) {
  const __m512i k = _mm512_set_epi64(0, 0, kFold128.hi, kFold128.lo, kFold256.hi, kFold256.lo,
                                     kFold384.hi, kFold384.lo);
  __m512i f = FoldInto(x, k, _mm512_maskz_mov_epi64(0xC0, x));  // lane 3 passes through
  // maskz_ extracts: GCC 12's cast and unmasked extract warn -Wmaybe-uninitialized.
  __m256i h = _mm256_xor_si256(_mm512_maskz_extracti64x4_epi64(0xF, f, 0),
                               _mm512_maskz_extracti64x4_epi64(0xF, f, 1));
  return _mm_xor_si128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// Precondition: n >= 256.
TM_TARGET_AVX512 uint32_t Avx512State(uint32_t s, const uint8_t* p, size_t n) {
  __m512i x0 = _mm512_xor_si512(_mm512_loadu_si512(p),
                                _mm512_zextsi128_si512(_mm_cvtsi32_si128(static_cast<int>(s))));
  __m512i x1 = _mm512_loadu_si512(p + 64), x2 = _mm512_loadu_si512(p + 128);
  __m512i x3 = _mm512_loadu_si512(p + 192);
  const __m512i k2048 = Broadcast(kFold2048);
  for (p += 256, n -= 256; n >= 256; p += 256, n -= 256) {
    x0 = FoldInto(x0, k2048, _mm512_loadu_si512(p));
    x1 = FoldInto(x1, k2048, _mm512_loadu_si512(p + 64));
    x2 = FoldInto(x2, k2048, _mm512_loadu_si512(p + 128));
    x3 = FoldInto(x3, k2048, _mm512_loadu_si512(p + 192));
  }
  const __m512i k512 = Broadcast(kFold512);
  x3 = FoldInto(FoldInto(FoldInto(x0, k512, x1), k512, x2), k512, x3);
  for (; n >= 64; p += 64, n -= 64) x3 = FoldInto(x3, k512, _mm512_loadu_si512(p));
  const __m128i r = FoldLanes(x3);
  uint64_t c = _mm_crc32_u64(0, static_cast<uint64_t>(_mm_cvtsi128_si64(r)));
  c = _mm_crc32_u64(c, static_cast<uint64_t>(_mm_extract_epi64(r, 1)));
  return Sse42State<false>(static_cast<uint32_t>(c), p, n);
}

TM_TARGET_AVX512 uint32_t ExtendAvx512(uint32_t crc, ByteSpan d) {
  if (d.size() < 256) return ~ThreeWayState<false>(~crc, d.data(), d.size());
  return ~Avx512State(~crc, d.data(), d.size());
}

bool HasSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
bool HasClmul() { return HasSse42() && __builtin_cpu_supports("pclmul"); }
bool HasAvx512Clmul() {
  return HasClmul() && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("vpclmulqdq");
}
#endif  // TM_CRC32C_X86

using crc32c_internal::Variant;

std::vector<Variant> ListSupported() {
  std::vector<Variant> v = {{"portable_slicing8", ExtendPortable, ExtendSwappedPortable}};
#ifdef TM_CRC32C_X86
  if (HasSse42()) v.push_back({"sse42", ExtendSse42, ExtendSwappedSse42});
  if (HasClmul()) v.push_back({"sse42_3way_pclmul", ExtendThreeWay, ExtendSwappedThreeWay});
  if (HasAvx512Clmul()) {
    v.push_back({"avx512_vpclmulqdq", ExtendAvx512, ExtendSwappedThreeWay});
  }
#endif
  return v;
}

// The last supported variant is the fastest (bench/checksum_bench.cc, 16 KiB, one Zen 4
// core: portable 1.9, sse42 9.1, sse42_3way_pclmul 27, avx512_vpclmulqdq 54 GiB/s). It is
// chosen on first use; initialisation of a function-local static is thread-safe.
const Variant& Chosen() {
  static const Variant chosen = ListSupported().back();
  return chosen;
}

}  // namespace

uint32_t Crc32c(ByteSpan data) { return Chosen().extend(0, data); }

uint32_t Crc32cExtend(uint32_t crc, ByteSpan data) { return Chosen().extend(crc, data); }

uint32_t Crc32cExtendByteSwappedWords(uint32_t crc, ByteSpan words) {
  return Chosen().extend_byte_swapped_words(crc, words);
}

std::string_view Crc32cImplementation() { return Chosen().name; }

namespace crc32c_internal {
std::vector<Variant> SupportedVariants() { return ListSupported(); }
}  // namespace crc32c_internal

}  // namespace tidemark
