// `tidemark restore-test` end to end: a real tidemark backup of a throwaway server with a few
// tables (one spanning many pages, one small, one empty).
//  (a) On the raw backup it must pass, report every table with the right row count, leave the
//      backup untouched (still unprepared), and leave no scratch directory and no mariadbd
//      behind.
//  (b) On a prepared copy whose items.ibd has bytes flipped in a leaf page in the middle of
//      the file (checksum not fixed), it must exit 3 and name shop.items, and clean up too.
//  (c) With --keep, the server stays up on the socket it names until it is shut down.
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/endian.h"
#include "nlohmann/json.hpp"
#include "tests/support/restore_check.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr size_t kPageSize = 16384;
constexpr size_t kFilPageType = 24, kPageLevel = 38 + 26;
constexpr uint16_t kFilPageIndex = 17855;

// Processes whose command line mentions `text` (a scratch path: a leftover mariadbd).
std::vector<std::string> ProcessesMentioning(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadWholeFile(e.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (absl::StrContains(cmdline, text)) found.push_back(name + ": " + cmdline);
  }
  return found;
}

size_t Entries(const std::string& dir) {
  return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
}

// Flips 16 bytes in the body of the middle leaf page of `ibd`; returns its page number.
int64_t DamageMiddleLeafPage(const std::string& ibd) {
  std::string bytes = ReadWholeFile(ibd);
  std::vector<size_t> leaves;
  for (size_t p = 3; (p + 1) * kPageSize <= bytes.size(); ++p) {
    const ByteSpan page(reinterpret_cast<const uint8_t*>(bytes.data() + p * kPageSize),
                        kPageSize);
    if (ReadBe16(page, kFilPageType) == kFilPageIndex && ReadBe16(page, kPageLevel) == 0) {
      leaves.push_back(p);
    }
  }
  if (leaves.size() < 3) return -1;
  const size_t page = leaves[leaves.size() / 2];
  for (size_t i = 0; i < 16; ++i) bytes[page * kPageSize + 2000 + i] ^= 0x5a;
  std::ofstream(ibd, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  return static_cast<int64_t>(page);
}

const nlohmann::json* FindTable(const nlohmann::json& report, const std::string& name) {
  for (const auto& t : report["tables"]) {
    if (t["schema"].get<std::string>() + "." + t["table"].get<std::string>() == name) return &t;
  }
  return nullptr;
}

void ExpectCleanedUp(const std::string& scratch) {
  EXPECT_EQ(Entries(scratch), 0u) << "a scratch directory was left in " << scratch;
  EXPECT_THAT(ProcessesMentioning(scratch), ::testing::IsEmpty());
}

TEST(RestoreTestTest, GoodBackupPassesAndDamagedPageNamesTheTable) {
  TM_REQUIRE_MARIADB();
  TempDir tmp;
  const std::string backup = tmp.Join("backup"), damaged = tmp.Join("damaged");
  const std::string scratch = tmp.Join("scratch");
  fs::create_directory(scratch);
  {
    TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start());
    TM_ASSERT_OK(source->Query(
        "CREATE DATABASE shop; "
        "CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40), pad VARCHAR(300)); "
        "INSERT INTO shop.items SELECT seq, CONCAT('item', seq), REPEAT('x', 250) "
        "FROM shop.seq_1_to_4000; "
        "CREATE TABLE shop.orders (id INT PRIMARY KEY, item INT, KEY (item)); "
        "INSERT INTO shop.orders SELECT seq, seq * 3 FROM shop.seq_1_to_123; "
        "CREATE TABLE shop.empty_t (id INT PRIMARY KEY)"));
    TM_ASSERT_OK_AND_ASSIGN(CommandResult b, Tidemark(TidemarkBackupArgs(*source, backup, {})));
    ASSERT_EQ(b.exit_code, 0) << b.Describe();
  }
  const std::string checkpoints_before = ReadWholeFile(backup + "/xtrabackup_checkpoints");

  // (a) the raw backup: copied, prepared and checked in the scratch directory.
  TM_ASSERT_OK_AND_ASSIGN(CommandResult good,
                          Tidemark({"restore-test", "--target-dir", backup, "--scratch-dir",
                                    scratch, "--json"}));
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  const nlohmann::json report = nlohmann::json::parse(good.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["prepared_copy"], true);
  for (const auto& [name, rows] : std::vector<std::pair<std::string, int>>{
           {"shop.items", 4000}, {"shop.orders", 123}, {"shop.empty_t", 0}}) {
    const nlohmann::json* t = FindTable(report, name);
    ASSERT_NE(t, nullptr) << name << " missing from " << good.out;
    EXPECT_EQ((*t)["rows"], rows) << name;
    EXPECT_EQ((*t)["status"], "OK") << name;
  }
  EXPECT_NE(FindTable(report, "mysql.global_priv"), nullptr);  // system tables are checked too
  EXPECT_EQ(report["totals"]["failed"], 0);
  EXPECT_EQ(ReadWholeFile(backup + "/xtrabackup_checkpoints"), checkpoints_before);
  ExpectCleanedUp(scratch);

  // (b) a prepared copy with a damaged leaf page in shop.items.
  TM_ASSERT_OK(CopyTree(backup, damaged));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p, Tidemark({"prepare", "--target-dir", damaged}));
  ASSERT_EQ(p.exit_code, 0) << p.Describe();
  const int64_t page = DamageMiddleLeafPage(damaged + "/shop/items.ibd");
  ASSERT_GT(page, 3) << "no leaf pages found in items.ibd";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult bad,
                          Tidemark({"restore-test", "--target-dir", damaged, "--scratch-dir",
                                    scratch}));
  EXPECT_EQ(bad.exit_code, 3) << bad.Describe();
  EXPECT_THAT(bad.out, HasSubstr("FAILED  shop.items")) << bad.Describe();
  EXPECT_THAT(bad.out, ::testing::Not(HasSubstr("FAILED  shop.orders"))) << bad.Describe();
  EXPECT_THAT(bad.err, HasSubstr("restore-test of '" + damaged + "' FAILED"));
  ExpectCleanedUp(scratch);

  // (c) --keep: the server stays up on the copy, answers on the socket the report gives, and
  // is what ExpectCleanedUp would catch; it goes away on SHUTDOWN.
  TM_ASSERT_OK_AND_ASSIGN(CommandResult kept,
                          Tidemark({"restore-test", "--target-dir", damaged, "--scratch-dir",
                                    scratch, "--keep", "--json"}));
  EXPECT_EQ(kept.exit_code, 3) << kept.Describe();
  const nlohmann::json k = nlohmann::json::parse(kept.out);
  ASSERT_TRUE(k.contains("kept")) << kept.out;
  const std::string socket = k["kept"]["socket"];
  EXPECT_THAT(kept.err, HasSubstr("mariadb --socket=" + socket));
  EXPECT_THAT(ProcessesMentioning(scratch), ::testing::SizeIs(1));
  {
    TM_ASSERT_OK_AND_ASSIGN(auto conn, SqlConnection::Connect(socket));
    TM_ASSERT_OK_AND_ASSIGN(auto rows, conn->QueryRows("SELECT COUNT(*) FROM shop.orders"));
    EXPECT_EQ(rows[0][0], "123");
    conn->Query("SHUTDOWN").IgnoreError();
  }
  for (int i = 0; i < 600 && !ProcessesMentioning(scratch).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(ProcessesMentioning(scratch), ::testing::IsEmpty());
  fs::remove_all(k["kept"]["scratch_dir"].get<std::string>());
}

TEST(RestoreTestTest, NotABackupIsExit4AndMissingServerIsExit6) {
  TempDir tmp;
  const std::string scratch = tmp.Join("scratch");
  fs::create_directory(scratch);
  fs::create_directory(tmp.Join("empty"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore-test", "--target-dir",
                                                     tmp.Join("empty"), "--scratch-dir", scratch}));
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("is not a backup"));
  // A prepared-looking backup and a mariadbd that does not exist: an environmental failure.
  fs::create_directory(tmp.Join("b"));
  std::ofstream(tmp.Join("b/xtrabackup_checkpoints"))
      << "backup_type = log-applied\nfrom_lsn = 0\nto_lsn = 1\nlast_lsn = 1\n";
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult m, Tidemark({"restore-test", "--target-dir", tmp.Join("b"), "--scratch-dir",
                                 scratch, "--mariadbd", tmp.Join("no-such-mariadbd")}));
  EXPECT_EQ(m.exit_code, 6) << m.Describe();
  EXPECT_THAT(m.err, HasSubstr("no-such-mariadbd"));
  EXPECT_EQ(Entries(scratch), 0u);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult u, Tidemark({"restore-test"}));
  EXPECT_EQ(u.exit_code, 2) << u.Describe();
}


TEST(RestoreTestTest, CtrlCCleansUp) {
  TM_REQUIRE_MARIADB();
  TempDir tmp;
  const std::string backup = tmp.Join("backup"), scratch = tmp.Join("scratch");
  fs::create_directory(scratch);
  {
    TM_ASSERT_OK_AND_ASSIGN(auto source, TestServer::Start());
    TM_ASSERT_OK(source->Query("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY)"));
    TM_ASSERT_OK_AND_ASSIGN(CommandResult b, Tidemark(TidemarkBackupArgs(*source, backup, {})));
    ASSERT_EQ(b.exit_code, 0) << b.Describe();
  }
  TM_ASSERT_OK_AND_ASSIGN(
      auto rt, BackgroundCommand::Start({TidemarkBinary(), "restore-test", "--target-dir", backup,
                                         "--scratch-dir", scratch},
                                        tmp.Join("rt")));
  ASSERT_TRUE(rt->WaitForErr("starting mariadbd on the copy", std::chrono::seconds(120)))
      << rt->ErrSoFar();
  // Once the scratch server runs (or is starting), Ctrl-C.
  for (int i = 0; i < 200 && ProcessesMentioning(scratch).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(ProcessesMentioning(scratch).empty()) << rt->ErrSoFar();
  rt->Signal(SIGINT);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, rt->Wait(std::chrono::seconds(120)));
  EXPECT_EQ(r.exit_code, 130) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("removed the scratch copy"));
  EXPECT_THAT(ProcessesMentioning(scratch), ::testing::IsEmpty());
  EXPECT_EQ(Entries(scratch), 0u);
}

}  // namespace
}  // namespace tidemark::testing
