// `tidemark verify` on real backups of a running MariaDB 10.11 server: a backup (also one taken
// under write load) verifies clean, an incremental verifies against its base and not against
// another backup; after a flipped byte in a page of an .ibd, a truncated file and a flipped
// byte in a .frm, verify names all three and exits 3.
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/restore_check.h"
#include "tests/support/sql_loop.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

void FlipByte(const std::string& path, std::streamoff offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << path;
  f.seekg(offset);
  char c = 0;
  f.read(&c, 1);
  c ^= 0x40;
  f.seekp(offset);
  f.write(&c, 1);
  ASSERT_TRUE(f) << path;
}

TEST(VerifyTest, CleanBackupPassesAndDamageIsNamed) {
  TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb");
  TempDir tmp;
  TM_ASSERT_OK_AND_ASSIGN(auto server, TestServer::Start({}));
  TM_ASSERT_OK(server->Query(
      "CREATE DATABASE vt;"
      "CREATE TABLE vt.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB;"
      "INSERT INTO vt.t SELECT seq, RPAD(MD5(seq), 150, '.') FROM vt.seq_1_to_5000;"
      "CREATE TABLE vt.m (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=MyISAM;"
      "INSERT INTO vt.m SELECT seq, RPAD(MD5(seq), 150, '.') FROM vt.seq_1_to_1000"));
  const std::string backup = tmp.Join("backup");
  // A checkpoint first, so that vt.t is copied as vt/t.ibd (not as vt/t.new, a table created
  // after the checkpoint the copy starts from).
  TM_ASSERT_OK_AND_ASSIGN(CommandResult b, Tidemark(TidemarkBackupArgs(*server, backup, {"--innodb-log-checkpoint-now"})));
  ASSERT_EQ(b.exit_code, 0) << b.Describe();

  // A backup taken under write load may have pages newer than its to_lsn, none newer than its
  // last_lsn, and a clean verify.
  const std::string loaded = tmp.Join("loaded");
  {
    TM_ASSERT_OK_AND_ASSIGN(auto load, StartLoop(*server, [](SqlConnection& c, int64_t i) {
      return c.Query(absl::StrFormat(
          "UPDATE vt.t SET v = RPAD(MD5(%d), 150, '+') WHERE id BETWEEN %d AND %d", i,
          (i * 37) % 5000, (i * 37) % 5000 + 40));
    }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    TM_ASSERT_OK_AND_ASSIGN(CommandResult l, Tidemark(TidemarkBackupArgs(*server, loaded, {})));
    ASSERT_EQ(l.exit_code, 0) << l.Describe();
    TM_ASSERT_OK(load->Stop());
    EXPECT_GT(load->iterations(), 0);
  }
  TM_ASSERT_OK_AND_ASSIGN(CommandResult under_load, Tidemark({"verify", "--target-dir", loaded}));
  EXPECT_EQ(under_load.exit_code, 0) << under_load.out << under_load.Describe();

  TM_ASSERT_OK_AND_ASSIGN(CommandResult clean, Tidemark({"verify", "--target-dir", backup}));
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.Describe();
  EXPECT_THAT(clean.out, HasSubstr("': ok; checked"));
  EXPECT_THAT(clean.out, HasSubstr("the redo log"));

  // An incremental on top: its deltas and chain verify against its base, not another backup.
  TM_ASSERT_OK(server->Query("UPDATE vt.t SET v = 'changed' WHERE id < 100"));
  const std::string inc = tmp.Join("inc");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult i,
                          Tidemark(TidemarkBackupArgs(*server, inc, {"--incremental-basedir", backup})));
  ASSERT_EQ(i.exit_code, 0) << i.Describe();
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult inc_ok,
      Tidemark({"verify", "--target-dir", inc, "--incremental-basedir", backup}));
  EXPECT_EQ(inc_ok.exit_code, 0) << inc_ok.out << inc_ok.Describe();
  EXPECT_THAT(inc_ok.out, Not(HasSubstr(" 0 deltas")));
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult wrong_base,
      Tidemark({"verify", "--target-dir", inc, "--incremental-basedir", loaded}));
  EXPECT_EQ(wrong_base.exit_code, 3) << wrong_base.out << wrong_base.Describe();
  // The other backup may well share the checkpoint (to_lsn) if none happened in between:
  // the manifest's base uuid still tells them apart.
  EXPECT_THAT(wrong_base.out, HasSubstr("chain: "));

  FlipByte(backup + "/vt/t.ibd", 3 * 16384 + 1000);  // the clustered index root
  fs::resize_file(backup + "/vt/m.MYD", fs::file_size(backup + "/vt/m.MYD") / 2);
  FlipByte(backup + "/vt/t.frm", 100);

  TM_ASSERT_OK_AND_ASSIGN(CommandResult bad,
                          Tidemark({"verify", "--target-dir", backup, "--parallel", "2"}));
  EXPECT_EQ(bad.exit_code, 3) << bad.out << bad.Describe();
  EXPECT_THAT(bad.out, HasSubstr("page: vt/t.ibd page 3: checksum_mismatch"));
  EXPECT_THAT(bad.out, HasSubstr("hash: vt/t.ibd:"));
  EXPECT_THAT(bad.out, HasSubstr("size: vt/m.MYD:"));
  EXPECT_THAT(bad.out, HasSubstr("hash: vt/t.frm:"));
  EXPECT_THAT(bad.out, HasSubstr("4 problems (hash 2, page 1, size 1)"));

  TM_ASSERT_OK_AND_ASSIGN(CommandResult j,
                          Tidemark({"verify", "--target-dir", backup, "--json"}));
  EXPECT_EQ(j.exit_code, 3);
  const nlohmann::json report = nlohmann::json::parse(j.out);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(report["problems"].size(), 4u);

  TM_ASSERT_OK_AND_ASSIGN(CommandResult none,
                          Tidemark({"verify", "--target-dir", tmp.Join("nothing")}));
  EXPECT_EQ(none.exit_code, 4) << none.Describe();
}

}  // namespace
}  // namespace tidemark::testing
