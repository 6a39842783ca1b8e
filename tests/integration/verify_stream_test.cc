// `tidemark verify` on compressed and encrypted backups of a real server (issue 6, check 3):
// - a compressed + encrypted stream passes `verify --stream FILE` and `--stream -` with the
//   key; without it only the stored hashes are checked (a note says so); a wrong key (exit 4)
//   and a truncated stream (exit 3) are named;
// - extracted, a flipped byte in an encrypted chunk (named with its chunk), a missing file and
//   a truncated file are each reported, exit 3;
// - a compressed directory backup with a flipped page byte (recompressed with zstd) names the
//   page inside the decoded copy; the scratch directory is left empty.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/restore_check.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  const char c = static_cast<char>(f.get() ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(c);
}

class VerifyStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TM_REQUIRE_PROGRAMS("mariadbd", "mariadb-install-db", "mariadb", "zstd");
    auto server = TestServer::Start({});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    TM_ASSERT_OK(
        server_->Query("CREATE DATABASE s;"
                       "CREATE TABLE s.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB;"
                       "INSERT INTO s.t SELECT seq, REPEAT(MD5(seq), 5) FROM s.seq_1_to_20000;"
                       "CREATE TABLE s.m (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=MyISAM;"
                       "INSERT INTO s.m SELECT seq, MD5(seq) FROM s.seq_1_to_1000"));
    key_ = tmp_.Join("key");
    WriteFile(key_, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
    fs::permissions(key_, fs::perms::owner_read | fs::perms::owner_write);
    fs::create_directories(scratch());
  }

  std::string scratch() const { return tmp_.Join("scratch"); }

  absl::StatusOr<CommandResult> Verify(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), {TidemarkBinary(), "verify", "--scratch-dir", scratch()});
    return RunCommand(args, {.stdin_data = in, .timeout = std::chrono::minutes(5)});
  }

  TempDir tmp_;
  std::unique_ptr<TestServer> server_;
  std::string key_;
};

TEST_F(VerifyStreamTest, EncryptedStreamAndItsDamage) {
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult b,
      RunCommand({TidemarkBinary(), "backup", "--stream", "xbstream", "--socket", server_->socket(),
                  "--user", "root", "--compress", "--encrypt=AES256", "--encrypt-key-file", key_}));
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  const std::string stream = tmp_.Join("b.xb");
  WriteFile(stream, b.out);

  TM_ASSERT_OK_AND_ASSIGN(CommandResult ok,
                          Verify({"--stream", stream, "--encrypt-key-file", key_}));
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.Describe();
  EXPECT_THAT(ok.out,
              ContainsRegex("verify '.*b.xb': ok; checked [0-9]+ files \\([0-9]+ decoded\\)"));
  EXPECT_THAT(ok.out, ContainsRegex("[1-9][0-9]* tablespaces"));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult in,
                          Verify({"--stream", "-", "--encrypt-key-file", key_}, b.out));
  EXPECT_EQ(in.exit_code, 0) << in.out << in.Describe();
  EXPECT_THAT(in.out, HasSubstr("verify 'stdin': ok"));

  TM_ASSERT_OK_AND_ASSIGN(CommandResult nokey, Verify({"--stream", stream}));
  EXPECT_EQ(nokey.exit_code, 0) << nokey.out << nokey.Describe();
  EXPECT_THAT(nokey.out, HasSubstr("only against their stored size and hash"));

  const std::string wrong = tmp_.Join("wrong-key");
  WriteFile(wrong, std::string(64, 'a'));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult w,
                          Verify({"--stream", stream, "--encrypt-key-file", wrong}));
  EXPECT_EQ(w.exit_code, 4) << w.out << w.Describe();
  EXPECT_THAT(w.out, HasSubstr("key: aria_log.00000001: decrypt 'aria_log.00000001.zst.tmenc': "
                               "wrong key"));  // the first five by name, then a count
  EXPECT_THAT(w.out, ContainsRegex("key: \\(backup\\): the key does not open [0-9]+ more"));

  const std::string cut = tmp_.Join("cut.xb");
  WriteFile(cut, b.out.substr(0, b.out.size() * 2 / 3));
  TM_ASSERT_OK_AND_ASSIGN(CommandResult c, Verify({"--stream", cut, "--encrypt-key-file", key_}));
  EXPECT_EQ(c.exit_code, 3) << c.out << c.Describe();
  EXPECT_THAT(c.out, ContainsRegex("stream: .*cut.xb: .*truncated"));

  // Extracted, then damaged: a flipped encrypted byte, a missing file, a truncated file.
  const std::string dir = tmp_.Join("x");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult x, Tidemark({"extract", stream, "-C", dir, "--no-sync"}));
  ASSERT_EQ(x.exit_code, 0) << x.Describe();
  const std::string ibd = dir + "/s/t.ibd.zst.tmenc";
  FlipByte(ibd, fs::file_size(ibd) / 2);
  fs::remove(dir + "/s/m.frm.zst.tmenc");
  fs::resize_file(dir + "/s/m.MYD.zst.tmenc", fs::file_size(dir + "/s/m.MYD.zst.tmenc") - 10);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult d,
                          Verify({"--target-dir", dir, "--encrypt-key-file", key_}));
  EXPECT_EQ(d.exit_code, 3) << d.out << d.Describe();
  EXPECT_THAT(d.out, ContainsRegex("decode: s/t.ibd: decrypt 's/t.ibd.zst.tmenc' chunk [0-9]+: "
                                   "authentication failed"));
  EXPECT_THAT(d.out, HasSubstr("hash: s/t.ibd: stored as 's/t.ibd.zst.tmenc'"));
  EXPECT_THAT(d.out, HasSubstr("missing: s/m.frm: "));
  EXPECT_THAT(d.out, HasSubstr("size: s/m.MYD: stored as 's/m.MYD.zst.tmenc'"));
  EXPECT_THAT(d.out, HasSubstr("decode: s/m.MYD: decrypt 's/m.MYD.zst.tmenc'"));
  EXPECT_THAT(fs::is_empty(scratch()), true) << "scratch files left behind";
  std::printf("[tidemark] stream %.1f MiB\n%s%s", b.out.size() / 1048576.0, ok.out.c_str(),
              d.out.c_str());
}

TEST_F(VerifyStreamTest, FlippedPageInCompressedBackupIsNamed) {
  const std::string dir = tmp_.Join("b");
  TM_ASSERT_OK_AND_ASSIGN(CommandResult b,
                          Tidemark(TidemarkBackupArgs(*server_, dir, {"--compress"})));
  ASSERT_EQ(b.exit_code, 0) << b.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult ok, Verify({"--target-dir", dir}));
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.Describe();

  // A byte of page 3 of s/t.ibd flipped, and the file compressed again: zstd is content,
  // only the page check can tell.
  const std::string zst = dir + "/s/t.ibd.zst";
  TM_ASSERT_OK_AND_ASSIGN(CommandResult un, RunCommand({"zstd", "-d", "-q", "-f", zst}));
  ASSERT_EQ(un.exit_code, 0) << un.Describe();
  FlipByte(dir + "/s/t.ibd", 3 * 16384 + 500);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult re,
                          RunCommand({"zstd", "-q", "-f", "--rm", dir + "/s/t.ibd", "-o", zst}));
  ASSERT_EQ(re.exit_code, 0) << re.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult d, Verify({"--target-dir", dir}));
  EXPECT_EQ(d.exit_code, 3) << d.out << d.Describe();
  EXPECT_THAT(d.out, HasSubstr("page: s/t.ibd page 3: checksum_mismatch (decoded from "
                               "'s/t.ibd.zst')"));
  EXPECT_THAT(d.out, Not(HasSubstr("decode:")));
  std::printf("%s", d.out.c_str());
  EXPECT_THAT(fs::is_empty(scratch()), true) << "scratch files left behind";
}

}  // namespace
}  // namespace tidemark::testing
