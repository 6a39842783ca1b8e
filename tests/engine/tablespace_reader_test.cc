// Tests of TablespaceReader beyond what the inspect tests cover: consumer errors stop the
// read, the system tablespace's doublewrite area is judged once, without re-reads, and a
// list of pages is read in batches, judged like a scan.
#include "engine/tablespace_reader.h"

#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "tests/support/fault_injection_file_system.h"
#include "io/posix_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/tablespace_builder.h"
#include "tests/support/temp_dir.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;
using testing::TablespaceBuilder;

PageReadOptions Buffered(int* sleeps) {
  PageReadOptions o;
  o.direct_io = false;
  o.before_reread = [sleeps] { ++*sleeps; };
  return o;
}

TEST(TablespaceReaderTest, ConsumerErrorStopsTheRead) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 8).Build();
  ASSERT_TRUE(io::WriteStringToFile(fs, "/t.ibd", std::string(img.begin(), img.end())).ok());
  int sleeps = 0;
  auto r = TablespaceReader::Open(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, Buffered(&sleeps));
  ASSERT_TRUE(r.ok()) << r.status();
  int seen = 0;
  absl::Status s = (*r)->ReadPages([&](uint32_t no, ByteSpan, innodb::PageVerdict) {
    ++seen;
    return no == 2 ? absl::ResourceExhaustedError("disk full") : absl::OkStatus();
  });
  EXPECT_EQ(s, absl::ResourceExhaustedError("read '/t.ibd': disk full"));
  EXPECT_EQ(seen, 3);
}

TEST(TablespaceReaderTest, DoublewriteSlotsAreSkippedWithoutReReads) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 0, 200);
  b.Typed(5, 7);  // TRX_SYS
  std::vector<uint8_t> img = b.Build();
  MutableByteSpan trx_sys = MutableByteSpan(img).subspan(5 * 16384, 16384);
  WriteBe32(trx_sys, 16384 - 200 + 10, 536853855);
  WriteBe32(trx_sys, 16384 - 200 + 14, 64);
  WriteBe32(trx_sys, 16384 - 200 + 18, 128);
  TablespaceBuilder::Sign(trx_sys, 0x15);
  for (uint32_t no : {64u, 100u, 191u, 192u}) img[no * 16384 + 8] = 0x77;  // garbage
  ASSERT_TRUE(io::WriteStringToFile(fs, "/ibdata1", std::string(img.begin(), img.end())).ok());
  int sleeps = 0;
  auto r = TablespaceReader::Open(
      fs, {.path = "/ibdata1", .files = {"/ibdata1"}, .kind = TablespaceKind::kSystem},
      Buffered(&sleeps));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<uint32_t> skipped, bad;
  ASSERT_TRUE((*r)->ReadPages([&](uint32_t no, ByteSpan, innodb::PageVerdict v) {
    if (v == innodb::PageVerdict::kSkipped) skipped.push_back(no);
    if (innodb::IsFailure(v)) bad.push_back(no);
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(skipped, (std::vector<uint32_t>{64, 100, 191}));
  EXPECT_EQ(bad, std::vector<uint32_t>{192});
  EXPECT_EQ(sleeps, 3);  // only page 192, outside the doublewrite area, waited
}

// ------------------------------------------------------------------ ReadListedPages

// A system tablespace of 200 pages whose TRX_SYS page names doublewrite blocks 64 and 128.
std::vector<uint8_t> SystemWithDoublewrite() {
  TablespaceBuilder b(0x15, 0, 200);
  b.Typed(5, 7);  // TRX_SYS
  std::vector<uint8_t> img = b.Build();
  MutableByteSpan trx_sys = MutableByteSpan(img).subspan(5 * 16384, 16384);
  WriteBe32(trx_sys, 16384 - 200 + 10, 536853855);
  WriteBe32(trx_sys, 16384 - 200 + 14, 64);
  WriteBe32(trx_sys, 16384 - 200 + 18, 128);
  TablespaceBuilder::Sign(trx_sys, 0x15);
  return img;
}

void PutFile(io::FileSystem& fs, const std::string& path, const std::vector<uint8_t>& bytes) {
  ASSERT_TRUE(io::WriteStringToFile(fs, path, std::string(bytes.begin(), bytes.end())).ok());
}

// Page number (from the FIL header) and verdict of each page ReadListedPages hands out.
struct Seen {
  std::vector<uint32_t> pages;
  std::vector<uint32_t> header_pages;
  std::vector<innodb::PageVerdict> verdicts;
};

absl::Status ReadList(io::FileSystem& fs, const TablespaceTarget& t, PageReadOptions o,
                      const std::vector<uint32_t>& list, Seen* seen, uint64_t* bytes = nullptr) {
  auto r = TablespaceReader::Open(fs, t, o);
  if (!r.ok()) return r.status();
  absl::Status s = (*r)->ReadListedPages(list, [&](uint32_t no, ByteSpan page,
                                                   innodb::PageVerdict v) {
    seen->pages.push_back(no);
    seen->header_pages.push_back(ReadBe32(page, 4));
    seen->verdicts.push_back(v);
    return absl::OkStatus();
  });
  if (bytes) *bytes = (*r)->bytes_read();
  return s;
}

TEST(TablespaceReaderListTest, ReadsOnlyTheListedPagesInOrder) {
  MemFileSystem fs;
  TablespaceBuilder b(0x15, 9, 40);
  for (uint32_t no = 1; no < 40; ++no) b.Index(no, 40, 0, 1, 200);
  PutFile(fs, "/t.ibd", b.Build());
  int sleeps = 0;
  PageReadOptions o = Buffered(&sleeps);
  o.chunk_bytes = 4 * 16384;  // runs of at most 4 pages
  o.depth = 2;                // two runs per batch
  const std::vector<uint32_t> list = {0, 3, 4, 5, 6, 7, 8, 20, 39};
  Seen seen;
  uint64_t bytes = 0;
  ASSERT_TRUE(ReadList(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, o, list, &seen, &bytes).ok());
  EXPECT_EQ(seen.pages, list);
  EXPECT_EQ(seen.header_pages, list);  // each page is the one asked for
  for (innodb::PageVerdict v : seen.verdicts) EXPECT_EQ(v, innodb::PageVerdict::kOk);
  EXPECT_EQ(bytes, list.size() * 16384);
}

TEST(TablespaceReaderListTest, ReadsInBatchesNotOnePageAtATime) {
  MemFileSystem base;
  PutFile(base, "/t.ibd", TablespaceBuilder(0x15, 9, 64).Build());
  testing::FaultInjectionFileSystem fs(base);
  int sleeps = 0;
  std::vector<uint32_t> list;
  for (uint32_t no = 10; no < 42; ++no) list.push_back(no);  // one run of 32 pages
  Seen seen;
  ASSERT_TRUE(ReadList(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, Buffered(&sleeps), list,
                       &seen).ok());
  EXPECT_EQ(seen.pages, list);
  // Page 0 at open (its flags, then the page), then one read for the whole run.
  EXPECT_EQ(fs.count(testing::FsOp::kRead), 3);
}

TEST(TablespaceReaderListTest, FailingPageIsReReadAndJudged) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 9, 10).Index(3, 40, 0, 10, 600).Build();
  img[3 * 16384 + 1000] ^= 4;
  PutFile(fs, "/t.ibd", img);
  int sleeps = 0;
  Seen seen;
  ASSERT_TRUE(ReadList(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, Buffered(&sleeps), {2, 3},
                       &seen).ok());
  EXPECT_EQ(seen.verdicts[1], innodb::PageVerdict::kChecksumMismatch);
  EXPECT_EQ(sleeps, 3);  // stable over the patient re-reads, as in a scan
}

TEST(TablespaceReaderListTest, MultiFilePagesAndPagesPastTheEnd) {
  MemFileSystem fs;
  std::vector<uint8_t> img = TablespaceBuilder(0x15, 0, 10).Index(2, 1, 0, 1, 200)
                                 .Index(6, 1, 0, 1, 200).Build();
  PutFile(fs, "/ibdata1", std::vector<uint8_t>(img.begin(), img.begin() + 4 * 16384));
  PutFile(fs, "/ibdata2", std::vector<uint8_t>(img.begin() + 4 * 16384, img.end()));
  TablespaceTarget t{.path = "/ibdata1", .files = {"/ibdata1", "/ibdata2"},
                     .kind = TablespaceKind::kSystem};
  int sleeps = 0;
  Seen seen;
  ASSERT_TRUE(ReadList(fs, t, Buffered(&sleeps), {2, 3, 4, 6, 9, 10, 500}, &seen).ok());
  // 10 and 500 are past the end; 5 (TRX_SYS) is read for the doublewrite blocks (none here).
  EXPECT_EQ(seen.pages, (std::vector<uint32_t>{2, 3, 4, 5, 6, 9}));
  EXPECT_EQ(seen.header_pages[4], 6u);
}

TEST(TablespaceReaderListTest, SystemTablespaceListAlsoReadsTheDoublewriteBlocks) {
  MemFileSystem fs;
  std::vector<uint8_t> img = SystemWithDoublewrite();
  img[100 * 16384 + 8] = 0x77;  // a doublewrite slot is not judged
  PutFile(fs, "/ibdata1", img);
  int sleeps = 0;
  Seen seen;
  ASSERT_TRUE(ReadList(fs, {.path = "/ibdata1", .files = {"/ibdata1"},
                            .kind = TablespaceKind::kSystem},
                       Buffered(&sleeps), {3, 150, 195}, &seen).ok());
  std::vector<uint32_t> want = {3, 5};
  for (uint32_t no = 64; no < 192; ++no) want.push_back(no);
  want.push_back(195);
  EXPECT_EQ(seen.pages, want);
  EXPECT_EQ(seen.verdicts[2 + 100 - 64], innodb::PageVerdict::kSkipped);
  EXPECT_EQ(sleeps, 0);
}

TEST(TablespaceReaderListTest, ListMustAscend) {
  MemFileSystem fs;
  PutFile(fs, "/t.ibd", TablespaceBuilder(0x15, 9, 10).Build());
  int sleeps = 0;
  Seen seen;
  EXPECT_EQ(ReadList(fs, {.path = "/t.ibd", .files = {"/t.ibd"}}, Buffered(&sleeps), {9, 7},
                     &seen),
            absl::InvalidArgumentError(
                "read '/t.ibd': page 7 listed after page 9 (the list must ascend)"));
  EXPECT_TRUE(seen.pages.empty());
}

TEST(TablespaceReaderListTest, DirectReadsOfSmallPagesAreAligned) {
  // 2 KiB compressed pages: the runs start and end inside 4 KiB blocks, so a direct read
  // covers the whole blocks around them.
  testing::TempDir dir;
  auto fs = io::NewPosixFileSystem();
  TablespaceBuilder b(0x25, 9, 16);
  for (uint32_t no = 1; no < 16; ++no) b.Typed(no, 3);
  PutFile(*fs, dir.Join("z.ibd"), b.Build());
  int sleeps = 0;
  PageReadOptions o = Buffered(&sleeps);
  o.direct_io = true;
  o.chunk_bytes = 4096;  // runs of at most 2 pages
  const std::vector<uint32_t> list = {1, 3, 4, 5, 9, 15};
  Seen seen;
  ASSERT_TRUE(ReadList(*fs, {.path = dir.Join("z.ibd"), .files = {dir.Join("z.ibd")}}, o, list,
                       &seen).ok());
  EXPECT_EQ(seen.pages, list);
  EXPECT_EQ(seen.header_pages, list);
  for (innodb::PageVerdict v : seen.verdicts) EXPECT_EQ(v, innodb::PageVerdict::kOk);
  EXPECT_EQ(sleeps, 0);
}

}  // namespace
}  // namespace tidemark::engine
