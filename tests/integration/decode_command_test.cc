// `tidemark decompress` and `tidemark decrypt` as a user runs them (no server needed): files
// written by the stages are decoded in place, `zstd` and tidemark agree on the format, and each
// documented exit code is reached: 0, 3 (damaged), 4 (wrong or missing key), 2 (usage).
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "io/crypt_stage.h"
#include "io/posix_file_system.h"
#include "io/zstd_stage.h"
#include "tests/support/restore_check.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_bytes.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kHexKey[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class DecodeCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(io::CreateDirs(*fs_, dir_.Join("b/db")).ok());
    ASSERT_TRUE(
        io::WriteStringToFile(*fs_, dir_.Join("key"), kHexKey, io::WriteOptions{.mode = 0600})
            .ok());
    key_ = *io::ParseCryptKey(kHexKey, "test");
  }
  // Writes `data` to b/<rel> through zstd (then encryption, when `encrypt`).
  void Write(const std::string& rel, std::string_view data, bool encrypt) {
    auto f = *fs_->OpenForWrite(dir_.Join("b/" + rel));
    if (encrypt) {
      std::string id = rel.substr(0, rel.size() - io::kCryptSuffix.size());
      f = *io::NewCryptWritableFile(std::move(f), key_, io::CryptOptions{.file_id = id});
    } else {
      f = *io::NewZstdWritableFile(std::move(f));
    }
    ASSERT_TRUE(f->Append(AsBytes(data)).ok());
    ASSERT_TRUE(f->Close().ok());
  }
  std::string Read(const std::string& rel) {
    return io::ReadFileToString(*fs_, dir_.Join("b/" + rel)).value_or("<missing>");
  }

  TempDir dir_;
  std::unique_ptr<io::FileSystem> fs_ = io::NewPosixFileSystem();
  io::CryptKey key_;
};

TEST_F(DecodeCommandTest, DecompressesAndZstdAgrees) {
  TM_REQUIRE_PROGRAMS("zstd");
  Write("db/t.ibd.zst", PatternBytes(3 << 20), false);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult z,
                          RunCommand({"zstd", "-q", "-t", dir_.Join("b/db/t.ibd.zst")}));
  EXPECT_EQ(z.exit_code, 0) << z.Describe();
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"decompress", "--target-dir", dir_.Join("b"),
                                                     "--remove-original"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("db/t.ibd"), PatternBytes(3 << 20));
  EXPECT_EQ(Read("db/t.ibd.zst"), "<missing>");
}

// xtrabackup's spelling: `--decrypt=AES256 --decompress` in one run, `--decompress` alone.
TEST_F(DecodeCommandTest, XtrabackupStyleDecryptAndDecompress) {
  {
    auto f = *fs_->OpenForWrite(dir_.Join("b/db/t.ibd.zst.tmenc"));
    f = *io::NewCryptWritableFile(std::move(f), key_, io::CryptOptions{.file_id = "db/t.ibd.zst"});
    f = *io::NewZstdWritableFile(std::move(f));
    ASSERT_TRUE(f->Append(AsBytes(PatternBytes(300000))).ok());
    ASSERT_TRUE(f->Close().ok());
  }
  Write("db/t.frm.zst", "frm", false);
  TM_ASSERT_OK_AND_ASSIGN(
      CommandResult r,
      Tidemark({"--decrypt=AES256", "--decompress", "--target-dir=" + dir_.Join("b"),
                "--encrypt-key-file=" + dir_.Join("key"), "--remove-original", "--parallel=2"}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("db/t.ibd"), PatternBytes(300000));
  EXPECT_EQ(Read("db/t.frm"), "frm");
  EXPECT_EQ(Read("db/t.ibd.zst.tmenc"), "<missing>");
  Write("db/u.frm.zst", "u", false);
  TM_ASSERT_OK_AND_ASSIGN(r, Tidemark({"--decompress", "--target-dir=" + dir_.Join("b")}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("db/u.frm"), "u");
  TM_ASSERT_OK_AND_ASSIGN(r, Tidemark({"--decrypt=AES128", "--target-dir=" + dir_.Join("b"),
                                       "--encrypt-key-file=" + dir_.Join("key")}));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(DecodeCommandTest, DecryptsWithKeyFileAndEnvironment) {
  Write("db/t.ibd.tmenc", PatternBytes(2500000), true);
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"decrypt", "--target-dir", dir_.Join("b"),
                                                     "--encrypt-key-file", dir_.Join("key")}));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("db/t.ibd"), PatternBytes(2500000));
  TM_ASSERT_OK_AND_ASSIGN(
      r, RunCommand({"env", std::string("TIDEMARK_ENCRYPT_KEY=") + kHexKey, TIDEMARK_BINARY,
                     "decrypt", "--target-dir", dir_.Join("b"), "--parallel", "2"}));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
}

TEST_F(DecodeCommandTest, DamagedChunkIsNamedWithExit3) {
  Write("db/t.ibd.tmenc", PatternBytes(3 << 20), true);
  Write("db/u.ibd.tmenc", "fine", true);
  std::string bytes = Read("db/t.ibd.tmenc");
  bytes[bytes.size() / 2] ^= 0x10;  // inside chunk 1 of 1 MiB chunks
  ASSERT_TRUE(io::WriteStringToFile(*fs_, dir_.Join("b/db/t.ibd.tmenc"), bytes).ok());
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"decrypt", "--target-dir", dir_.Join("b"),
                                                     "--encrypt-key-file", dir_.Join("key")}));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("db/t.ibd.tmenc' chunk 1: authentication failed"));
  EXPECT_EQ(Read("db/u.ibd"), "fine");  // the good file is still decrypted
  EXPECT_EQ(Read("db/t.ibd"), "<missing>");
}

TEST_F(DecodeCommandTest, WrongOrMissingKeyExits4) {
  Write("t.ibd.tmenc", "x", true);
  ASSERT_TRUE(io::WriteStringToFile(*fs_, dir_.Join("other"), std::string(64, 'a')).ok());
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"decrypt", "--target-dir", dir_.Join("b"),
                                                     "--encrypt-key-file", dir_.Join("other")}));
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("wrong key"));
  ASSERT_TRUE(io::WriteStringToFile(*fs_, dir_.Join("short"), "abc").ok());
  TM_ASSERT_OK_AND_ASSIGN(r, Tidemark({"decrypt", "--target-dir", dir_.Join("b"),
                                       "--encrypt-key-file", dir_.Join("short")}));
  EXPECT_EQ(r.exit_code, 4) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("expected 32 raw bytes or 64 hex digits, got 3 bytes"));
}

TEST_F(DecodeCommandTest, KeyOnTheCommandLineIsRefused) {
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r, Tidemark({"decrypt", "--target-dir", dir_.Join("b"),
                                                     "--encrypt-key", kHexKey}));
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
}

TEST_F(DecodeCommandTest, TruncatedZstIsNamedWithExit3) {
  Write("db/t.ibd.zst", PatternBytes(100000), false);
  std::string bytes = Read("db/t.ibd.zst");
  bytes.resize(bytes.size() - 3);
  ASSERT_TRUE(io::WriteStringToFile(*fs_, dir_.Join("b/db/t.ibd.zst"), bytes).ok());
  TM_ASSERT_OK_AND_ASSIGN(CommandResult r,
                          Tidemark({"decompress", "--target-dir", dir_.Join("b")}));
  EXPECT_EQ(r.exit_code, 3) << r.Describe();
  EXPECT_THAT(r.err, HasSubstr("db/t.ibd.zst': truncated"));
}

}  // namespace
}  // namespace tidemark::testing
