// Tests of the non-InnoDB file listing and its copy stages.
#include "engine/non_innodb_files.h"

#include "gtest/gtest.h"
#include "tests/support/mem_file_system.h"

namespace tidemark::engine {
namespace {

TEST(NonInnodbFilesTest, ClassifiesByStage) {
  testing::MemFileSystem fs;
  for (auto d : {"/d/shop", "/d/mysql", "/d/empty", "/d/#innodb_redo"}) {
    ASSERT_TRUE(io::CreateDirs(fs, d).ok());
  }
  for (auto f : {"/d/shop/t.frm", "/d/shop/t.ibd", "/d/shop/m.MYD", "/d/shop/m.MYI", "/d/shop/db.opt",
                 "/d/mysql/user.MAI", "/d/mysql/user.MAD", "/d/aria_log_control",
                 "/d/aria_log.00000001", "/d/ibdata1", "/d/ib_logfile0", "/d/#innodb_redo/x.frm"}) {
    ASSERT_TRUE(io::WriteStringToFile(fs, f, "x").ok()) << f;
  }
  auto l = ListNonInnodbFiles(fs, "/d", "");
  ASSERT_TRUE(l.ok()) << l.status();
  std::vector<std::string> ddl, commit;
  for (const auto& f : l->files) (f.stage == CopyStage::kBlockDdl ? ddl : commit).push_back(f.backup_path);
  EXPECT_EQ(ddl, (std::vector<std::string>{"shop/db.opt", "shop/m.MYD", "shop/m.MYI", "shop/t.frm"}));
  EXPECT_EQ(commit, (std::vector<std::string>{"mysql/user.MAD", "mysql/user.MAI",
                                              "aria_log.00000001", "aria_log_control"}));
  EXPECT_EQ(l->empty_databases, std::vector<std::string>{"empty"});
  EXPECT_EQ(l->files[0].source, "/d/mysql/user.MAD");
}

TEST(NonInnodbFilesTest, MissingDatadir) {
  testing::MemFileSystem fs;
  EXPECT_EQ(ListNonInnodbFiles(fs, "/nope", "").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace tidemark::engine
