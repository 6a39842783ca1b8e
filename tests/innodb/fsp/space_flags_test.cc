// Tests of FSP_SPACE_FLAGS decoding against flag words seen on real files
// (INNODB_FORMATS.md §2.2, ../shared/fixtures/mysql8/README.md).
#include "innodb/fsp/space_flags.h"

#include "gtest/gtest.h"

namespace tidemark::innodb {
namespace {

TEST(SpaceFlagsTest, FullCrc32Default16k) {
  auto f = DecodeSpaceFlags(0x15);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->layout, FlagsLayout::kFullCrc32);
  EXPECT_EQ(f->page_size, PageSize::Uncompressed(16384));
  EXPECT_EQ(f->checksum(), ChecksumScheme::kFullCrc32);
  EXPECT_FALSE(f->page_compression);
}

TEST(SpaceFlagsTest, FullCrc32PageSizesAndCompression) {
  EXPECT_EQ(DecodeSpaceFlags(0x13)->page_size.logical(), 4096u);
  EXPECT_EQ(DecodeSpaceFlags(0x17)->page_size.logical(), 65536u);
  auto f = DecodeSpaceFlags(0x35);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->page_compression);
  EXPECT_EQ(PageCompressionName(*f), "zlib");
}

TEST(SpaceFlagsTest, ClassicDynamicAndCompressed) {
  auto dyn = DecodeSpaceFlags(0x21);
  ASSERT_TRUE(dyn.ok());
  EXPECT_EQ(dyn->layout, FlagsLayout::kClassic);
  EXPECT_TRUE(dyn->post_antelope && dyn->atomic_blobs);
  EXPECT_EQ(dyn->checksum(), ChecksumScheme::kClassic);
  auto zip8 = DecodeSpaceFlags(0x29);
  ASSERT_TRUE(zip8.ok());
  EXPECT_EQ(zip8->page_size, PageSize::Compressed(16384, 8192));
  EXPECT_EQ(zip8->checksum(), ChecksumScheme::kZip);
  EXPECT_EQ(DecodeSpaceFlags(0x27)->zip_size(), 4096u);
  // KEY_BLOCK_SIZE=4 in a 4 KiB instance: physical == logical, still compressed.
  auto zip4in4k = DecodeSpaceFlags(0xe7);
  ASSERT_TRUE(zip4in4k.ok()) << zip4in4k.status();
  EXPECT_EQ(zip4in4k->page_size, PageSize::Compressed(4096, 4096));
  EXPECT_EQ(zip4in4k->checksum(), ChecksumScheme::kZip);
  EXPECT_EQ(zip4in4k->zip_size(), 4096u);
}

TEST(SpaceFlagsTest, ClassicRedundantAndPageCompressed) {
  auto red = DecodeSpaceFlags(0);
  ASSERT_TRUE(red.ok());
  EXPECT_EQ(red->page_size.logical(), 16384u);
  auto pc = DecodeSpaceFlags(0x10021);
  ASSERT_TRUE(pc.ok());
  EXPECT_TRUE(pc->page_compression);
  EXPECT_EQ(PageCompressionName(*pc), "per-page");
  EXPECT_EQ(DecodeSpaceFlags(0xc0)->page_size.logical(), 4096u);  // page_ssize 3
}

TEST(SpaceFlagsTest, MySqlLayouts) {
  auto sdi = DecodeSpaceFlags(0x4021);
  ASSERT_TRUE(sdi.ok());
  EXPECT_EQ(sdi->flavor(), Flavor::kMySql);
  EXPECT_TRUE(sdi->mysql_sdi);
  EXPECT_FALSE(sdi->mysql_encryption);
  auto enc_zip = DecodeSpaceFlags(0x6029);
  ASSERT_TRUE(enc_zip.ok());
  EXPECT_TRUE(enc_zip->mysql_encryption);
  EXPECT_EQ(enc_zip->page_size, PageSize::Compressed(16384, 8192));
}

TEST(SpaceFlagsTest, RejectsImpossibleCombinations) {
  EXPECT_EQ(DecodeSpaceFlags(0x20).status(),  // atomic blobs without post-antelope
            absl::InvalidArgumentError(
                "invalid tablespace flags 0x20: atomic blobs without post-antelope"));
  EXPECT_FALSE(DecodeSpaceFlags(0x11).ok());        // full_crc32 with page ssize 1
  EXPECT_FALSE(DecodeSpaceFlags(0x115).ok());       // full_crc32 reserved bit
  EXPECT_FALSE(DecodeSpaceFlags(0x2d).ok());        // zip ssize 6
  EXPECT_FALSE(DecodeSpaceFlags(0x1e1 | 2).ok());   // zip with 64K pages
  EXPECT_FALSE(DecodeSpaceFlags(0x20000).ok());     // classic reserved bit 17
}

}  // namespace
}  // namespace tidemark::innodb
