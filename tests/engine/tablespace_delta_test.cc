// Tests of the incremental copy of one tablespace: only pages newer than the base land in the
// delta (read back with ReadDeltaIndex), an unchanged file still gets its one-page delta, each
// system tablespace file gets its own delta numbered from its first page, a changed TRX_SYS
// page is refused, bad pages fail as in a full copy, and a page list limits what is read.
#include "engine/tablespace_delta.h"

#include <map>
#include <string>
#include <vector>

#include "engine/delta_file.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

constexpr uint32_t kPage = 16384;

void Put(io::FileSystem& fs, const std::string& path, const std::vector<uint8_t>& bytes) {
  ASSERT_TRUE(io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end())).ok());
}

PageReadOptions Read() {
  PageReadOptions o;
  o.direct_io = false;
  o.chunk_bytes = 64 << 10;
  return o;
}

OutputOpener Outputs(io::FileSystem& fs, std::vector<std::string> names) {
  return [&fs, names](size_t i, const innodb::FspHeader&) { return fs.OpenForWrite(names.at(i)); };
}

TablespaceTarget Single(const std::string& path) { return {.path = path, .files = {path}}; }

// A 20-page tablespace whose pages 0..19 have LSN 1000 + 100 * n.
std::vector<uint8_t> Aged(uint32_t flags, uint32_t space_id, uint32_t pages) {
  TablespaceBuilder b(flags, space_id, pages);
  for (uint32_t no = 1; no < pages; ++no) b.Index(no, 40, 0, 1, 200);
  for (uint32_t no = 0; no < pages; ++no) b.Lsn(no, 1000 + 100 * no);
  return b.Build();
}

// The page numbers of a delta, and each image's bytes by page number.
struct DeltaPages {
  std::vector<uint32_t> numbers;
  std::map<uint32_t, std::string> images;
};

DeltaPages ReadDelta(io::FileSystem& fs, const std::string& path, uint32_t page_size = kPage) {
  DeltaPages out;
  auto f = fs.OpenForRead(path);
  EXPECT_TRUE(f.ok()) << f.status();
  if (!f.ok()) return out;
  auto index = ReadDeltaIndex(**f, page_size, path);
  EXPECT_TRUE(index.ok()) << index.status();
  if (!index.ok()) return out;
  const std::string bytes = *io::ReadFileToString(fs, path);
  for (const DeltaEntry& e : *index) {
    out.numbers.push_back(e.page_no);
    out.images[e.page_no] = bytes.substr(e.offset, page_size);
  }
  return out;
}

std::string PageOf(const std::vector<uint8_t>& img, uint32_t no, uint32_t page_size = kPage) {
  return std::string(img.begin() + size_t{no} * page_size,
                     img.begin() + size_t{no + 1} * page_size);
}

TEST(TablespaceDeltaTest, OnlyPagesNewerThanTheBaseAreWritten) {
  MemFileSystem fs;
  const std::vector<uint8_t> img = Aged(0x15, 9, 20);
  Put(fs, "/t.ibd", img);
  std::atomic<uint64_t> counter{0};
  // Base 2500: pages 15..19 (LSN 2500 is not newer: page 15 has 2500, so 16..19).
  TM_ASSERT_OK_AND_ASSIGN(DeltaCopyResult r,
                          CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(2500)},
                                              Outputs(fs, {"/t.ibd.delta"}), nullptr, &counter));
  EXPECT_EQ(r.space, SpaceId(9));
  EXPECT_EQ(r.pages_read, 20u);
  EXPECT_EQ(r.pages_written, 4u);
  EXPECT_EQ(counter.load(), img.size());  // progress counts the bytes read
  const DeltaPages d = ReadDelta(fs, "/t.ibd.delta");
  EXPECT_EQ(d.numbers, (std::vector<uint32_t>{16, 17, 18, 19}));
  for (uint32_t no : d.numbers) EXPECT_EQ(d.images.at(no), PageOf(img, no)) << no;
}

TEST(TablespaceDeltaTest, UnchangedFileGetsAnEmptyDelta) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 20));
  TM_ASSERT_OK_AND_ASSIGN(DeltaCopyResult r,
                          CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(5000)},
                                              Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_EQ(r.pages_written, 0u);
  const std::string delta = *io::ReadFileToString(fs, "/t.ibd.delta");
  ASSERT_EQ(delta.size(), kPage);  // one header page, as the peers write it
  EXPECT_EQ(delta.substr(0, 8), std::string("XTRA\xff\xff\xff\xff", 8));
  EXPECT_EQ(delta.find_first_not_of('\0', 8), std::string::npos);
}

TEST(TablespaceDeltaTest, CompressedPagesAreWrittenAtTheirPhysicalSize) {
  MemFileSystem fs;
  const std::vector<uint8_t> img =
      TablespaceBuilder(0x29, 7, 8).Typed(3, 3).Lsn(3, 9000).Build();  // zip 8K
  Put(fs, "/z.ibd", img);
  TM_ASSERT_OK_AND_ASSIGN(DeltaCopyResult r,
                          CopyTablespaceDelta(fs, Single("/z.ibd"), Read(), {.base_lsn = Lsn(5000)},
                                              Outputs(fs, {"/z.ibd.delta"}), nullptr, nullptr));
  EXPECT_EQ(r.pages_written, 1u);
  const DeltaPages d = ReadDelta(fs, "/z.ibd.delta", 8192);
  EXPECT_EQ(d.numbers, std::vector<uint32_t>{3});
  EXPECT_EQ(d.images.at(3), PageOf(img, 3, 8192));
}

TEST(TablespaceDeltaTest, EachSystemFileHasItsOwnDeltaNumberedFromItsFirstPage) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 0, 10);
  b.Index(2, 1, 0, 1, 200).Index(6, 1, 0, 1, 200).Index(9, 1, 0, 1, 200);
  b.Lsn(2, 7000).Lsn(6, 7000).Lsn(9, 100);
  const std::vector<uint8_t> img = b.Build();
  Put(fs, "/ibdata1", std::vector<uint8_t>(img.begin(), img.begin() + 4 * kPage));
  Put(fs, "/ibdata2", std::vector<uint8_t>(img.begin() + 4 * kPage, img.begin() + 8 * kPage));
  Put(fs, "/ibdata3", std::vector<uint8_t>(img.begin() + 8 * kPage, img.end()));
  TablespaceTarget t{.path = "/ibdata1",
                     .files = {"/ibdata1", "/ibdata2", "/ibdata3"},
                     .kind = TablespaceKind::kSystem};
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, t, Read(), {.base_lsn = Lsn(5000)},
                          Outputs(fs, {"/ibdata1.delta", "/ibdata2.delta", "/ibdata3.delta"}),
                          nullptr, nullptr));
  EXPECT_EQ(r.pages_written, 2u);
  EXPECT_EQ(ReadDelta(fs, "/ibdata1.delta").numbers, std::vector<uint32_t>{2});
  const DeltaPages d2 = ReadDelta(fs, "/ibdata2.delta");
  EXPECT_EQ(d2.numbers, std::vector<uint32_t>{2});  // page 6 of the tablespace
  EXPECT_EQ(d2.images.at(2), PageOf(img, 6));
  EXPECT_TRUE(ReadDelta(fs, "/ibdata3.delta").numbers.empty());  // still written
}

TEST(TablespaceDeltaTest, ChangedTrxSysPageIsRefused) {
  MemFileSystem fs;
  Put(fs, "/ibdata1", TablespaceBuilder(0x15, 0, 8).Typed(5, 7).Lsn(5, 9000).Build());
  TablespaceTarget t{.path = "/ibdata1", .files = {"/ibdata1"}, .kind = TablespaceKind::kSystem};
  auto r = CopyTablespaceDelta(fs, t, Read(), {.base_lsn = Lsn(5000)},
                               Outputs(fs, {"/ibdata1.delta"}), nullptr, nullptr);
  EXPECT_EQ(r.status(),
            absl::FailedPreconditionError(
                "read '/ibdata1': page 5 (TRX_SYS) of the system tablespace changed after LSN "
                "5000 (page LSN 9000): an incremental backup is impossible once the server was "
                "restarted with a different innodb_undo_tablespaces; take a full backup"));
}

TEST(TablespaceDeltaTest, UnchangedTrxSysPageIsFine) {
  MemFileSystem fs;
  Put(fs, "/ibdata1", TablespaceBuilder(0x15, 0, 8).Typed(5, 7).Lsn(5, 4000).Build());
  TablespaceTarget t{.path = "/ibdata1", .files = {"/ibdata1"}, .kind = TablespaceKind::kSystem};
  EXPECT_TRUE(CopyTablespaceDelta(fs, t, Read(), {.base_lsn = Lsn(5000)},
                                  Outputs(fs, {"/ibdata1.delta"}), nullptr, nullptr)
                  .ok());
}

TEST(TablespaceDeltaTest, StableBadPageFailsEvenWhenOld) {
  MemFileSystem fs;
  std::vector<uint8_t> img = Aged(0x15, 9, 10);
  img[3 * kPage + 1000] ^= 4;  // page 3 is older than the base, and still must be valid
  Put(fs, "/t.ibd", img);
  auto r = CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(9000)},
                               Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr);
  EXPECT_EQ(r.status(), absl::DataLossError("read '/t.ibd': page 3: checksum_mismatch "
                                            "(stable over 3 re-reads)"));
}

TEST(TablespaceDeltaTest, PageListReadsOnlyThosePages) {
  MemFileSystem base;
  const std::vector<uint8_t> img = Aged(0x15, 9, 20);
  Put(base, "/t.ibd", img);
  testing::FaultInjectionFileSystem fs(base);
  ChangedPages changed(Lsn(2500), Lsn(9000));
  for (uint32_t no : {2, 3, 17, 18}) changed.AddPage(SpaceId(9), PageNo(no));
  changed.AddPage(SpaceId(10), PageNo(5));  // another space's pages are not read
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(2500), .changed = &changed},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_TRUE(r.listed);
  EXPECT_EQ(r.pages_read, 5u);                   // page 0 always, for the size
  EXPECT_EQ(r.pages_written, 2u);                // 2 and 3 are not newer than the base after all
  EXPECT_EQ(fs.count(testing::FsOp::kRead), 5);  // page 0 (2 reads), then page 0 and two runs
  EXPECT_EQ(ReadDelta(base, "/t.ibd.delta").numbers, (std::vector<uint32_t>{17, 18}));
}

TEST(TablespaceDeltaTest, PageListOfAnotherSpaceReadsOnlyPageZero) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 20));
  ChangedPages changed(Lsn(2500), Lsn(9000));
  changed.AddPage(SpaceId(10), PageNo(5));
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(2500), .changed = &changed},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_EQ(r.pages_read, 1u);
  EXPECT_EQ(ReadDelta(fs, "/t.ibd.delta").numbers, (std::vector<uint32_t>{}));
}

TEST(TablespaceDeltaTest, SpaceMarkedWholeIsReadPageByPage) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 20));
  ChangedPages changed(Lsn(2500), Lsn(9000));
  changed.AddPage(SpaceId(9), PageNo(17));
  changed.AddFlags(SpaceId(9), kSpaceRenamed);
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(2500), .changed = &changed},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_FALSE(r.listed);
  EXPECT_EQ(r.pages_read, 20u);
}

TEST(TablespaceDeltaTest, SpaceNotInTheBaseGetsEveryNonZeroPage) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 9, 6);
  for (uint32_t no = 1; no < 5; ++no) b.Index(no, 40, 0, 1, 200);  // page 5 stays all zero
  for (uint32_t no = 0; no < 5; ++no) b.Lsn(no, no == 3 ? 9500 : 0);  // as IMPORT leaves them
  Put(fs, "/t.ibd", b.Build());
  const std::vector<uint32_t> base_spaces = {0, 8, 10};
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(),
                          {.base_lsn = Lsn(9000), .base_spaces = &base_spaces},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_TRUE(r.every_page);
  EXPECT_EQ(ReadDelta(fs, "/t.ibd.delta").numbers, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(TablespaceDeltaTest, SpaceNotInTheBaseIsReadWholeEvenWithAPageList) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 9, 6);
  for (uint32_t no = 1; no < 6; ++no) b.Index(no, 40, 0, 1, 200);
  for (uint32_t no = 0; no < 6; ++no) b.Lsn(no, no == 3 ? 9500 : 0);
  Put(fs, "/t.ibd", b.Build());
  const std::vector<uint32_t> base_spaces = {0, 8};
  ChangedPages changed(Lsn(9000), Lsn(9600));
  changed.AddPage(SpaceId(9), PageNo(3));  // only the page changed after the IMPORT
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(
          fs, Single("/t.ibd"), Read(),
          {.base_lsn = Lsn(9000), .changed = &changed, .base_spaces = &base_spaces},
          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_FALSE(r.listed);
  EXPECT_EQ(ReadDelta(fs, "/t.ibd.delta").numbers, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
}

TEST(TablespaceDeltaTest, SpaceInTheBaseGetsOnlyNewerPages) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 10));  // page N has LSN 1000 + 100 N
  const std::vector<uint32_t> base_spaces = {0, 9};
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(),
                          {.base_lsn = Lsn(1700), .base_spaces = &base_spaces},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_FALSE(r.every_page);
  EXPECT_EQ(ReadDelta(fs, "/t.ibd.delta").numbers, (std::vector<uint32_t>{8, 9}));
}

TEST(TablespaceDeltaTest, SpaceDeletedInTheRangeGetsEveryNonZeroPage) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 10));
  ChangedPages changed(Lsn(1700), Lsn(9000));
  changed.AddFlags(SpaceId(9), kSpaceDeleted);  // DISCARD TABLESPACE, then IMPORT
  TM_ASSERT_OK_AND_ASSIGN(
      DeltaCopyResult r,
      CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(1700), .changed = &changed},
                          Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_TRUE(r.every_page);
  EXPECT_FALSE(r.listed);
  EXPECT_EQ(ReadDelta(fs, "/t.ibd.delta").numbers.size(), 10u);
}

TEST(TablespaceDeltaTest, ManyChangedPagesSpanSeveralBlocks) {
  MemFileSystem fs;
  TablespaceBuilder b(0x13, 9, 1100);  // 4 KiB pages: 1023 images per block
  for (uint32_t no = 1; no < 1100; ++no) b.Index(no, 40, 0, 1, 200).Lsn(no, 8000 + no);
  const std::vector<uint8_t> img = b.Build();
  Put(fs, "/t.ibd", img);
  TM_ASSERT_OK_AND_ASSIGN(DeltaCopyResult r,
                          CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(8000)},
                                              Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr));
  EXPECT_EQ(r.pages_written, 1099u);
  const DeltaPages d = ReadDelta(fs, "/t.ibd.delta", 4096);
  ASSERT_EQ(d.numbers.size(), 1099u);
  EXPECT_EQ(d.numbers.front(), 1u);
  EXPECT_EQ(d.numbers.back(), 1099u);
  EXPECT_EQ(d.images.at(1024), PageOf(img, 1024, 4096));
}

TEST(TablespaceDeltaTest, FullDiskNamesTheDelta) {
  MemFileSystem base;
  Put(base, "/t.ibd", Aged(0x15, 9, 20));
  testing::FaultInjectionFileSystem fs(base);
  fs.FailWritesAfter(1000);
  auto r = CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(0)},
                               Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("/t.ibd.delta"), absl::string_view::npos) << r.status();
}

TEST(TablespaceDeltaTest, CancelStopsTheCopy) {
  MemFileSystem fs;
  Put(fs, "/t.ibd", Aged(0x15, 9, 4));
  std::atomic<bool> cancel{true};
  auto r = CopyTablespaceDelta(fs, Single("/t.ibd"), Read(), {.base_lsn = Lsn(0)},
                               Outputs(fs, {"/t.ibd.delta"}), nullptr, nullptr, &cancel);
  EXPECT_EQ(r.status(), absl::CancelledError("read '/t.ibd': copy cancelled"));
}

}  // namespace
}  // namespace tidemark::engine
