// Tests of verify's file forms: which forms of a manifest file are found on disk, and decoding
// each of them (".zst", ".tmenc", ".zst.tmenc", the half-decoded ".zst") back to the plain
// bytes with their hash; a missing key, a wrong key and a swapped file are errors.
#include "engine/verify_source.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "io/crypt_stage.h"
#include "io/hashing_file.h"
#include "io/zstd_stage.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;

io::CryptKey Key(uint8_t b) {
  io::CryptKey k;
  k.bytes.fill(b);
  return k;
}

class VerifySourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 20000; ++i) plain_ += static_cast<char>('a' + i * 7 % 23);
    TM_ASSERT_OK(io::CreateDirs(fs_, "/b/db"));
  }

  // Writes plain_ as /b/<rel><suffix>, compressed and/or encrypted as the suffix says.
  void WriteEncoded(const std::string& rel, const std::string& suffix, const io::CryptKey& key,
                    std::string file_id = "") {
    auto out = fs_.OpenForWrite("/b/" + rel + suffix);
    ASSERT_TRUE(out.ok());
    std::unique_ptr<io::WritableFile> w = std::move(*out);
    if (suffix.ends_with(".tmenc")) {
      if (file_id.empty()) file_id = rel + suffix.substr(0, suffix.size() - 6);
      auto c =
          io::NewCryptWritableFile(std::move(w), key, {.chunk_size = 4096, .file_id = file_id});
      ASSERT_TRUE(c.ok());
      w = std::move(*c);
    }
    if (suffix.starts_with(".zst")) {
      auto z = io::NewZstdWritableFile(std::move(w));
      ASSERT_TRUE(z.ok());
      w = std::move(*z);
    }
    TM_ASSERT_OK(w->Append(AsBytes(plain_)));
    TM_ASSERT_OK(w->Close());
  }

  absl::StatusOr<io::ContentHash> Decode(const std::string& rel, const std::string& encoding,
                                         const io::CryptKey* key, std::string* out = nullptr) {
    return DecodeForm(fs_, "/b", {.rel = rel, .encoding = encoding}, key, [&](ByteSpan data) {
      if (out) out->append(reinterpret_cast<const char*>(data.data()), data.size());
      return absl::OkStatus();
    });
  }

  MemFileSystem fs_;
  std::string plain_;
  const io::CryptKey key_ = Key(7);
};

TEST_F(VerifySourceTest, PossibleAndFoundForms) {
  ManifestFile f{.path = "db/t.ibd", .stored = StoredForm{.suffix = ".zst.tmenc"}};
  EXPECT_THAT(
      PossibleForms(f),
      ElementsAre(FileForm{.rel = "db/t.ibd"}, FileForm{.rel = "db/t.ibd.zst", .encoding = ".zst"},
                  FileForm{.rel = "db/t.ibd.zst.tmenc", .encoding = ".zst.tmenc"}));
  const std::map<std::string, uint64_t> on_disk = {{"db/t.ibd.zst.tmenc", 9}, {"db/t.frm", 3}};
  EXPECT_THAT(
      FindForms(f, on_disk),
      ElementsAre(FileForm{.rel = "db/t.ibd.zst.tmenc", .encoding = ".zst.tmenc", .size = 9}));
  EXPECT_THAT(FindForms({.path = "db/t.frm"}, on_disk),
              ElementsAre(FileForm{.rel = "db/t.frm", .size = 3}));
}

TEST_F(VerifySourceTest, EveryEncodingDecodesToThePlainBytes) {
  for (const std::string suffix : {".zst", ".tmenc", ".zst.tmenc"}) {
    SCOPED_TRACE(suffix);
    WriteEncoded("db/t.ibd", suffix, key_);
    std::string out;
    absl::StatusOr<io::ContentHash> h = Decode("db/t.ibd" + suffix, suffix, &key_, &out);
    TM_ASSERT_OK(h.status());
    EXPECT_EQ(out, plain_);
    EXPECT_EQ(*h, io::HashBytes(AsBytes(plain_)));
  }
}

TEST_F(VerifySourceTest, EncryptedWithoutKey) {
  WriteEncoded("db/t.ibd", ".tmenc", key_);
  EXPECT_EQ(Decode("db/t.ibd.tmenc", ".tmenc", nullptr).status(),
            absl::FailedPreconditionError(
                "'/b/db/t.ibd.tmenc' is encrypted: no key given (--encrypt-key-file or "
                "TIDEMARK_ENCRYPT_KEY)"));
}

TEST_F(VerifySourceTest, WrongKey) {
  WriteEncoded("db/t.ibd", ".zst.tmenc", key_);
  const io::CryptKey other = Key(8);
  absl::Status s = Decode("db/t.ibd.zst.tmenc", ".zst.tmenc", &other).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("wrong key"));
}

TEST_F(VerifySourceTest, DamagedChunkIsNamed) {
  WriteEncoded("db/t.ibd", ".tmenc", key_);
  std::string bytes = *io::ReadFileToString(fs_, "/b/db/t.ibd.tmenc");
  bytes[bytes.size() - 100] ^= 1;  // in the last chunk: 20000 bytes at 4096 a chunk
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/b/db/t.ibd.tmenc", bytes));
  absl::Status s = Decode("db/t.ibd.tmenc", ".tmenc", &key_).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("decrypt '/b/db/t.ibd.tmenc' chunk 4: authentication failed"));
}

TEST_F(VerifySourceTest, FileOfAnotherNameIsRefused) {
  WriteEncoded("db/t.ibd", ".tmenc", key_, "db/u.ibd");
  EXPECT_EQ(Decode("db/t.ibd.tmenc", ".tmenc", &key_).status(),
            absl::DataLossError(
                "decrypt '/b/db/t.ibd.tmenc': holds the encrypted 'db/u.ibd', not 'db/t.ibd'"));
}

TEST_F(VerifySourceTest, DecodeToFileWritesPlainAndRemovesAFailure) {
  WriteEncoded("db/t.ibd", ".zst", key_);
  bool write_failed = true;
  TM_ASSERT_OK(DecodeFormToFile(fs_, "/b", {.rel = "db/t.ibd.zst", .encoding = ".zst"}, nullptr,
                                "/b/copy", &write_failed)
                   .status());
  EXPECT_FALSE(write_failed);
  EXPECT_EQ(*io::ReadFileToString(fs_, "/b/copy"), plain_);
  std::string bytes = *io::ReadFileToString(fs_, "/b/db/t.ibd.zst");
  TM_ASSERT_OK(io::WriteStringToFile(fs_, "/b/db/t.ibd.zst", bytes.substr(0, bytes.size() / 2)));
  absl::Status s = DecodeFormToFile(fs_, "/b", {.rel = "db/t.ibd.zst", .encoding = ".zst"}, nullptr,
                                    "/b/copy2", &write_failed)
                       .status();
  EXPECT_THAT(s.message(), HasSubstr("truncated"));
  EXPECT_FALSE(write_failed);
  EXPECT_FALSE(fs_.Stat("/b/copy2").ok());
}

TEST(ScratchSpaceTest, PrivateDirectoriesNamesCutAndRemoved) {
  MemFileSystem fs;
  TM_ASSERT_OK(io::CreateDirs(fs, "/tmp"));
  ScratchSpace scratch(fs, "/tmp");
  EXPECT_EQ(scratch.Shown("read '/tmp/x/0/db/t.ibd'"), "read '/tmp/x/0/db/t.ibd'");
  TM_ASSERT_OK_AND_ASSIGN(std::string a, scratch.NewDir());
  TM_ASSERT_OK_AND_ASSIGN(std::string b, scratch.NewDir());
  EXPECT_NE(a, b);
  EXPECT_EQ(io::ParentDir(a), io::ParentDir(b));
  EXPECT_THAT(a, ::testing::StartsWith("/tmp/tidemark-verify-"));
  EXPECT_EQ(fs.Stat(a)->mode & 0777, 0700u);
  EXPECT_EQ(scratch.Shown("read '" + b + "/db/t.ibd' at 0: x, '" + a + "/ib_logfile0'"),
            "read 'db/t.ibd' at 0: x, 'ib_logfile0'");
  TM_ASSERT_OK(io::WriteStringToFile(fs, b + "/f", "x"));
  TM_ASSERT_OK(scratch.Remove());
  EXPECT_THAT(*fs.ListDir("/tmp"), ::testing::IsEmpty());
  TM_ASSERT_OK(scratch.Remove());
}

TEST(ScratchSpaceTest, MissingParent) {
  MemFileSystem fs;
  ScratchSpace scratch(fs, "/nope");
  absl::Status s = scratch.NewDir().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("create a scratch directory in '/nope'"));
}

}  // namespace
}  // namespace tidemark::engine
