// Tests of DecodeDir (`tidemark decompress` / `decrypt` on a directory): files in
// subdirectories are decoded and renamed into place, originals kept or removed, and every bad
// file is reported with its failure kind while the good ones are still decoded.
#include "engine/decode_dir.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "io/zstd_stage.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

absl::Status WriteThrough(io::FileSystem& fs, const std::string& path, std::string_view data,
                          const io::CryptKey* key, std::string file_id = "") {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> f, fs.OpenForWrite(path));
  if (key == nullptr) {
    TM_ASSIGN_OR_RETURN(f, io::NewZstdWritableFile(std::move(f)));
  } else {
    TM_ASSIGN_OR_RETURN(
        f, io::NewCryptWritableFile(std::move(f), *key, io::CryptOptions{.file_id = file_id}));
  }
  TM_RETURN_IF_ERROR(f->Append(AsBytes(data)));
  return f->Close();
}

class DecodeDirTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(io::CreateDirs(fs_, "b/db").ok()); }
  MemFileSystem fs_;
  io::CryptKey key_;
};

TEST_F(DecodeDirTest, DecompressesEveryZstFile) {
  TM_ASSERT_OK(WriteThrough(fs_, "b/ibdata1.zst", PatternBytes(70000), nullptr));
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/t.ibd.zst", PatternBytes(5000, 1), nullptr));
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "b/db/t.frm", "plain"));
  TM_ASSERT_OK_AND_ASSIGN(DecodeDirResult r,
                          DecodeDir(fs_, DecodeDirOptions{.dir = "b", .parallel = 2}));
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(r.bytes_out, 75000u);
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/ibdata1"), PatternBytes(70000));
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd"), PatternBytes(5000, 1));
  EXPECT_EQ(fs_.Stat("b/db/t.ibd")->mode, 0640u);
  EXPECT_TRUE(fs_.Stat("b/db/t.ibd.zst").ok());  // kept without --remove-original
}

TEST_F(DecodeDirTest, RemoveOriginal) {
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/t.ibd.zst", "abc", nullptr));
  TM_ASSERT_OK(DecodeDir(fs_, DecodeDirOptions{.dir = "b", .remove_original = true}).status());
  EXPECT_EQ(fs_.Stat("b/db/t.ibd.zst").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd"), "abc");
}

TEST_F(DecodeDirTest, ReportsEveryBadFileAndDecodesTheRest) {
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "b/a.zst", "not zstd at all"));
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/good.ibd.zst", PatternBytes(1000), nullptr));
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "b/db/z.ibd.zst", ""));
  TM_ASSERT_OK_AND_ASSIGN(DecodeDirResult r, DecodeDir(fs_, DecodeDirOptions{.dir = "b"}));
  EXPECT_EQ(r.files, 1u);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_EQ(r.problems[0].path, "a.zst");
  EXPECT_EQ(r.problems[0].failure, DecodeFailure::kDamaged);
  EXPECT_THAT(r.problems[0].status.message(), HasSubstr("decompress 'b/a.zst' at 0:"));
  EXPECT_EQ(r.problems[1].path, "db/z.ibd.zst");
  // No output and no temporary for a failed file.
  EXPECT_FALSE(fs_.Stat("b/a").ok());
  EXPECT_FALSE(fs_.Stat("b/a.tidemark-tmp").ok());
}

TEST_F(DecodeDirTest, DecryptsAndChecksTheFileId) {
  key_.bytes[0] = 7;
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/t.ibd.tmenc", PatternBytes(3 << 20), &key_, "db/t.ibd"));
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/u.ibd.tmenc", "u", &key_, "db/t.ibd"));  // put in place
  TM_ASSERT_OK_AND_ASSIGN(
      DecodeDirResult r,
      DecodeDir(fs_, DecodeDirOptions{.dir = "b", .kind = DecodeKind::kDecrypt, .key = &key_}));
  EXPECT_EQ(r.files, 1u);
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd"), PatternBytes(3 << 20));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].failure, DecodeFailure::kDamaged);
  EXPECT_EQ(r.problems[0].status,
            absl::DataLossError(
                "decrypt 'b/db/u.ibd.tmenc': holds the encrypted 'db/t.ibd', not 'db/u.ibd'"));
}

TEST_F(DecodeDirTest, DecryptAndDecompressInOnePass) {
  // db/t.ibd.zst.tmenc as the backup writes it, a compressed-only file and a plain one.
  {
    TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<io::WritableFile> f,
                            fs_.OpenForWrite("b/db/t.ibd.zst.tmenc"));
    TM_ASSERT_OK_AND_ASSIGN(f, io::NewCryptWritableFile(std::move(f), key_,
                                                        io::CryptOptions{.file_id = "db/t.ibd.zst"}));
    TM_ASSERT_OK_AND_ASSIGN(f, io::NewZstdWritableFile(std::move(f)));
    TM_ASSERT_OK(f->Append(AsBytes(PatternBytes(40000, 2))));
    TM_ASSERT_OK(f->Close());
  }
  TM_ASSERT_OK(WriteThrough(fs_, "b/db/t.frm.zst", "frm", nullptr));
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "b/xtrabackup_checkpoints", "plain"));
  TM_ASSERT_OK_AND_ASSIGN(
      DecodeDirResult r,
      DecodeDir(fs_, DecodeDirOptions{.dir = "b", .kind = DecodeKind::kDecrypt,
                                      .remove_original = true, .key = &key_,
                                      .and_decompress = true}));
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd"), PatternBytes(40000, 2));
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.frm"), "frm");
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.zst.tmenc").ok());
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.zst").ok());  // never written: one pass
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/xtrabackup_checkpoints"), "plain");
}

TEST_F(DecodeDirTest, WrongKeyIsBadInput) {
  TM_ASSERT_OK(WriteThrough(fs_, "b/t.ibd.tmenc", "x", &key_));
  io::CryptKey other;
  other.bytes[5] = 1;
  TM_ASSERT_OK_AND_ASSIGN(
      DecodeDirResult r,
      DecodeDir(fs_, DecodeDirOptions{.dir = "b", .kind = DecodeKind::kDecrypt, .key = &other}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].failure, DecodeFailure::kBadInput);
  EXPECT_THAT(r.problems[0].status.message(), HasSubstr("wrong key"));
}

TEST_F(DecodeDirTest, UnwritableOutputIsTarget) {
  tidemark::testing::FaultInjectionFileSystem faulty(fs_);
  TM_ASSERT_OK(WriteThrough(fs_, "b/t.ibd.zst", PatternBytes(100000), nullptr));
  faulty.FailWritesAfter(1000);
  TM_ASSERT_OK_AND_ASSIGN(DecodeDirResult r, DecodeDir(faulty, DecodeDirOptions{.dir = "b"}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].failure, DecodeFailure::kTarget);
  EXPECT_EQ(r.problems[0].status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(fs_.Stat("b/t.ibd.tidemark-tmp").ok());
}

TEST_F(DecodeDirTest, MissingDirectoryAndKey) {
  EXPECT_EQ(DecodeDir(fs_, DecodeDirOptions{.dir = "nope"}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(DecodeDir(fs_, DecodeDirOptions{.dir = "b", .kind = DecodeKind::kDecrypt}).status(),
            absl::InvalidArgumentError("decrypt: no key given"));
}

}  // namespace
}  // namespace tidemark::engine
