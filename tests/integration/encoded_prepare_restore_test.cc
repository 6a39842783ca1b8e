// `tidemark prepare` and `tidemark restore` straight on a compressed and encrypted backup
// (docs/prepare.md "Compressed and encrypted backups"), with no decrypt or decompress step:
// - a `backup --compress --encrypt` directory under write load: prepare without a key or with
//   a wrong one exits 4 and changes nothing, on a damaged chunk 3 naming it; prepare with the
//   key decodes the InnoDB files and leaves the others encoded; restore without a key exits 4
//   and writes nothing, on a damaged file 3 naming it; restore with
//   the key passes the restore check (TESTING.md): CHECK TABLE EXTENDED clean and, after the
//   binlog replay from the backup's position, every CHECKSUM TABLE equal to the source's;
// - an encrypted incremental applied with --incremental-dir to a compressed full backup is not
//   modified, its scratch copy is removed, and a --move restore passes the same check.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "tests/support/mixed_load.h"
#include "tests/support/restore_check.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// `tidemark backup --target-dir target EXTRA...` of `server` under the mixed load.
absl::Status BackupUnderLoad(TestServer& server, const std::string& target,
                             const std::vector<std::string>& extra) {
  std::vector<std::string> argv = TidemarkBackupArgs(server, target, extra);
  argv.insert(argv.begin(), TidemarkBinary());
  return RunUnderMixedLoad(server, argv).status();
}

// Flips one byte in the middle of `path`.
void FlipByte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(fs::file_size(path) / 2));
  const char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  f.put(static_cast<char>(c ^ 0x20));
}

// Every file under `dir` with its bytes: to show a directory was not changed.
std::map<std::string, std::string> Contents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = ReadWholeFile(e.path());
  }
  return out;
}

// The files under `dir` whose names say they are still compressed or encrypted.
std::vector<std::string> EncodedFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string p = e.path().string();
    if (p.ends_with(".zst") || p.ends_with(".tmenc")) out.push_back(p);
  }
  return out;
}


class EncodedPrepareRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-binlog");
    ASSERT_EQ(std::getenv("TIDEMARK_ENCRYPT_KEY"), nullptr) << "the tests give the key by file";
    auto server = TestServer::Start({.log_file_size = "64M"});
    ASSERT_TRUE(server.ok()) << server.status();
    source_ = std::move(*server);
    TM_ASSERT_OK(CreateMixedTables(*source_));
    key_ = WriteKey("key", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  }
  std::string WriteKey(const std::string& name, const std::string& hex) {
    const std::string path = tmp_.Join(name);
    std::ofstream(path) << hex << "\n";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    return path;
  }

  TempDir tmp_;
  std::unique_ptr<TestServer> source_;
  std::string key_;
};

TEST_F(EncodedPrepareRestoreTest, CompressedEncryptedBackupPreparesAndRestoresDirectly) {
  const std::string dir = tmp_.Join("backup");
  TM_ASSERT_OK(BackupUnderLoad(*source_, dir,
                               {"--compress", "--encrypt=AES256", "--encrypt-key-file", key_}));
  // A table created after the server's last checkpoint is copied as s/t.new (INNODB_FORMATS.md
  // §5.5); prepare makes it s/t.ibd either way.
  const std::string t_stored =
      fs::exists(dir + "/s/t.ibd.zst.tmenc") ? "s/t.ibd.zst.tmenc" : "s/t.new.zst.tmenc";
  ASSERT_TRUE(fs::exists(dir + "/" + t_stored));
  ASSERT_TRUE(fs::exists(dir + "/ib_logfile0.zst.tmenc"));
  const auto stored = Contents(dir);

  TM_ASSERT_OK_AND_ASSIGN(CommandResult none, Tidemark({"prepare", "--target-dir", dir}));
  EXPECT_EQ(none.exit_code, 4) << none.Describe();
  EXPECT_THAT(none.err, HasSubstr(".zst.tmenc' is encrypted: no key given"));
  const std::string wrong = WriteKey("wrong", std::string(64, 'a'));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult bad, Tidemark({"prepare", "--target-dir", dir,
                                                       "--encrypt-key-file", wrong}));
  EXPECT_EQ(bad.exit_code, 4) << bad.Describe();
  EXPECT_THAT(bad.err, HasSubstr("wrong key"));
  EXPECT_TRUE(Contents(dir) == stored) << "a refused prepare changed the backup";

  {  // A damaged chunk, on a copy: exit 3 naming the file and the chunk; nothing prepared.
    const std::string flipped = tmp_.Join("flipped");
    TM_ASSERT_OK(CopyTree(dir, flipped));
    FlipByte(flipped + "/" + t_stored);
    TM_ASSERT_OK_AND_ASSIGN(CommandResult d, Tidemark({"prepare", "--target-dir", flipped,
                                                       "--encrypt-key-file", key_}));
    EXPECT_EQ(d.exit_code, 3) << d.Describe();
    EXPECT_THAT(d.err, HasSubstr(t_stored + "' chunk "));
    EXPECT_THAT(d.err, HasSubstr("authentication failed"));
    EXPECT_EQ(ReadWholeFile(flipped + "/xtrabackup_checkpoints"),
              ReadWholeFile(dir + "/xtrabackup_checkpoints"));
    fs::remove_all(flipped);
  }
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p, Tidemark({"prepare", "--target-dir", dir,
                                                     "--encrypt-key-file", key_}));
  ASSERT_EQ(p.exit_code, 0) << p.Describe();
  EXPECT_THAT(p.err, HasSubstr("compressed or encrypted files decoded"));
  EXPECT_TRUE(fs::exists(dir + "/s/t.ibd"));
  EXPECT_FALSE(fs::exists(dir + "/" + t_stored));
  EXPECT_TRUE(fs::exists(dir + "/s/m.MYD.zst.tmenc")) << "non-InnoDB files stay encoded";

  const std::string datadir = tmp_.Join("restored");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r0, Tidemark({"restore", "--target-dir", dir,
                                                      "--datadir", datadir}));
  EXPECT_EQ(r0.exit_code, 4) << r0.Describe();
  EXPECT_THAT(r0.err, HasSubstr("is encrypted: no key given"));
  EXPECT_FALSE(fs::exists(datadir));
  {  // A damaged non-InnoDB file, on a copy of the prepared backup: restore exits 3 naming it.
    const std::string flipped = tmp_.Join("flipped-prepared");
    TM_ASSERT_OK(CopyTree(dir, flipped));
    FlipByte(flipped + "/s/m.MYD.zst.tmenc");
    TM_ASSERT_OK_AND_ASSIGN(CommandResult d, Tidemark({"restore", "--target-dir", flipped,
                                                       "--datadir", tmp_.Join("damaged"),
                                                       "--encrypt-key-file", key_}));
    EXPECT_EQ(d.exit_code, 3) << d.Describe();
    EXPECT_THAT(d.err, HasSubstr("s/m.MYD.zst.tmenc"));
    EXPECT_FALSE(fs::exists(tmp_.Join("damaged/s/m.MYD")));
    fs::remove_all(flipped);
  }
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore", "--target-dir", dir, "--datadir",
                                                     datadir, "--encrypt-key-file", key_,
                                                     "--parallel", "2"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::printf("[tidemark] %s\n", LineStartingWith(r.err, "tidemark: restore complete").c_str());
  EXPECT_THAT(EncodedFiles(datadir), IsEmpty());
  EXPECT_TRUE(fs::exists(datadir + "/s/m.MYD"));
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = datadir}));
  ExpectRestoreCheck(*source_, *restored, dir);
}

TEST_F(EncodedPrepareRestoreTest, EncryptedIncrementalAppliedDirectlyAndMovedBack) {
  const std::string full = tmp_.Join("full"), inc = tmp_.Join("inc");
  TM_ASSERT_OK(BackupUnderLoad(*source_, full, {"--compress"}));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p1,
                          Tidemark({"prepare", "--apply-log-only", "--target-dir", full}));
  ASSERT_EQ(p1.exit_code, 0) << p1.Describe();
  TM_ASSERT_OK(source_->Query(
      "CREATE TABLE s.added (id INT PRIMARY KEY, v VARCHAR(50)) ENGINE=InnoDB;"
      "INSERT INTO s.added SELECT seq, MD5(seq) FROM s.seq_1_to_3000;"
      "DELETE FROM s.t WHERE id % 10 = 3;"
      "INSERT INTO s.m SELECT seq, 'after' FROM s.seq_2000_to_2100"));
  TM_ASSERT_OK(BackupUnderLoad(*source_, inc,
                               {"--incremental-basedir", full, "--compress=zstd:3",
                                "--encrypt=AES256", "--encrypt-key-file", key_}));
  ASSERT_TRUE(fs::exists(inc + "/ib_logfile0.zst.tmenc"));
  const auto inc_stored = Contents(inc);

  TM_ASSERT_OK_AND_ASSIGN(CommandResult p2, Tidemark({"prepare", "--target-dir", full,
                                                      "--incremental-dir", inc,
                                                      "--encrypt-key-file", key_}));
  ASSERT_EQ(p2.exit_code, 0) << p2.Describe();
  EXPECT_THAT(p2.err, HasSubstr("files of the incremental decoded to scratch"));
  EXPECT_TRUE(Contents(inc) == inc_stored) << "the incremental backup was modified";
  EXPECT_FALSE(fs::exists(full + ".tidemark-incremental")) << "the scratch copy is left";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p3, Tidemark({"prepare", "--target-dir", full}));
  ASSERT_EQ(p3.exit_code, 0) << p3.Describe();

  const std::string datadir = tmp_.Join("restored");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore", "--move", "--target-dir", full,
                                                     "--datadir", datadir,
                                                     "--encrypt-key-file", key_}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_THAT(EncodedFiles(datadir), IsEmpty());
  EXPECT_THAT(EncodedFiles(full), IsEmpty()) << "--move takes every file but the metadata";
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = datadir}));
  ExpectRestoreCheck(*source_, *restored, full);
}

}  // namespace
}  // namespace tidemark::testing
