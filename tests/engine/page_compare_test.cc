// Tests of the page-by-page comparison of two prepared backups: pairing, each masking rule
// of docs/compare.md (and that nothing else is masked), and the separate reports for the
// redo log and other files. Built on MemFileSystem with synthetic tablespaces.
#include "engine/page_compare.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MemFileSystem;
using testing::TablespaceBuilder;

constexpr uint32_t kFullCrc32 = 0x15;  // full_crc32, 16 KiB
constexpr uint32_t kPage = 16384;

std::vector<uint8_t> Space(uint32_t space_id, uint32_t flags = kFullCrc32) {
  TablespaceBuilder b(flags, space_id, 8);
  b.Index(3, 100 + space_id, 0, 10, 400).Index(4, 100 + space_id, 0, 20, 600).MarkFree(6);
  for (uint32_t p = 0; p < 8; ++p) b.Lsn(p, 5000 + p);
  return b.Build();
}

void Put(io::FileSystem& fs, const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string dir = path.substr(0, path.rfind('/'));
  ASSERT_TRUE(io::CreateDirs(fs, dir).ok());
  ASSERT_TRUE(io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end())).ok());
}

void PutText(io::FileSystem& fs, const std::string& path, std::string_view text) {
  Put(fs, path, std::vector<uint8_t>(text.begin(), text.end()));
}

// Two identical prepared-looking directories /a and /b.
class PageCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* side : {"/a", "/b"}) {
      const std::string d = side;
      Put(fs_, d + "/ibdata1", Space(0));
      Put(fs_, d + "/db/t.ibd", Space(5));
      PutText(fs_, d + "/db/t.frm", "frm bytes");
      PutText(fs_, d + "/xtrabackup_checkpoints", "backup_type = log-applied\n");
      PutText(fs_, d + "/ib_logfile0", "not really a log");
      PutText(fs_, d + "/ibtmp1", side);  // ignored
    }
  }
  // Rewrites page `page_no` of file `path` with `edit` applied, re-signed unless told.
  void EditPage(const std::string& path, uint32_t page_no,
                const std::function<void(MutableByteSpan)>& edit, bool sign = true,
                uint32_t flags = kFullCrc32, uint32_t physical = kPage) {
    auto text = io::ReadFileToString(fs_, path);
    ASSERT_TRUE(text.ok());
    std::vector<uint8_t> bytes(text->begin(), text->end());
    MutableByteSpan page = std::span(bytes).subspan(page_no * physical, physical);
    edit(page);
    if (sign) TablespaceBuilder::Sign(page, flags);
    Put(fs_, path, bytes);
  }
  CompareReport Compare() {
    auto r = CompareDirectories(fs_, "/a", "/b",
                                {.max_report = 10, .parallel = 2, .chunk_bytes = 3 * kPage});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : CompareReport{};
  }
  MemFileSystem fs_;
};

TEST_F(PageCompareTest, IdenticalDirectoriesAreEqual) {
  CompareReport r = Compare();
  EXPECT_TRUE(r.TablespacesEqual());
  EXPECT_TRUE(r.OtherFilesEqual());
  EXPECT_EQ(r.tablespace_files, 2u);
  EXPECT_EQ(r.pages_compared, 16u);
  EXPECT_EQ(r.other_files, 2u);  // db/t.frm, xtrabackup_checkpoints; not ibtmp1
  EXPECT_TRUE(r.redo.present_a && r.redo.present_b && r.redo.bytes_equal);
}

TEST_F(PageCompareTest, DifferingPageIsReportedWithFieldsAndRanges) {
  EditPage("/b/db/t.ibd", 3, [](MutableByteSpan p) { WriteBe16(p, 38 + 16, 11); });  // PAGE_N_RECS
  CompareReport r = Compare();
  EXPECT_FALSE(r.TablespacesEqual());
  EXPECT_EQ(r.differing_pages, 1u);
  ASSERT_EQ(r.pages.size(), 1u);
  const PageDifference& d = r.pages[0];
  EXPECT_EQ(d.file, "db/t.ibd");
  EXPECT_EQ(d.page_no, 3u);
  EXPECT_EQ(d.type_a, 17855);
  EXPECT_THAT(d.fields, ElementsAre("PAGE_N_RECS", "FIL_PAGE_FCRC32_CHECKSUM"));
  ASSERT_GE(d.ranges.size(), 1u);
  EXPECT_EQ(d.ranges[0], (ByteRange{55, 56}));
}

TEST_F(PageCompareTest, FlushLsnOfSystemPage0IsMasked) {
  EditPage("/b/ibdata1", 0, [](MutableByteSpan p) { WriteBe64(p, 26, 123456789); });
  CompareReport r = Compare();
  EXPECT_TRUE(r.TablespacesEqual());
  EXPECT_EQ(r.masked_field_pages, 1u);
  EXPECT_EQ(r.differing_pages, 0u);
}

TEST_F(PageCompareTest, FlushLsnFieldOfAnIbdIsNotMasked) {
  EditPage("/b/db/t.ibd", 0, [](MutableByteSpan p) { WriteBe64(p, 26, 123456789); });
  CompareReport r = Compare();
  EXPECT_EQ(r.differing_pages, 1u);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_THAT(r.pages[0].fields,
              ElementsAre("FIL_PAGE_FILE_FLUSH_LSN", "FIL_PAGE_FCRC32_CHECKSUM"));
}

TEST_F(PageCompareTest, FlushLsnMaskDoesNotHideABadChecksum) {
  EditPage(
      "/b/ibdata1", 0, [](MutableByteSpan p) { WriteBe64(p, 26, 1); }, /*sign=*/false);
  CompareReport r = Compare();
  EXPECT_EQ(r.differing_pages, 1u);
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_THAT(r.pages[0].fields, ElementsAre("FIL_PAGE_FILE_FLUSH_LSN"));  // shown unmasked
}

TEST_F(PageCompareTest, OtherBytesOfSystemPage0AreNotMasked) {
  EditPage("/b/ibdata1", 0, [](MutableByteSpan p) {
    WriteBe64(p, 26, 1);
    WriteBe32(p, 38 + 12, 7);  // FSP_FREE_LIMIT
  });
  CompareReport r = Compare();
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_THAT(r.pages[0].fields, ElementsAre("FSP_FREE_LIMIT", "FIL_PAGE_FCRC32_CHECKSUM"));
}

TEST_F(PageCompareTest, FreePageDifferenceIsMaskedButListed) {
  EditPage("/b/db/t.ibd", 6, [](MutableByteSpan p) { p[1000] ^= 0xff; });
  CompareReport r = Compare();
  EXPECT_TRUE(r.TablespacesEqual());
  EXPECT_EQ(r.differing_free_pages, 1u);
  ASSERT_EQ(r.free_pages.size(), 1u);
  EXPECT_EQ(r.free_pages[0].page_no, 6u);
  EXPECT_THAT(r.free_pages[0].fields, ::testing::Contains("body"));
}

TEST_F(PageCompareTest, PageFreeOnOneSideOnlyIsNotMasked) {
  // Side B's descriptor says page 4 is free too; side A uses it.
  auto b = TablespaceBuilder(kFullCrc32, 5, 8);
  b.Index(3, 105, 0, 10, 400).MarkFree(6).MarkFree(4);
  for (uint32_t p = 0; p < 8; ++p) b.Lsn(p, 5000 + p);
  Put(fs_, "/b/db/t.ibd", b.Build());
  CompareReport r = Compare();
  EXPECT_EQ(r.differing_pages, 2u);  // page 0 (its XDES entry) and page 4
  ASSERT_EQ(r.pages.size(), 2u);
  EXPECT_EQ(r.pages[0].page_no, 0u);
  EXPECT_THAT(r.pages[0].fields, ::testing::Contains("XDES[0]"));
  EXPECT_EQ(r.pages[1].page_no, 4u);
}

TEST_F(PageCompareTest, FilesOnOneSideAndSizeDifferences) {
  Put(fs_, "/b/db/new.ibd", Space(9));
  PutText(fs_, "/a/db/only_a.frm", "x");
  std::vector<uint8_t> longer = Space(5);
  longer.resize(longer.size() + 2 * kPage, 0);
  Put(fs_, "/b/db/t.ibd", longer);
  CompareReport r = Compare();
  EXPECT_FALSE(r.TablespacesEqual());
  EXPECT_THAT(r.tablespaces_only_in_b, ElementsAre("db/new.ibd"));
  EXPECT_THAT(r.other_only_in_a, ElementsAre("db/only_a.frm"));
  ASSERT_EQ(r.tablespace_size_differences.size(), 1u);
  EXPECT_EQ(r.tablespace_size_differences[0].size_b, 10u * kPage);
  EXPECT_TRUE(r.tablespace_size_differences[0].tail_all_zero);
}

TEST_F(PageCompareTest, OtherFilesAndRedoAreReportedApart) {
  PutText(fs_, "/b/db/t.frm", "frm bytez");
  PutText(fs_, "/b/ib_logfile0", "not really a LOG");
  CompareReport r = Compare();
  EXPECT_TRUE(r.TablespacesEqual());
  EXPECT_FALSE(r.OtherFilesEqual());
  ASSERT_EQ(r.other_differences.size(), 1u);
  EXPECT_EQ(r.other_differences[0].file, "db/t.frm");
  EXPECT_EQ(r.other_differences[0].first_offset, 8u);
  EXPECT_FALSE(r.redo.bytes_equal);
}

TEST_F(PageCompareTest, SystemTablespaceFilesContinuePageNumbers) {
  for (const char* side : {"/a", "/b"}) {
    EditPage(std::string(side) + "/ibdata1", 0, [](MutableByteSpan p) {
      WriteBe32(p, 38 + 8, 16);   // FSP_SIZE: ibdata1 + ibdata2
      WriteBe32(p, 38 + 12, 16);  // FSP_FREE_LIMIT
    });
    Put(fs_, std::string(side) + "/ibdata2", Space(0));
  }
  EditPage("/b/ibdata2", 3, [](MutableByteSpan p) { p[2000] ^= 1; });
  CompareReport r = Compare();
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.pages[0].file, "ibdata2");
  EXPECT_EQ(r.pages[0].page_no, 8u + 3u);
}

TEST_F(PageCompareTest, CompressedTablespaceHasNoTrailerFields) {
  constexpr uint32_t kZip8k = 0x29;
  Put(fs_, "/a/db/z.ibd", Space(7, kZip8k));
  Put(fs_, "/b/db/z.ibd", Space(7, kZip8k));
  EditPage(
      "/b/db/z.ibd", 3,
      [](MutableByteSpan p) {
        WriteBe64(p, 16, 99999);  // not covered by the zip checksum
        p[8190] ^= 1;             // a compressed page has no trailer: body
      },
      true, kZip8k, 8192);
  CompareReport r = Compare();
  ASSERT_EQ(r.pages.size(), 1u);
  EXPECT_EQ(r.pages[0].file, "db/z.ibd");
  EXPECT_THAT(r.pages[0].fields, ElementsAre("FIL_PAGE_SPACE_OR_CHKSUM", "FIL_PAGE_LSN", "body"));
}

TEST_F(PageCompareTest, MaxReportCapsListsButNotCounts) {
  for (uint32_t p : {3u, 4u, 5u})
    EditPage("/b/db/t.ibd", p, [](MutableByteSpan pg) { pg[3000] ^= 1; });
  auto r = CompareDirectories(fs_, "/a", "/b", {.max_report = 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->differing_pages, 3u);
  ASSERT_EQ(r->pages.size(), 2u);
  EXPECT_EQ(r->pages[1].page_no, 4u);
}

TEST_F(PageCompareTest, BadArguments) {
  auto missing = CompareDirectories(fs_, "/a", "/nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  auto file = CompareDirectories(fs_, "/a/db/t.frm", "/b");
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(file.status().message(), "'/a/db/t.frm' is not a directory");
}

TEST(DiffPageTest, MergesNearbyBytesAndCapsRanges) {
  std::vector<uint8_t> a(kPage, 0), b(kPage, 0);
  b[100] = b[104] = 1;  // one range: less than 8 apart
  for (uint32_t i = 0; i < 20; ++i) b[2000 + 100 * i] = 1;
  PageDifference d = DiffPage(a, b, kFullCrc32);
  EXPECT_EQ(d.differing_bytes, 22u);
  ASSERT_EQ(d.ranges.size(), PageDifference::kMaxRanges);
  EXPECT_EQ(d.ranges[0], (ByteRange{100, 105}));
  EXPECT_THAT(d.fields, ElementsAre("body"));
}

TEST(DiffPageTest, MaskedBytesAreIgnored) {
  std::vector<uint8_t> a(kPage, 0), b(kPage, 0);
  b[30] = 1;
  EXPECT_EQ(DiffPage(a, b, kFullCrc32, {{26, 34}}).differing_bytes, 0u);
  EXPECT_EQ(DiffPage(a, b, kFullCrc32).differing_bytes, 1u);
}

TEST(ClassifyForCompareTest, Classes) {
  EXPECT_EQ(ClassifyForCompare("ibdata1"), CompareClass::kTablespace);
  EXPECT_EQ(ClassifyForCompare("undo003"), CompareClass::kTablespace);
  EXPECT_EQ(ClassifyForCompare("db/t.ibd"), CompareClass::kTablespace);
  EXPECT_EQ(ClassifyForCompare("mysql.ibd"), CompareClass::kTablespace);
  EXPECT_EQ(ClassifyForCompare("ib_logfile0"), CompareClass::kRedoLog);
  EXPECT_EQ(ClassifyForCompare("ibtmp1"), CompareClass::kIgnored);
  EXPECT_EQ(ClassifyForCompare("db/ibdata1"), CompareClass::kOther);
  EXPECT_EQ(ClassifyForCompare("db/t.frm"), CompareClass::kOther);
  EXPECT_EQ(ClassifyForCompare("xtrabackup_checkpoints"), CompareClass::kOther);
}

}  // namespace
}  // namespace tidemark::engine
