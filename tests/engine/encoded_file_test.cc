// Tests of decoding one stored file: the suffixes, a round trip through each stored form
// (several encrypted chunks, several zstd blocks), and each refusal with its code, its
// failure kind and the file it names: no key, a wrong key, a damaged chunk, a file put in
// another's place, an output that cannot be written. A failure never leaves a decoded file.
#include "engine/encoded_file.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/encoded_backup.h"
#include "tests/support/fault_injection_file_system.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::testing::HasSubstr;
using ::tidemark::testing::EncodeFile;
using ::tidemark::testing::FaultInjectionFileSystem;
using ::tidemark::testing::FsOp;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

class EncodedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(io::CreateDirs(fs_, "b/db").ok());
    key_.bytes.fill(7);
    other_.bytes.fill(8);
  }
  // `b/<rel><suffix>` holding `data`.
  void Store(const std::string& rel, const std::string& suffix, const std::string& data) {
    ASSERT_TRUE(io::WriteStringToFile(fs_, "b/" + rel, data).ok());
    ASSERT_TRUE(EncodeFile(fs_, "b", rel, suffix, &key_).ok());
  }
  DecodeOutcome ToString(const std::string& stored, std::string& out,
                         const io::CryptKey* key) {
    return DecodeToSink(fs_, "b", FullyEncoded(stored), key, [&](ByteSpan d) {
      out.append(reinterpret_cast<const char*>(d.data()), d.size());
      return absl::OkStatus();
    });
  }
  MemFileSystem fs_;
  io::CryptKey key_, other_;
};

TEST(EncodingSuffixTest, NamesTheWholeEncoding) {
  EXPECT_EQ(EncodingSuffix("db/t.ibd.zst.tmenc"), ".zst.tmenc");
  EXPECT_EQ(EncodingSuffix("db/t.ibd.tmenc"), ".tmenc");
  EXPECT_EQ(EncodingSuffix("ibdata1.zst"), ".zst");
  EXPECT_EQ(EncodingSuffix("db/t.ibd"), "");
  EXPECT_EQ(EncodingSuffix("db/.zst"), "");
  EXPECT_EQ(EncodingSuffix("x.zst/t.ibd"), "");
  EXPECT_EQ(WithoutEncoding("db/t.ibd.zst.tmenc"), "db/t.ibd");
  EXPECT_EQ(FullyEncoded("a.tmenc").decoded_rel(), "a");
}

TEST_F(EncodedFileTest, EveryStoredFormRoundTrips) {
  const std::string data = PatternBytes(70000, 3);  // 18 chunks of 4 KiB
  for (const char* suffix : {".zst", ".tmenc", ".zst.tmenc"}) {
    Store("db/t.ibd", suffix, data);
    std::string out;
    DecodeOutcome r = ToString(std::string("db/t.ibd") + suffix, out, &key_);
    TM_ASSERT_OK(r.status);
    EXPECT_EQ(out, data) << suffix;
    EXPECT_EQ(r.bytes_out, data.size());
    EXPECT_EQ(r.bytes_in, fs_.Stat(std::string("b/db/t.ibd") + suffix)->size);
    ASSERT_TRUE(fs_.RemoveFile(std::string("b/db/t.ibd") + suffix).ok());
  }
}

TEST_F(EncodedFileTest, EmptyFileRoundTrips) {
  Store("e", ".zst.tmenc", "");
  std::string out = "x";
  TM_ASSERT_OK(ToString("e.zst.tmenc", out, &key_).status);
  EXPECT_EQ(out, "x");
}

TEST_F(EncodedFileTest, NoKeyIsBadInputNamingTheFile) {
  Store("db/t.ibd", ".zst.tmenc", "data");
  std::string out;
  DecodeOutcome r = ToString("db/t.ibd.zst.tmenc", out, nullptr);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status.message(),
            "'b/db/t.ibd.zst.tmenc' is encrypted: no key given (--encrypt-key-file or "
            "TIDEMARK_ENCRYPT_KEY)");
  EXPECT_EQ(r.failure, DecodeFailure::kBadInput);
}

TEST_F(EncodedFileTest, WrongKeyIsBadInput) {
  Store("db/t.ibd", ".tmenc", "data");
  std::string out;
  DecodeOutcome r = ToString("db/t.ibd.tmenc", out, &other_);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status.message(), HasSubstr("'b/db/t.ibd.tmenc': wrong key"));
  EXPECT_EQ(r.failure, DecodeFailure::kBadInput);
  EXPECT_EQ(out, "");
}

TEST_F(EncodedFileTest, DamagedChunkIsDataLossNamingTheChunk) {
  Store("db/t.ibd", ".zst.tmenc", PatternBytes(70000, 1));
  std::string bytes = *io::ReadFileToString(fs_, "b/db/t.ibd.zst.tmenc");
  bytes[bytes.size() - 30] ^= 0x01;
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/db/t.ibd.zst.tmenc", bytes).ok());
  std::string out;
  DecodeOutcome r = ToString("db/t.ibd.zst.tmenc", out, &key_);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status.message(), HasSubstr("decrypt 'b/db/t.ibd.zst.tmenc' chunk"));
  EXPECT_THAT(r.status.message(), HasSubstr("authentication failed"));
  EXPECT_EQ(r.failure, DecodeFailure::kDamaged);
}

TEST_F(EncodedFileTest, TruncatedZstIsDataLoss) {
  Store("ibdata1", ".zst", PatternBytes(70000, 1));
  std::string bytes = *io::ReadFileToString(fs_, "b/ibdata1.zst");
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/ibdata1.zst", bytes.substr(0, bytes.size() / 2)).ok());
  std::string out;
  DecodeOutcome r = ToString("ibdata1.zst", out, nullptr);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status.message(), HasSubstr("decompress 'b/ibdata1.zst'"));
  EXPECT_EQ(r.failure, DecodeFailure::kDamaged);
}

TEST_F(EncodedFileTest, AnotherFilesContentsAreDetected) {
  Store("db/t.ibd", ".zst.tmenc", "t");
  ASSERT_TRUE(fs_.Rename("b/db/t.ibd.zst.tmenc", "b/db/u.ibd.zst.tmenc").ok());
  std::string out;
  DecodeOutcome r = ToString("db/u.ibd.zst.tmenc", out, &key_);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.status.message(),
            "decrypt 'b/db/u.ibd.zst.tmenc': holds the encrypted 'db/t.ibd.zst', not "
            "'db/u.ibd.zst'");
  EXPECT_EQ(out, "");
}

TEST_F(EncodedFileTest, InPlaceReplacesTheStoredFile) {
  Store("db/t.ibd", ".zst.tmenc", "plain t");
  TM_ASSERT_OK(DecodeInPlace(fs_, "b", FullyEncoded("db/t.ibd.zst.tmenc"), &key_, true).status);
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/t.ibd"), "plain t");
  EXPECT_EQ(fs_.Stat("b/db/t.ibd")->mode, 0640u);
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.zst.tmenc").ok());
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.tidemark-tmp").ok());
}

TEST_F(EncodedFileTest, InPlaceFailureKeepsTheStoredFileAndLeavesNothing) {
  Store("db/t.ibd", ".zst", PatternBytes(70000, 1));
  FaultInjectionFileSystem faulty(fs_);
  faulty.FailNth(FsOp::kWrite, 1, ENOSPC);
  DecodeOutcome r = DecodeInPlace(faulty, "b", FullyEncoded("db/t.ibd.zst"), nullptr, true);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.failure, DecodeFailure::kTarget);
  EXPECT_TRUE(fs_.Stat("b/db/t.ibd.zst").ok());
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd").ok());
  EXPECT_FALSE(fs_.Stat("b/db/t.ibd.tidemark-tmp").ok());
}

TEST_F(EncodedFileTest, ToFileNeverOverwritesWithExclusive) {
  Store("a", ".zst", "new");
  ASSERT_TRUE(io::WriteStringToFile(fs_, "out", "existing").ok());
  DecodeOutcome r = DecodeToFile(fs_, "b", FullyEncoded("a.zst"), nullptr, "out",
                                 io::WriteOptions{.exclusive = true});
  EXPECT_EQ(r.status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.failure, DecodeFailure::kTarget);
  EXPECT_EQ(*io::ReadFileToString(fs_, "out"), "existing");
}

TEST_F(EncodedFileTest, CheckKeyReadsHeadersOnly) {
  Store("a", ".zst", "a");
  Store("db/b", ".zst.tmenc", "b");
  const std::vector<EncodedFile> files = {FullyEncoded("a.zst"), FullyEncoded("db/b.zst.tmenc")};
  EXPECT_TRUE((CheckKey(fs_, "b", files, &key_).status).ok());
  EXPECT_THAT(CheckKey(fs_, "b", files, nullptr).status.message(),
              HasSubstr("'b/db/b.zst.tmenc' is encrypted: no key given"));
  EXPECT_THAT(CheckKey(fs_, "b", files, &other_).status.message(), HasSubstr("wrong key"));
  EXPECT_TRUE((CheckKey(fs_, "b", {FullyEncoded("a.zst")}, nullptr).status).ok());
}

TEST_F(EncodedFileTest, ReadPlainOrEncodedPrefersPlain) {
  Store("backup-my.cnf", ".zst.tmenc", "encoded");
  TM_ASSERT_OK_AND_ASSIGN(std::string s, ReadPlainOrEncoded(fs_, "b", "backup-my.cnf", &key_));
  EXPECT_EQ(s, "encoded");
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/backup-my.cnf", "plain").ok());
  EXPECT_EQ(*ReadPlainOrEncoded(fs_, "b", "backup-my.cnf", nullptr), "plain");
  EXPECT_EQ(ReadPlainOrEncoded(fs_, "b", "nothing", nullptr).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(EncodedFileTest, ManyFilesEveryProblemReportedOthersDecoded) {
  Store("a", ".zst", "a");
  Store("db/b", ".tmenc", "b");
  ASSERT_TRUE(io::WriteStringToFile(fs_, "b/c.zst", "not zstd").ok());
  DecodeFilesResult r =
      DecodeFilesInPlace(fs_, "b", {FullyEncoded("a.zst"), FullyEncoded("c.zst"),
                                    FullyEncoded("db/b.tmenc")},
                         &key_, true, 2);
  EXPECT_EQ(r.files, 2u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, "c.zst");
  EXPECT_EQ(FirstProblem(r).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*io::ReadFileToString(fs_, "b/db/b"), "b");
}

}  // namespace
}  // namespace tidemark::engine
