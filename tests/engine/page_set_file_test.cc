// Tests of the page-set file format (db/log_test.cc style): round trips of sparse and dense
// sets with flags and anchors; every single flipped byte and every truncation is refused as
// DataLoss naming the file; the exact messages of the main verdicts; names; the atomic write
// (no file, and no temporary left, when the write fails).
#include "engine/page_set_file.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "innodb/base/crc32c.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"

namespace tidemark::engine {
namespace {

using testing::FaultInjectionFileSystem;
using testing::FsOp;
using testing::MemFileSystem;

PageSetFile Sample(bool dense) {
  PageSetFile f;
  f.pages = ChangedPages(Lsn(12288), Lsn(987654));
  f.pages.AddPage(SpaceId(0), PageNo(5));
  f.pages.AddPage(SpaceId(0), PageNo(70000));
  f.pages.AddPage(SpaceId(7), PageNo(3));
  f.pages.AddFlags(SpaceId(7), kSpaceRenamed);
  f.pages.AddFlags(SpaceId(12), kSpaceCreated | kSpaceDeleted);
  if (dense) {
    for (uint32_t p = 0; p < 20000; p += 3) f.pages.AddPage(SpaceId(9), PageNo(p));
  }
  innodb::LogHeader h;
  h.creator = "MariaDB 10.11.19";
  f.identity = IdentityOf(h, 16 << 20);
  f.chain_start = Lsn(12288);
  f.from_anchor = 0xdeadbeef;
  f.to_anchor = std::nullopt;
  f.checkpoint = {Lsn(900000), Lsn(900100)};
  f.written = absl::FromUnixMicros(1700000000123456);
  return f;
}

std::string Text(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

TEST(PageSetFileTest, RoundTripsSparseAndDenseSets) {
  for (bool dense : {false, true}) {
    const PageSetFile f = Sample(dense);
    const std::vector<uint8_t> bytes = EncodePageSetFile(f);
    TM_ASSERT_OK_AND_ASSIGN(const PageSetFile back, DecodePageSetFile(bytes, "x"));
    EXPECT_EQ(back, f);
    EXPECT_EQ(back.identity.creator, "MariaDB 10.11.19");
    if (dense) {
      EXPECT_TRUE(back.pages.pages(SpaceId(9)).chunks()[0].is_bitmap());
      EXPECT_LT(bytes.size(), 9000u);
    }
  }
}

TEST(PageSetFileTest, AnEmptyRangeRoundTrips) {
  PageSetFile f;
  f.pages = ChangedPages(Lsn(5000), Lsn(5000));
  TM_ASSERT_OK_AND_ASSIGN(const PageSetFile back, DecodePageSetFile(EncodePageSetFile(f), "x"));
  EXPECT_EQ(back, f);
}

TEST(PageSetFileTest, EveryFlippedByteIsRefused) {
  const std::vector<uint8_t> good = EncodePageSetFile(Sample(false));
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= 0x20;
    const absl::StatusOr<PageSetFile> f = DecodePageSetFile(bad, "t/pages.pageset");
    ASSERT_EQ(f.status().code(), absl::StatusCode::kDataLoss) << "byte " << i;
    EXPECT_TRUE(absl::StartsWith(f.status().message(), "page-set file 't/pages.pageset': "))
        << f.status();
  }
}

TEST(PageSetFileTest, EveryTruncationIsRefused) {
  const std::vector<uint8_t> good = EncodePageSetFile(Sample(true));
  for (size_t n = 0; n < good.size(); n += (n < 200 ? 1 : 97)) {
    const std::vector<uint8_t> cut(good.begin(), good.begin() + n);
    EXPECT_EQ(DecodePageSetFile(cut, "x").status().code(), absl::StatusCode::kDataLoss) << n;
  }
}

TEST(PageSetFileTest, MessagesNameTheProblem) {
  const std::vector<uint8_t> good = EncodePageSetFile(Sample(false));
  std::vector<uint8_t> flipped = good;
  flipped[200] ^= 1;
  const uint32_t stored = ReadBe32(good, good.size() - 4);
  const uint32_t computed = Crc32c(ByteSpan(flipped).first(flipped.size() - 4));
  EXPECT_EQ(DecodePageSetFile(flipped, "d/f").status(),
            absl::DataLossError(absl::StrFormat(
                "page-set file 'd/f': checksum mismatch (stored 0x%08x, computed 0x%08x)", stored,
                computed)));
  const std::vector<uint8_t> cut(good.begin(), good.end() - 10);
  EXPECT_EQ(DecodePageSetFile(cut, "d/f").status(),
            absl::DataLossError(absl::StrFormat("page-set file 'd/f': %d bytes, the header says %d",
                                                cut.size(), good.size())));
  EXPECT_EQ(
      DecodePageSetFile(ByteSpan(good).first(20), "d/f").status(),
      absl::DataLossError("page-set file 'd/f': 20 bytes, too short for the 160-byte header"));
  std::vector<uint8_t> magic = good;
  magic[0] = 'X';
  EXPECT_EQ(DecodePageSetFile(magic, "d/f").status(),
            absl::DataLossError("page-set file 'd/f': bad magic"));
}

// A structurally wrong body with a valid checksum (a writer bug, not a torn file) is still
// refused by the structure checks.
TEST(PageSetFileTest, StructureIsCheckedBehindTheChecksum) {
  std::vector<uint8_t> b = EncodePageSetFile(Sample(false));
  // Space 0 takes 12 bytes of header and two chunks of one page (8 + 2 bytes each); space 7
  // follows. Give it space 0's id, then fix the checksum.
  const size_t second = kPageSetHeaderSize + 12 + 2 * (8 + 2);
  ASSERT_EQ(ReadBe32(b, second), 7u);
  WriteBe32(b, second, 0);
  WriteBe32(b, b.size() - 4, Crc32c(ByteSpan(b).first(b.size() - 4)));
  EXPECT_EQ(DecodePageSetFile(b, "x").status(),
            absl::DataLossError("page-set file 'x': space 0 listed after space 0"));
}

// The 8 bytes after the creator are reserved: a file with any of them set (and a valid
// checksum) was not written by this version.
TEST(PageSetFileTest, NonzeroReservedHeaderBytesAreRefused) {
  for (size_t at = 152; at < kPageSetHeaderSize; ++at) {
    std::vector<uint8_t> b = EncodePageSetFile(Sample(false));
    b[at] = 0x01;
    WriteBe32(b, b.size() - 4, Crc32c(ByteSpan(b).first(b.size() - 4)));
    EXPECT_EQ(DecodePageSetFile(b, "d/f").status(),
              absl::DataLossError("page-set file 'd/f': nonzero reserved header bytes at 152"))
        << at;
  }
}

TEST(PageSetFileTest, NamesSortByLsnAndParseBack) {
  EXPECT_EQ(PageSetFileName(Lsn(12288), Lsn(98765)),
            "pages-00000000000000012288-00000000000000098765.pageset");
  EXPECT_EQ(ParsePageSetFileName("pages-00000000000000012288-00000000000000098765.pageset"),
            std::make_pair(Lsn(12288), Lsn(98765)));
  EXPECT_EQ(ParsePageSetFileName("pages-00000000000000012288-00000000000000098765.pageset.tmp"),
            std::nullopt);
  EXPECT_EQ(ParsePageSetFileName("pages-00000000000000099999-00000000000000012288.pageset"),
            std::nullopt);  // from after to
  EXPECT_EQ(ParsePageSetFileName("pages-0000000000000001228x-00000000000000098765.pageset"),
            std::nullopt);
}

TEST(PageSetFileTest, WriteIsAtomicAndReadsBack) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/t").ok());
  const PageSetFile f = Sample(true);
  TM_ASSERT_OK_AND_ASSIGN(const std::string path, WritePageSetFile(fs, "/t", f));
  EXPECT_EQ(path, "/t/pages-00000000000000012288-00000000000000987654.pageset");
  TM_ASSERT_OK_AND_ASSIGN(const PageSetFile back, ReadPageSetFile(fs, path));
  EXPECT_EQ(back, f);
  TM_ASSERT_OK_AND_ASSIGN(const PageSetFile header, ReadPageSetHeader(fs, path));
  EXPECT_EQ(header.pages.to_lsn(), Lsn(987654));
  EXPECT_EQ(header.written, f.written);
  EXPECT_EQ(fs.ListDir("/t")->size(), 1u);
}

TEST(PageSetFileTest, AFailedWriteLeavesNothing) {
  MemFileSystem base;
  ASSERT_TRUE(base.CreateDir("/t").ok());
  FaultInjectionFileSystem fs(base);
  fs.FailNth(FsOp::kSync, 1, EIO);
  const absl::StatusOr<std::string> path = WritePageSetFile(fs, "/t", Sample(false));
  EXPECT_EQ(path.status().code(), absl::StatusCode::kDataLoss) << path.status();
  EXPECT_TRUE(base.ListDir("/t")->empty());
}

TEST(PageSetFileTest, ReadNamesTheDamagedFile) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.CreateDir("/t").ok());
  std::vector<uint8_t> b = EncodePageSetFile(Sample(false));
  b[150] ^= 4;
  ASSERT_TRUE(io::WriteStringToFile(fs, "/t/p.pageset", Text(b)).ok());
  const absl::Status s = ReadPageSetFile(fs, "/t/p.pageset").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(s.message(), "page-set file '/t/p.pageset': checksum mismatch"))
      << s;
}

}  // namespace
}  // namespace tidemark::engine
