// Tests of page verdicts: each scheme's good page, one-byte corruption, torn LSN, wrong
// page number, all-zero pages, and pages recognised as encrypted or page_compressed.
#include "innodb/page/page_verdict.h"

#include "gtest/gtest.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/checksum.h"
#include "innodb/page/fil_page.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::innodb {
namespace {

using testing::TablespaceBuilder;

struct Space {
  std::vector<uint8_t> image;
  SpaceContext ctx;
  uint32_t physical;
  MutableByteSpan Page(uint32_t no) { return MutableByteSpan(image).subspan(no * physical, physical); }
};

Space Make(uint32_t flags, bool encrypted = false) {
  TablespaceBuilder b(flags, 5, 8);
  b.Index(3, 40, 0, 10, 500);
  if (encrypted) b.Encrypted(1);
  Space s{b.Build(), {}, b.physical_page_size()};
  s.ctx.flags = *DecodeSpaceFlags(flags);
  s.ctx.space_id = SpaceId(5);
  s.ctx.encrypted = encrypted;
  return s;
}

class VerdictPerScheme : public ::testing::TestWithParam<uint32_t> {};

TEST_P(VerdictPerScheme, GoodPagesAreOkAndZeroPagesAllZero) {
  Space s = Make(GetParam());
  for (uint32_t no = 0; no < 4; ++no) EXPECT_EQ(ValidatePage(s.Page(no), s.ctx, no), PageVerdict::kOk) << no;
  EXPECT_EQ(ValidatePage(s.Page(5), s.ctx, 5), PageVerdict::kAllZero);
}

TEST_P(VerdictPerScheme, OneFlippedByteIsAMismatch) {
  Space s = Make(GetParam());
  for (size_t off : {size_t{4} + 0, size_t{100}, size_t{s.physical / 2}, size_t{s.physical - 9}}) {
    Space t = s;
    t.Page(3)[off] ^= 0x40;
    const PageVerdict v = ValidatePage(t.Page(3), t.ctx, 3);
    EXPECT_TRUE(IsFailure(v)) << "offset " << off << " verdict " << PageVerdictName(v);
  }
}

TEST_P(VerdictPerScheme, WrongPositionIsBadHeader) {
  Space s = Make(GetParam());
  EXPECT_EQ(ValidatePage(s.Page(3), s.ctx, 4), PageVerdict::kBadHeader);
}

INSTANTIATE_TEST_SUITE_P(Schemes, VerdictPerScheme,
                         ::testing::Values(0x15u /*full_crc32*/, 0x13u /*full_crc32 4K*/,
                                           0x21u /*classic*/, 0x29u /*zip 8K*/, 0x27u /*zip 4K*/,
                                           0x4021u /*MySQL*/));

TEST(PageVerdictTest, TornLsnOnUncompressedPages) {
  Space full = Make(0x15);
  full.Page(3)[full.physical - 8 + 3] ^= 1;  // trailer LSN copy, then a valid CRC over it
  WriteBe32(full.Page(3), full.physical - 4, PageFullCrc32(full.Page(3)));
  EXPECT_EQ(ValidatePage(full.Page(3), full.ctx, 3), PageVerdict::kLsnMismatch);
  Space classic = Make(0x21);
  classic.Page(3)[classic.physical - 1] ^= 1;  // not covered by the classic checksum
  EXPECT_EQ(ValidatePage(classic.Page(3), classic.ctx, 3), PageVerdict::kLsnMismatch);
}

TEST(PageVerdictTest, ClassicZeroPageMayCarryBytes26To33) {
  Space s = Make(0x21);
  s.Page(6)[27] = 0x99;
  EXPECT_EQ(ValidatePage(s.Page(6), s.ctx, 6), PageVerdict::kAllZero);
  s.Page(6)[40] = 1;
  EXPECT_TRUE(IsFailure(ValidatePage(s.Page(6), s.ctx, 6)));
}

TEST(PageVerdictTest, FullCrc32EncryptedPage) {
  Space s = Make(0x15, /*encrypted=*/true);
  WriteBe32(s.Page(3), kFilPageSpaceOrChksum, 1);  // key version: the page is encrypted
  WriteBe32(s.Page(3), kFilPageArchLogNoOrSpaceId, 0xabcdef);  // ciphertext hides space id
  TablespaceBuilder::Sign(s.Page(3), 0x15);
  EXPECT_EQ(ValidatePage(s.Page(3), s.ctx, 3), PageVerdict::kEncrypted);
  s.Page(3)[200] ^= 1;
  EXPECT_EQ(ValidatePage(s.Page(3), s.ctx, 3), PageVerdict::kChecksumMismatch);
}

TEST(PageVerdictTest, FullCrc32PageCompressedImage) {
  Space s = Make(0x35);
  MutableByteSpan p = s.Page(3);
  WriteBe16(p, kFilPageType, kFullCrc32CompressedMarker | 2);  // 512-byte image
  WriteFullCrc32Checksum(p.subspan(0, 512));
  p[1000] = 0x55;  // garbage after the image does not matter
  EXPECT_EQ(ValidatePage(p, s.ctx, 3), PageVerdict::kPageCompressed);
  p[100] ^= 1;
  EXPECT_EQ(ValidatePage(p, s.ctx, 3), PageVerdict::kChecksumMismatch);
}

TEST(PageVerdictTest, ClassicEncryptedPageUsesPostEncryptionChecksum) {
  Space s = Make(0x21, /*encrypted=*/true);
  MutableByteSpan p = s.Page(3);
  p[300] ^= 0xff;                                        // "ciphertext" changed
  WriteBe32(p, kFilPageFileFlushLsnOrKeyVersion, 1);     // key version
  WriteBe32(p, kFilPageFileFlushLsnOrKeyVersion + 4, PageCrc32(p));
  EXPECT_EQ(ValidatePage(p, s.ctx, 3), PageVerdict::kEncrypted);
}

TEST(PageVerdictTest, MySqlEncryptedAndClassicPageCompressedTypes) {
  Space my = Make(0x6021);
  WriteBe16(my.Page(3), kFilPageType, kPageTypeMySqlEncrypted);
  EXPECT_EQ(ValidatePage(my.Page(3), my.ctx, 3), PageVerdict::kEncrypted);
  Space pc = Make(0x10021);
  WriteBe16(pc.Page(3), kFilPageType, kPageTypePageCompressed);
  EXPECT_EQ(ValidatePage(pc.Page(3), pc.ctx, 3), PageVerdict::kPageCompressed);
}

}  // namespace
}  // namespace tidemark::innodb
