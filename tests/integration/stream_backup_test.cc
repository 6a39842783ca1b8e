// `tidemark backup --stream xbstream` on a server under write load, end to end:
// - a plain stream unpacked by `mbstream -x` and prepared by `mariadb-backup --prepare` passes
//   the restore check (TESTING.md): every table present, CHECK TABLE EXTENDED clean, and after
//   binlog replay from the backup's position every CHECKSUM TABLE equal to the source's;
// - a compressed and encrypted stream round-trips through `tidemark extract`, `decrypt`,
//   `decompress`, `prepare` and `restore` and passes the same check, with no plaintext of the
//   data in the stream; `extract --decrypt --decompress` gives the same tree in one pass;
// - an incremental streamed on top of a streamed full backup's --extra-lsndir prepares and
//   restores the same way;
// - damage is named with a non-zero exit: a truncated stream (extract, 4), a wrong key
//   (decrypt, 4), a flipped byte in an encrypted chunk (decrypt, 3, file and chunk), a reader
//   that goes away (backup, 7, the lock released).
#include <filesystem>
#include <fstream>
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

// A marker stored in the data: it must not appear in an encrypted stream.
constexpr char kMarker[] = "TIDEMARK-PLAINTEXT-MARKER-";

// `tidemark backup --stream xbstream EXTRA...` of `server` under the mixed load; its stdout.
absl::StatusOr<std::string> StreamUnderLoad(TestServer& server,
                                            const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {TidemarkBinary(), "backup", "--stream", "xbstream",
                                   "--socket", server.socket(), "--user", "root",
                                   "--parallel", "2"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  TM_ASSIGN_OR_RETURN(CommandResult r, RunUnderMixedLoad(server, argv));
  std::printf("[tidemark] stream %.1f MiB\n", r.out.size() / 1048576.0);
  return std::move(r.out);
}

absl::StatusOr<CommandResult> TidemarkWithStdin(std::vector<std::string> args,
                                                const std::string& in) {
  args.insert(args.begin(), TidemarkBinary());
  return RunCommand(args, {.stdin_data = in, .timeout = std::chrono::minutes(5)});
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}


class StreamBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "mariadb-backup",
                        "mbstream", "mariadb-binlog");
    auto server = TestServer::Start({.log_file_size = "64M"});
    ASSERT_TRUE(server.ok()) << server.status();
    source_ = std::move(*server);
    TM_ASSERT_OK(CreateMixedTables(*source_, kMarker));
  }

  TempDir tmp_;
  std::unique_ptr<TestServer> source_;
};

TEST_F(StreamBackupTest, StreamUnpackedByMbstreamAndPreparedByMariadbBackupRestores) {
  TM_ASSERT_OK_AND_ASSIGN(std::string stream, StreamUnderLoad(*source_, {}));
  const std::string dir = tmp_.Join("unpacked");
  fs::create_directories(dir);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult mb,
                          RunCommand({"mbstream", "-x", "-C", dir}, {.stdin_data = stream}));
  ASSERT_EQ(mb.exit_code, 0) << mb.Describe();
  EXPECT_TRUE(fs::exists(dir + "/tidemark_manifest.json"));
  EXPECT_TRUE(fs::exists(dir + "/xtrabackup_checkpoints"));
  EXPECT_THAT(ReadWholeFile(dir + "/xtrabackup_info"), HasSubstr("format = mbstream"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult v, Tidemark({"verify", "--target-dir", dir}));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.Describe();

  const std::string prepared = tmp_.Join("prepared");
  TM_ASSERT_OK(PrepareCopy(dir, prepared));
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = prepared}));
  ExpectRestoreCheck(*source_, *restored, dir);
}

TEST_F(StreamBackupTest, CompressedEncryptedStreamRoundTripsAndDamageIsNamed) {
  const std::string key = tmp_.Join("key");
  WriteFile(key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  TM_ASSERT_OK_AND_ASSIGN(
      std::string stream,
      StreamUnderLoad(*source_, {"--compress=zstd:3", "--encrypt=AES256", "--encrypt-key-file",
                                 key, "--extra-lsndir", tmp_.Join("lsn")}));
  EXPECT_EQ(stream.find(kMarker), std::string::npos) << "plaintext in the encrypted stream";
  EXPECT_TRUE(fs::exists(tmp_.Join("lsn/xtrabackup_checkpoints")));
  EXPECT_TRUE(fs::exists(tmp_.Join("lsn/tidemark_manifest.json")));

  // Damage first, on copies: a truncated stream, a wrong key, a flipped encrypted byte.
  {
    TM_ASSERT_OK_AND_ASSIGN(
        CommandResult cut,
        TidemarkWithStdin({"extract", "-C", tmp_.Join("cut"), "--no-sync"},
                          stream.substr(0, stream.size() * 2 / 3)));
    EXPECT_EQ(cut.exit_code, 4) << cut.Describe();
    EXPECT_THAT(cut.err, HasSubstr("truncated stream 'stdin'"));
  }
  const std::string dir = tmp_.Join("unpacked");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult x,
                          TidemarkWithStdin({"extract", "-C", dir, "--no-sync"}, stream));
  ASSERT_EQ(x.exit_code, 0) << x.Describe();
  // s/t.new when the table was created after the checkpoint the redo copy starts from.
  const std::string t = fs::exists(dir + "/s/t.new.zst.tmenc") ? "s/t.new" : "s/t.ibd";
  ASSERT_TRUE(fs::exists(dir + "/" + t + ".zst.tmenc"));
  ASSERT_TRUE(fs::exists(dir + "/s/m.MYD.zst.tmenc"));
  ASSERT_TRUE(fs::exists(dir + "/ib_logfile0.zst.tmenc"));
  ASSERT_TRUE(fs::exists(dir + "/xtrabackup_checkpoints"));  // plain, for incrementals
  {
    const std::string wrong = tmp_.Join("wrong-key");
    WriteFile(wrong, std::string(64, 'a'));
    TM_ASSERT_OK(CopyTree(dir, tmp_.Join("wrong")));
    TM_ASSERT_OK_AND_ASSIGN(CommandResult w, Tidemark({"decrypt", "--target-dir",
                                                       tmp_.Join("wrong"), "--encrypt-key-file",
                                                       wrong}));
    EXPECT_EQ(w.exit_code, 4) << w.Describe();
    EXPECT_THAT(w.err, HasSubstr(t + ".zst.tmenc': wrong key"));

    TM_ASSERT_OK(CopyTree(dir, tmp_.Join("flipped")));
    const std::string victim = tmp_.Join("flipped/" + t + ".zst.tmenc");
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(victim) / 2));
    f.put('\x5a');
    f.close();
    TM_ASSERT_OK_AND_ASSIGN(CommandResult d, Tidemark({"decrypt", "--target-dir",
                                                       tmp_.Join("flipped"),
                                                       "--encrypt-key-file", key}));
    EXPECT_EQ(d.exit_code, 3) << d.Describe();
    EXPECT_THAT(d.err, ::testing::ContainsRegex(t + ".zst.tmenc' chunk [0-9]+: "
                                                    "authentication failed"));
  }

  TM_ASSERT_OK_AND_ASSIGN(CommandResult dec, Tidemark({"decrypt", "--target-dir", dir,
                                                       "--encrypt-key-file", key,
                                                       "--remove-original", "--parallel", "2"}));
  ASSERT_EQ(dec.exit_code, 0) << dec.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult dez, Tidemark({"decompress", "--target-dir", dir,
                                                       "--remove-original", "--parallel", "2"}));
  ASSERT_EQ(dez.exit_code, 0) << dez.Describe();
  ASSERT_TRUE(fs::exists(dir + "/" + t));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult v, Tidemark({"verify", "--target-dir", dir}));
  EXPECT_EQ(v.exit_code, 0) << v.out << v.Describe();
  // One pass: extract decrypting and decompressing gives the same tree.
  const std::string one_pass = tmp_.Join("one-pass");
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult x1,
      TidemarkWithStdin({"extract", "-C", one_pass, "--no-sync", "--parallel", "2", "--decrypt",
                         "--decompress", "--encrypt-key-file", key},
                        stream));
  ASSERT_EQ(x1.exit_code, 0) << x1.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult diff, RunCommand({"diff", "-r", dir, one_pass}));
  EXPECT_EQ(diff.exit_code, 0) << diff.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p, Tidemark({"prepare", "--target-dir", dir}));
  ASSERT_EQ(p.exit_code, 0) << p.Describe();
  const std::string datadir = tmp_.Join("restored");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore", "--target-dir", dir,
                                                     "--datadir", datadir}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = datadir}));
  ExpectRestoreCheck(*source_, *restored, dir);
}


TEST_F(StreamBackupTest, IncrementalStreamOnTopOfTheExtraLsnDirOfAStreamedFull) {
  const std::string lsn1 = tmp_.Join("lsn1");
  TM_ASSERT_OK_AND_ASSIGN(std::string full_stream,
                          StreamUnderLoad(*source_, {"--extra-lsndir", lsn1}));
  // Changes for the incremental: a new table (not in the base: taken whole) and the load.
  TM_ASSERT_OK(source_->Query(
      "CREATE TABLE s.added (id INT PRIMARY KEY, v VARCHAR(50)) ENGINE=InnoDB;"
      "INSERT INTO s.added SELECT seq, MD5(seq) FROM s.seq_1_to_3000;"
      "DELETE FROM s.t WHERE id % 10 = 3"));
  TM_ASSERT_OK_AND_ASSIGN(
      std::string inc_stream,
      StreamUnderLoad(*source_, {"--incremental-basedir", lsn1, "--compress",
                                 "--extra-lsndir", tmp_.Join("lsn2")}));
  const std::string full = tmp_.Join("full"), inc = tmp_.Join("inc");
  for (const auto& [dir, stream] : {std::pair{full, &full_stream}, std::pair{inc, &inc_stream}}) {
    TM_ASSERT_OK_AND_ASSIGN(CommandResult x,
                            TidemarkWithStdin({"extract", "-C", dir, "--no-sync"}, *stream));
    ASSERT_EQ(x.exit_code, 0) << x.Describe();
  }
  // The chain is recorded: the incremental names the full backup as its base.
  const std::string full_manifest = ReadWholeFile(full + "/tidemark_manifest.json");
  const std::string inc_manifest = ReadWholeFile(inc + "/tidemark_manifest.json");
  const size_t at = full_manifest.find("\"backup_uuid\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::string uuid = full_manifest.substr(at + 16, 36);
  EXPECT_THAT(inc_manifest, HasSubstr("\"base_backup_uuid\": \"" + uuid + "\""));
  EXPECT_EQ(ReadWholeFile(lsn1 + "/tidemark_manifest.json"), full_manifest);
  // Every page (not in the base), as a delta, or as s/added.new when the table was created
  // after the checkpoint the incremental's redo copy starts from.
  EXPECT_TRUE(fs::exists(inc + "/s/added.ibd.delta.zst") || fs::exists(inc + "/s/added.new.zst"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult dez,
                          Tidemark({"decompress", "--target-dir", inc, "--remove-original"}));
  ASSERT_EQ(dez.exit_code, 0) << dez.Describe();

  TM_ASSERT_OK_AND_ASSIGN(CommandResult p1,
                          Tidemark({"prepare", "--apply-log-only", "--target-dir", full}));
  ASSERT_EQ(p1.exit_code, 0) << p1.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult p2, Tidemark({"prepare", "--target-dir", full,
                                                      "--incremental-dir", inc}));
  ASSERT_EQ(p2.exit_code, 0) << p2.Describe();
  const std::string datadir = tmp_.Join("restored");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"restore", "--target-dir", full,
                                                     "--datadir", datadir}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  TM_ASSERT_OK_AND_ASSIGN(auto restored, TestServer::Start({.existing_datadir = datadir}));
  ExpectRestoreCheck(*source_, *restored, inc);
}


TEST_F(StreamBackupTest, ReaderGoingAwayIsExit7) {
  const std::string cmd = absl::StrFormat(
      "'%s' backup --stream xbstream --socket '%s' --user root 2>'%s' | head -c 100000 "
      ">/dev/null; echo \"exit=${PIPESTATUS[0]}\"",
      TidemarkBinary(), source_->socket(), tmp_.Join("err"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, RunCommand({"bash", "-c", cmd}));
  EXPECT_THAT(r.out, HasSubstr("exit=7"));
  const std::string err = ReadWholeFile(tmp_.Join("err"));
  EXPECT_THAT(err, HasSubstr("write 'stdout': Broken pipe (the reader of the stream went away)"));
  EXPECT_THAT(err, HasSubstr("the stream on stdout is incomplete"));
  // The server's backup lock went with the backup: DDL runs (it would wait and time out).
  TM_ASSERT_OK(source_->Query(
      "SET SESSION lock_wait_timeout = 5; CREATE TABLE s.after_backup (id INT) ENGINE=InnoDB"));
}

}  // namespace
}  // namespace tidemark::testing
