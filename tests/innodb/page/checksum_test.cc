// Tests of the InnoDB page checksum schemes (innodb/page/checksum.h): real pages written
// by MariaDB 10.11 (full_crc32, crc32, ROW_FORMAT=COMPRESSED) and by an old MySQL
// (legacy innodb), expected values computed by an independent Python script
// (fixtures/pages/README.md), single-byte flips, the non-strict acceptance rules of
// buf_page_is_corrupted, writers that must reproduce server-written pages, short spans.
#include "innodb/page/checksum.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"
#include "tests/support/test_paths.h"

namespace tidemark::innodb {
namespace {

using Page = std::vector<uint8_t>;

Page ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Page Fixture(const std::string& name) {
  Page p = ReadFile(testing::SourceDir() + "/fixtures/pages/" + name);
  EXPECT_FALSE(p.empty()) << "missing fixture " << name;
  return p;
}

const char kFullCrc32Page[] = "mariadb-10.11-full_crc32-8k-page3.bin";
const char kCrc32Page[] = "mariadb-10.11-crc32-8k-page3.bin";
const char kZipPage[] = "mariadb-10.11-zip-4k-page3.bin";
const char kInnodbPage[] = "innodb_ruby-hello_world-innodb-16k-page3.bin";

// A deterministic page with no structure: byte i = high byte of (i * 2654435761 mod 2^32).
Page PatternPage(size_t size) {
  Page p(size);
  for (size_t i = 0; i < size; ++i) p[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);
  return p;
}

void SetBe32(Page& p, size_t off, uint32_t v) { WriteBe32(p, off, v); }

// ---- Real pages: stored values, and every computed value against the Python reference.

TEST(ChecksumTest, FullCrc32PageFromMariaDb) {
  const Page p = Fixture(kFullCrc32Page);
  ASSERT_EQ(p.size(), 8192u);
  EXPECT_EQ(PageFullCrc32(p), 0x2D10F055u);
  EXPECT_EQ(ReadBe32(p, 8188), 0x2D10F055u);
  EXPECT_TRUE(FullCrc32ChecksumValid(p));
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));  // f1 = 0 (key version), f2 = LSN copy
}

TEST(ChecksumTest, ClassicCrc32PageFromMariaDb) {
  const Page p = Fixture(kCrc32Page);
  ASSERT_EQ(p.size(), 8192u);
  EXPECT_EQ(PageCrc32(p), 0xF5B1767Bu);
  EXPECT_EQ(ReadBe32(p, 0), 0xF5B1767Bu);
  EXPECT_EQ(ReadBe32(p, 8184), 0xF5B1767Bu);
  EXPECT_EQ(PageCrc32LegacyBigEndian(p), 0x26791262u);
  EXPECT_EQ(PageInnodbNewChecksum(p), 0x48093A1Cu);
  EXPECT_EQ(PageInnodbOldChecksum(p), 0xDDFBF1EBu);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  EXPECT_FALSE(FullCrc32ChecksumValid(p));
}

TEST(ChecksumTest, ZipPageFromMariaDb) {
  const Page p = Fixture(kZipPage);
  ASSERT_EQ(p.size(), 4096u);
  EXPECT_EQ(ZipPageCrc32(p), 0xD2AD01B0u);
  EXPECT_EQ(ReadBe32(p, 0), 0xD2AD01B0u);
  EXPECT_EQ(ZipPageAdler32(p), 0xB264F359u);
  EXPECT_TRUE(ZipChecksumValid(p));
}

TEST(ChecksumTest, LegacyInnodbPageFromOldMySql) {
  const Page p = Fixture(kInnodbPage);
  ASSERT_EQ(p.size(), 16384u);
  EXPECT_EQ(PageInnodbNewChecksum(p), 0x99DA58FCu);
  EXPECT_EQ(ReadBe32(p, 0), 0x99DA58FCu);
  EXPECT_EQ(PageInnodbOldChecksum(p), 0x1B0AE35Cu);
  EXPECT_EQ(ReadBe32(p, 16376), 0x1B0AE35Cu);
  EXPECT_EQ(PageCrc32(p), 0x34C60191u);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
}

// 16 KiB: the Adler-32 sums pass zlib's NMAX (5552) and must be reduced mid-range.
TEST(ChecksumTest, PatternPageMatchesReferenceValues) {
  const Page p = PatternPage(16384);
  EXPECT_EQ(PageCrc32(p), 0x26179145u);
  EXPECT_EQ(PageCrc32LegacyBigEndian(p), 0x4C4B1B9Au);
  EXPECT_EQ(PageInnodbNewChecksum(p), 0x0ECAA592u);
  EXPECT_EQ(PageInnodbOldChecksum(p), 0x1C46CDB8u);
  EXPECT_EQ(PageFullCrc32(p), 0xF515E650u);
  EXPECT_EQ(ZipPageCrc32(p), 0xD6FCF13Eu);
  EXPECT_EQ(ZipPageAdler32(p), 0x0DF3D67Eu);
}

// A size that is not a multiple of 8: the legacy big-endian CRC ends in a byte-wise tail.
TEST(ChecksumTest, OddSizedPageMatchesReferenceValues) {
  const Page p = PatternPage(1000);
  EXPECT_EQ(PageCrc32(p), 0xCD3B22DFu);
  EXPECT_EQ(PageCrc32LegacyBigEndian(p), 0x787188E9u);
  EXPECT_EQ(PageInnodbNewChecksum(p), 0xF2C87B99u);
  EXPECT_EQ(PageFullCrc32(p), 0x7A256C19u);
  EXPECT_EQ(ZipPageCrc32(p), 0x448EFDBEu);
  EXPECT_EQ(ZipPageAdler32(p), 0x9136E826u);
}

// The legacy big-endian CRC equals the plain CRC-32C of each range after reversing every
// 8-byte group that lies on an 8-byte boundary of the page.
TEST(ChecksumTest, LegacyBigEndianEqualsCrcOfWordReversedRanges) {
  for (size_t size : {4096, 8192, 16384}) {
    Page p = PatternPage(size);
    const uint32_t legacy = PageCrc32LegacyBigEndian(p);
    for (size_t i = 8; i + 8 <= size - 8; i += 8) {
      if (i + 8 <= 24 || i >= 40) std::reverse(p.begin() + i, p.begin() + i + 8);
    }
    EXPECT_EQ(legacy,
              Crc32c(ByteSpan(p).subspan(4, 22)) ^ Crc32c(ByteSpan(p).subspan(38, size - 46)))
        << size;
  }
}

// ---- Single-byte flips: covered bytes break the checksum, excluded bytes do not.

TEST(ChecksumTest, EveryByteOfFullCrc32PageMatters) {
  Page p = Fixture(kFullCrc32Page);
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] ^= 0x40;
    ASSERT_FALSE(FullCrc32ChecksumValid(p)) << "byte " << i;
    p[i] ^= 0x40;
  }
  EXPECT_TRUE(FullCrc32ChecksumValid(p));
}

TEST(ChecksumTest, Crc32PageFlipsOutsideBytes26To37AndLsnCopyBreakIt) {
  Page p = Fixture(kCrc32Page);
  for (size_t i = 0; i < p.size(); ++i) {
    const bool excluded = (i >= 26 && i < 38) || i >= p.size() - 4;
    p[i] ^= 0x01;
    ASSERT_EQ(ClassicChecksumFieldsValid(p), excluded) << "byte " << i;
    p[i] ^= 0x01;
  }
}

TEST(ChecksumTest, ZipPageFlipsOutsideLsnAndFlushLsnBreakIt) {
  Page p = Fixture(kZipPage);
  for (size_t i = 0; i < p.size(); ++i) {
    const bool excluded = (i >= 16 && i < 24) || (i >= 26 && i < 34);
    p[i] ^= 0x80;
    ASSERT_EQ(ZipChecksumValid(p), excluded) << "byte " << i;
    p[i] ^= 0x80;
  }
}

TEST(ChecksumTest, InnodbPageFlipsOutsideBytes26To37AndTrailerLsnBreakIt) {
  Page p = Fixture(kInnodbPage);
  for (size_t i = 0; i < p.size(); i += (i < 64 || i > p.size() - 64) ? 1 : 97) {
    const bool excluded = (i >= 26 && i < 38) || i >= p.size() - 4;
    p[i] ^= 0x10;
    ASSERT_EQ(ClassicChecksumFieldsValid(p), excluded) << "byte " << i;
    p[i] ^= 0x10;
  }
}

// ---- The non-strict field rules of buf_page_is_corrupted (plus legacy big-endian).

TEST(ChecksumTest, ClassicAcceptsNoChecksumMagicInBothFields) {
  Page p = PatternPage(8192);
  SetBe32(p, 0, kNoChecksumMagic);
  SetBe32(p, 8184, kNoChecksumMagic);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 8184, kNoChecksumMagic - 1);
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
}

// Field 2 equal to the LSN high word (very old InnoDB) and field 1 == 0 are not checked,
// so such a page passes whatever its body; 10.11 behaves the same.
TEST(ChecksumTest, ClassicSkipsUnsetFields) {
  Page p = PatternPage(8192);
  SetBe32(p, 0, 0);
  SetBe32(p, 8184, ReadBe32(p, 16));
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 0, kNoChecksumMagic);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 0, 1);  // now field 1 is checked, and it is wrong
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 0, PageInnodbNewChecksum(p));
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
}

TEST(ChecksumTest, ClassicCrc32MustBeInBothFields) {
  Page p = PatternPage(8192);
  const uint32_t crc = PageCrc32(p);
  SetBe32(p, 0, crc);
  SetBe32(p, 8184, kNoChecksumMagic);  // f2 unchecked, f1 alone is not a crc32 pair
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 8184, PageInnodbOldChecksum(p));  // f2 passes as innodb, f1 still fails
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 8184, crc);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
}

TEST(ChecksumTest, ClassicAcceptsInnodbFieldsAndMixtures) {
  Page p = PatternPage(8192);
  SetBe32(p, 0, PageInnodbNewChecksum(p));
  SetBe32(p, 8184, PageInnodbOldChecksum(p));  // old covers field 1: set it after
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 0, kNoChecksumMagic);  // f1 unchecked; f2 no longer matches old (covers f1)
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
  SetBe32(p, 8184, PageInnodbOldChecksum(p));
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
}

TEST(ChecksumTest, ClassicAcceptsLegacyBigEndianCrc32Pair) {
  Page p = Fixture(kCrc32Page);
  const uint32_t legacy = PageCrc32LegacyBigEndian(p);
  ASSERT_NE(legacy, PageCrc32(p));
  SetBe32(p, 0, legacy);
  SetBe32(p, p.size() - 8, legacy);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  SetBe32(p, p.size() - 8, PageCrc32(p));  // one of each is no pair
  EXPECT_FALSE(ClassicChecksumFieldsValid(p));
}

TEST(ChecksumTest, ZipAcceptsMagicAndAdlerButNotGarbage) {
  Page p = Fixture(kZipPage);
  SetBe32(p, 0, kNoChecksumMagic);
  EXPECT_TRUE(ZipChecksumValid(p));
  SetBe32(p, 0, ZipPageAdler32(p));
  EXPECT_TRUE(ZipChecksumValid(p));
  SetBe32(p, 0, ZipPageAdler32(p) + 1);
  EXPECT_FALSE(ZipChecksumValid(p));
}

// The all-zero test is the caller's; these are the verdicts it relies on.
TEST(ChecksumTest, AllZeroPages) {
  const Page zeros(16384, 0);
  EXPECT_TRUE(ClassicChecksumFieldsValid(zeros));  // both fields unset: nothing checked
  EXPECT_FALSE(FullCrc32ChecksumValid(zeros));     // CRC-32C of zeros is not 0
  EXPECT_TRUE(ZipChecksumValid(Page(4096, 0)));    // adler32 variant of zeros is 0
  EXPECT_EQ(ZipPageAdler32(Page(4096, 0)), 0u);
}

// ---- Writers reproduce what the server wrote.

TEST(ChecksumTest, WriteFullCrc32ReproducesServerPage) {
  const Page original = Fixture(kFullCrc32Page);
  Page p = original;
  std::fill(p.end() - 8, p.end(), 0);
  WriteFullCrc32Checksum(p);
  EXPECT_EQ(p, original);
}

TEST(ChecksumTest, WriteClassicCrc32ReproducesServerPage) {
  const Page original = Fixture(kCrc32Page);
  Page p = original;
  std::fill(p.begin(), p.begin() + 4, 0);
  std::fill(p.end() - 8, p.end(), 0);
  WriteClassicCrc32Checksum(p);
  EXPECT_EQ(p, original);
}

TEST(ChecksumTest, WriteZipCrc32ReproducesServerPage) {
  const Page original = Fixture(kZipPage);
  Page p = original;
  std::fill(p.begin(), p.begin() + 4, 0xAA);
  WriteZipCrc32Checksum(p);
  EXPECT_EQ(p, original);
}

TEST(ChecksumTest, WritersProduceValidPagesAfterEdits) {
  Page p = PatternPage(16384);
  WriteFullCrc32Checksum(p);
  EXPECT_TRUE(FullCrc32ChecksumValid(p));
  EXPECT_EQ(ReadBe32(p, 16376), ReadBe32(p, 20));
  p[100] ^= 1;
  EXPECT_FALSE(FullCrc32ChecksumValid(p));
  WriteClassicCrc32Checksum(p);
  EXPECT_TRUE(ClassicChecksumFieldsValid(p));
  EXPECT_EQ(ReadBe32(p, 16380), ReadBe32(p, 20));
  WriteZipCrc32Checksum(p);
  EXPECT_TRUE(ZipChecksumValid(p));
}

// ---- ComputeAllChecksums.

TEST(ChecksumTest, ReportOfUncompressedPage) {
  const ChecksumReport r = ComputeAllChecksums(Fixture(kCrc32Page), /*is_zip=*/false);
  EXPECT_FALSE(r.is_zip);
  EXPECT_EQ(r.stored_field1, 0xF5B1767Bu);
  EXPECT_EQ(r.stored_field2, 0xF5B1767Bu);
  EXPECT_EQ(r.stored_full_crc32, 0x0000E653u);
  EXPECT_EQ(r.crc32, 0xF5B1767Bu);
  EXPECT_EQ(r.crc32_legacy_big_endian, 0x26791262u);
  EXPECT_EQ(r.innodb_new, 0x48093A1Cu);
  EXPECT_EQ(r.innodb_old, 0xDDFBF1EBu);
  EXPECT_EQ(r.full_crc32, 0xA66FA0D6u);
  EXPECT_FALSE(r.zip_crc32.has_value());
  EXPECT_FALSE(r.zip_adler32.has_value());
}

TEST(ChecksumTest, ReportOfZipPage) {
  const ChecksumReport r = ComputeAllChecksums(Fixture(kZipPage), /*is_zip=*/true);
  EXPECT_TRUE(r.is_zip);
  EXPECT_EQ(r.stored_field1, 0xD2AD01B0u);
  EXPECT_EQ(r.zip_crc32, 0xD2AD01B0u);
  EXPECT_EQ(r.zip_adler32, 0xB264F359u);
  EXPECT_FALSE(r.stored_field2.has_value());
  EXPECT_FALSE(r.stored_full_crc32.has_value());
  EXPECT_FALSE(r.crc32.has_value());
  EXPECT_FALSE(r.full_crc32.has_value());
}

// ---- Spans too small to be pages.

TEST(ChecksumTest, ValidityOfTooSmallSpansIsFalse) {
  const Page tiny(kMinZipPageSize - 1, 0);
  EXPECT_FALSE(ClassicChecksumFieldsValid(ByteSpan(tiny)));
  EXPECT_FALSE(ClassicChecksumFieldsValid(ByteSpan(PatternPage(kMinClassicPageSize - 1))));
  EXPECT_FALSE(ZipChecksumValid(ByteSpan(tiny)));
  EXPECT_FALSE(FullCrc32ChecksumValid(ByteSpan()));
  EXPECT_FALSE(FullCrc32ChecksumValid(ByteSpan(tiny).first(3)));
  EXPECT_TRUE(FullCrc32ChecksumValid(ByteSpan(Page{0, 0, 0, 0})));  // CRC of nothing is 0
}

TEST(ChecksumDeathTest, ComputationsOnTooSmallSpansAssertInDebug) {
  const Page tiny(kMinClassicPageSize - 1, 0x5A);
  uint32_t v = 1;
  EXPECT_DEBUG_DEATH(v = PageCrc32(tiny), "whole pages");
  EXPECT_DEBUG_DEATH(v |= PageInnodbNewChecksum(tiny), "whole pages");
  EXPECT_DEBUG_DEATH(v |= ZipPageAdler32(ByteSpan(tiny).first(kMinZipPageSize - 1)), "whole");
  EXPECT_DEBUG_DEATH(v |= PageFullCrc32(ByteSpan(tiny).first(3)), "whole pages");
#ifdef NDEBUG
  EXPECT_EQ(v, 0u);  // release builds return 0 instead of reading out of bounds
#endif
}

TEST(ChecksumDeathTest, WritersOnTooSmallSpansAssertInDebug) {
  Page tiny(kMinClassicPageSize - 1, 0x5A);
  EXPECT_DEBUG_DEATH(WriteFullCrc32Checksum(tiny), "whole pages");
  EXPECT_DEBUG_DEATH(WriteClassicCrc32Checksum(tiny), "whole pages");
  EXPECT_DEBUG_DEATH(WriteZipCrc32Checksum(MutableByteSpan(tiny).first(10)), "whole pages");
  EXPECT_DEBUG_DEATH(ComputeAllChecksums(tiny, false), "whole pages");
#ifdef NDEBUG
  EXPECT_EQ(tiny, Page(kMinClassicPageSize - 1, 0x5A));  // nothing written
#endif
}

// ---- Shared MySQL 8 fixtures: every non-empty page carries a valid checksum.

std::string SharedFixture(const std::string& relative) {
  const std::string dir = testing::SharedFixturesDir();
  if (dir.empty()) return "";
  const std::string path = dir + "/mysql8/" + relative;
  return std::filesystem::exists(path) ? path : "";
}

// Returns the number of non-zero pages checked; fails on the first invalid one.
size_t CheckEveryPage(const std::string& path, size_t page_size, bool zip) {
  const Page file = ReadFile(path);
  size_t checked = 0;
  for (size_t off = 0; off + page_size <= file.size(); off += page_size) {
    const ByteSpan page = ByteSpan(file).subspan(off, page_size);
    if (std::all_of(page.begin(), page.end(), [](uint8_t b) { return b == 0; })) continue;
    EXPECT_TRUE(zip ? ZipPageCrc32(page) == ReadBe32(page, 0)
                    : PageCrc32(page) == ReadBe32(page, 0) && ClassicChecksumFieldsValid(page) &&
                          !FullCrc32ChecksumValid(page))
        << path << " page " << off / page_size;
    ++checked;
  }
  return checked;
}

TEST(ChecksumTest, MySql8UncompressedPagesCarryCrc32) {
  const std::string path =
      SharedFixture("KernelMaker+ibdNinja/tests/8.0/fixtures/simple_table.ibd");
  if (path.empty()) GTEST_SKIP() << "shared fixtures not present";
  EXPECT_GE(CheckEveryPage(path, 16384, /*zip=*/false), 4u);
}

TEST(ChecksumTest, MySql8CompressedPagesCarryZipCrc32) {
  const std::string path = SharedFixture("wilhasse+percona-parser/tests/pure_compressed.ibd");
  if (path.empty()) GTEST_SKIP() << "shared fixtures not present";
  EXPECT_GE(CheckEveryPage(path, 8192, /*zip=*/true), 4u);
}

}  // namespace
}  // namespace tidemark::innodb
