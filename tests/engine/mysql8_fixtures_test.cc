// Inspects every real MySQL 8 tablespace in ../shared/fixtures/mysql8: flags decode (SDI,
// encryption, zip), every page verifies, encrypted pages are recognised, no crash.
#include <filesystem>

#include "engine/inspect.h"
#include "gtest/gtest.h"
#include "io/posix_file_system.h"
#include "tests/support/test_paths.h"

namespace tidemark::engine {
namespace {

std::vector<TablespaceTarget> Fixtures() {
  std::vector<TablespaceTarget> out;
  const std::string dir = testing::SharedFixturesDir() + "/mysql8";
  if (testing::SharedFixturesDir().empty() || !std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".ibd") out.push_back({.path = e.path(), .files = {e.path()}});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.path < b.path; });
  return out;
}

TEST(MySql8FixturesTest, EveryFileVerifies) {
  std::vector<TablespaceTarget> targets = Fixtures();
  ASSERT_GE(targets.size(), 100u) << "fixtures missing under " << testing::SharedFixturesDir();
  auto fs = io::NewPosixFileSystem();
  for (const TablespaceReport& r : InspectTablespaces(*fs, targets, InspectOptions{})) {
    SCOPED_TRACE(r.target.path);
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(r.header->flags.flavor(), innodb::Flavor::kMySql);
    EXPECT_TRUE(r.header->flags.mysql_sdi);
    EXPECT_TRUE(r.summary->corrupt_pages().empty());
    // The SDI root is page 3; in encrypted files its type reads ENCRYPTED.
    EXPECT_EQ(r.summary->page_types().count(r.context.encrypted ? "ENCRYPTED" : "SDI"), 1u);
  }
}

TEST(MySql8FixturesTest, EncryptedAndCompressedFilesClassified) {
  auto fs = io::NewPosixFileSystem();
  const std::string dir = testing::SharedFixturesDir() + "/mysql8/wilhasse+percona-parser/tests/";
  const std::pair<const char*, uint64_t> kEncrypted[] = {
      {"encrypted_test.ibd", 4}, {"test_compressed_compressed.ibd", 4}, {"test_with_data.ibd", 7}};
  for (const auto& [name, pages] : kEncrypted) {
    TablespaceReport r = InspectTablespace(*fs, {.path = dir + name, .files = {dir + name}}, {});
    ASSERT_TRUE(r.status.ok()) << name << ": " << r.status;
    EXPECT_TRUE(r.context.encrypted) << name;
    EXPECT_EQ(r.summary->verdicts()[static_cast<int>(innodb::PageVerdict::kEncrypted)], pages);
  }
  TablespaceReport zip = InspectTablespace(
      *fs, {.path = dir + "pure_compressed.ibd", .files = {dir + "pure_compressed.ibd"}}, {});
  EXPECT_EQ(zip.header->flags.zip_size(), 8192u);
  EXPECT_EQ(zip.summary->verdicts()[static_cast<int>(innodb::PageVerdict::kOk)], 5u);
}

TEST(MySql8FixturesTest, LobPagesCounted) {
  auto fs = io::NewPosixFileSystem();
  const std::string p =
      testing::SharedFixturesDir() + "/mysql8/KernelMaker+ibdNinja/tests/8.0/fixtures/blob_external.ibd";
  TablespaceReport r = InspectTablespace(*fs, {.path = p, .files = {p}}, {});
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.summary->page_types().at("TYPE_LOB_DATA"), 9u);
  EXPECT_EQ(r.summary->page_types().at("TYPE_LOB_FIRST"), 6u);
}

}  // namespace
}  // namespace tidemark::engine
