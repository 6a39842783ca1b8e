// Tests of tablespace discovery in datadirs and backup directories.
#include "engine/tablespace_finder.h"

#include "gtest/gtest.h"
#include "tests/support/mem_file_system.h"

namespace tidemark::engine {
namespace {

using testing::MemFileSystem;

void Touch(io::FileSystem& fs, const std::string& path, std::string_view contents = "x") {
  ASSERT_TRUE(io::WriteStringToFile(fs, path, contents).ok()) << path;
}

std::vector<std::string> Paths(const std::vector<TablespaceTarget>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.path);
  return out;
}

TEST(TablespaceFinderTest, DatadirOrder) {
  MemFileSystem fs;
  ASSERT_TRUE(io::CreateDirs(fs, "/d/db1").ok() && io::CreateDirs(fs, "/d/a").ok());
  for (auto p : {"/d/ibdata2", "/d/ibdata1", "/d/undo001", "/d/ibtmp1", "/d/ib_logfile0",
                 "/d/mysql.ibd", "/d/db1/t.ibd", "/d/db1/t.frm", "/d/a/z.ibd", "/d/db1/t.delta"}) {
    Touch(fs, p);
  }
  auto ts = FindTablespaces(fs, {"/d"});
  ASSERT_TRUE(ts.ok()) << ts.status();
  EXPECT_EQ(Paths(*ts), (std::vector<std::string>{"/d/ibdata1", "/d/undo001", "/d/mysql.ibd",
                                                  "/d/a/z.ibd", "/d/db1/t.ibd"}));
  EXPECT_EQ((*ts)[0].files, (std::vector<std::string>{"/d/ibdata1", "/d/ibdata2"}));
  EXPECT_EQ((*ts)[0].kind, TablespaceKind::kSystem);
  EXPECT_EQ((*ts)[1].kind, TablespaceKind::kUndo);
}

TEST(TablespaceFinderTest, IslPointsAtDataDirectory) {
  MemFileSystem fs;
  ASSERT_TRUE(io::CreateDirs(fs, "/d/db").ok() && io::CreateDirs(fs, "/other").ok());
  Touch(fs, "/d/db/t.isl", "/other/t.ibd\n");
  Touch(fs, "/other/t.ibd");
  auto ts = FindTablespaces(fs, {"/d"});
  ASSERT_TRUE(ts.ok()) << ts.status();
  ASSERT_EQ(ts->size(), 1u);
  EXPECT_EQ((*ts)[0].files, std::vector<std::string>{"/other/t.ibd"});
}

TEST(TablespaceFinderTest, SingleFileAndErrors) {
  MemFileSystem fs;
  ASSERT_TRUE(io::CreateDirs(fs, "/empty").ok() && io::CreateDirs(fs, "/x").ok());
  Touch(fs, "/x/undo_002");
  auto one = FindTablespaces(fs, {"/x/undo_002"});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)[0].kind, TablespaceKind::kUndo);
  EXPECT_EQ(FindTablespaces(fs, {"/empty"}).status(),
            absl::NotFoundError("no tablespace found in '/empty'"));
  EXPECT_EQ(FindTablespaces(fs, {"/nope"}).status().code(), absl::StatusCode::kNotFound);
}

TEST(TablespaceFinderTest, KindFromName) {
  EXPECT_EQ(KindFromName("ibdata1"), TablespaceKind::kSystem);
  EXPECT_EQ(KindFromName("undo003"), TablespaceKind::kUndo);
  EXPECT_EQ(KindFromName("undo_003"), TablespaceKind::kUndo);
  EXPECT_EQ(KindFromName("t.ibd"), TablespaceKind::kFilePerTable);
  EXPECT_EQ(KindFromName("undo_log.txt"), TablespaceKind::kOther);
}

}  // namespace
}  // namespace tidemark::engine
