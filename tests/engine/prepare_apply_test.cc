// Tests of applying one batch: the skip rule, pages initialised by the log, groups and
// threads, and the errors that name the page and file.
#include "engine/prepare_apply.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/varint.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/tablespace_builder.h"

namespace tidemark::engine {
namespace {

using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::TablespaceBuilder;
constexpr uint32_t kPage = 16384;
constexpr uint8_t kWrite = 0x30, kInit = 0x10;

innodb::RedoPageId Pid(uint32_t p) { return {SpaceId(7), PageNo(p)}; }

// WRITE payload: offset varint then data.
std::vector<uint8_t> W(uint32_t offset, std::string_view data) {
  std::vector<uint8_t> p;
  innodb::AppendVarint(offset, p);
  p.insert(p.end(), data.begin(), data.end());
  return p;
}

struct Fixture {
  MemFileSystem fs;
  std::unique_ptr<PrepareSpaces> spaces;
  Fixture() {
    EXPECT_TRUE(io::CreateDirs(fs, "bk/db").ok());
    // Page LSNs are 0x1000 + page number (TablespaceBuilder); page 4 is newer than the log.
    std::vector<uint8_t> t = TablespaceBuilder(0x15, 7, 6).Lsn(4, 90000).Build();
    EXPECT_TRUE(io::WriteStringToFile(fs, "bk/db/t.ibd", std::string(t.begin(), t.end())).ok());
    spaces = std::make_unique<PrepareSpaces>(*PrepareSpaces::Discover(fs, "bk"));
  }
  std::string Page(uint32_t p) { return io::ReadFileToString(fs, "bk/db/t.ibd")->substr(p * kPage, kPage); }
};

TEST(PrepareApplyTest, AppliesNewerEntriesAndSkipsOlderOnes) {
  Fixture f;
  innodb::PageLogStore store;
  store.Add(Pid(3), Lsn(50000), Lsn(50020), kWrite, W(100, "abc"));
  store.Add(Pid(4), Lsn(50000), Lsn(50020), kWrite, W(100, "abc"));  // page LSN 90000: on disk
  const std::string before4 = f.Page(4);
  ApplyStats stats;
  TM_ASSERT_OK(ApplyBatch(f.fs, "bk", *f.spaces, store, {}, stats, nullptr));
  EXPECT_EQ(stats.pages_written, 1u);
  EXPECT_EQ(stats.entries_skipped, 1u);
  EXPECT_EQ(f.Page(3).substr(100, 3), "abc");
  EXPECT_EQ(ReadBe64(ByteSpan(reinterpret_cast<const uint8_t*>(f.Page(3).data()), kPage), innodb::kFilPageLsn), 50020u);
  EXPECT_EQ(f.Page(4), before4);
}

TEST(PrepareApplyTest, InitialisedPageIsNotRead) {
  Fixture f;
  innodb::PageLogStore store;
  store.Add(Pid(8), Lsn(50000), Lsn(50020), kInit, {});
  ApplyStats stats;
  TM_ASSERT_OK(ApplyBatch(f.fs, "bk", *f.spaces, store, {}, stats, nullptr));
  EXPECT_EQ(stats.pages_read, 0u);
  EXPECT_EQ(f.fs.Stat("bk/db/t.ibd")->size, 9u * kPage);
}

TEST(PrepareApplyTest, GroupsAndThreadsGiveTheSameBytes) {
  Fixture one, many;
  innodb::PageLogStore store;
  for (uint32_t p = 1; p < 6; ++p) store.Add(Pid(p), Lsn(50000 + p), Lsn(50100), kWrite, W(200, "xyz"));
  ApplyStats s1, s2;
  TM_ASSERT_OK(ApplyBatch(one.fs, "bk", *one.spaces, store, {}, s1, nullptr));
  std::vector<uint64_t> progress;
  // With the journal, a group gets a quarter of group_bytes (see ApplyBatch): 2 pages.
  TM_ASSERT_OK(ApplyBatch(many.fs, "bk", *many.spaces, store, {.parallel = 3, .group_bytes = 8 * kPage},
                          s2, [&](uint64_t done) { progress.push_back(done); }));
  EXPECT_EQ(progress, (std::vector<uint64_t>{2, 4, 5}));
  EXPECT_EQ(s2.groups, 3u);
  EXPECT_EQ(*io::ReadFileToString(one.fs, "bk/db/t.ibd"), *io::ReadFileToString(many.fs, "bk/db/t.ibd"));
}

TEST(PrepareApplyTest, RecordThatDoesNotApplyNamesThePage) {
  Fixture f;
  innodb::PageLogStore store;
  store.Add(Pid(3), Lsn(50000), Lsn(50020), kWrite, W(kPage - 2, "abcd"));
  const std::string before = *io::ReadFileToString(f.fs, "bk/db/t.ibd");
  ApplyStats stats;
  absl::Status s = ApplyBatch(f.fs, "bk", *f.spaces, store, {}, stats, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(std::string(s.message()).substr(0, 46), "tablespace 7 page 3 ('db/t.ibd'): mtr at LSN 5");
  EXPECT_EQ(*io::ReadFileToString(f.fs, "bk/db/t.ibd"), before);
}

}  // namespace
}  // namespace tidemark::engine
