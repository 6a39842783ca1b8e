// Tests of the encryption stage (docs/encryption.md): round trips at the sizes that matter for
// chunking, then each kind of damage on its own: a flipped byte in a chunk, a wrong key, a file
// cut at a chunk boundary or inside one, chunks reordered or taken from another file, a damaged
// header; and the key parser.
#include "io/crypt_stage.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "innodb/base/status.h"
#include "tests/support/mem_file_system.h"
#include "tests/support/status_macros.h"
#include "tests/support/test_bytes.h"

namespace tidemark::io {
namespace {

using ::testing::HasSubstr;
using ::tidemark::testing::AsBytes;
using ::tidemark::testing::MemFileSystem;
using ::tidemark::testing::PatternBytes;

constexpr uint32_t kChunk = 4096;  // the smallest chunk, so tests stay small
constexpr size_t kStride = kChunk + kCryptTagSize;

CryptKey KeyOf(uint8_t seed) {
  CryptKey key;
  for (size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<uint8_t>(seed + i);
  return key;
}

absl::Status Encrypt(FileSystem& fs, const std::string& path, std::string_view data,
                     const CryptKey& key, std::string file_id = "t.ibd") {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> raw, fs.OpenForWrite(path));
  TM_ASSIGN_OR_RETURN(
      std::unique_ptr<WritableFile> e,
      NewCryptWritableFile(std::move(raw), key,
                           CryptOptions{.chunk_size = kChunk, .file_id = std::move(file_id)}));
  for (size_t at = 0; at < data.size(); at += 1000) {
    TM_RETURN_IF_ERROR(e->Append(AsBytes(data.substr(at, 1000))));
  }
  return e->Close();
}

absl::StatusOr<std::string> Decrypt(FileSystem& fs, const std::string& path, const CryptKey& key,
                                    CryptHeader* header = nullptr) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> in, fs.OpenForRead(path));
  std::string out;
  TM_RETURN_IF_ERROR(DecryptFile(
      *in, key,
      [&](ByteSpan b) {
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
        return absl::OkStatus();
      },
      header));
  return out;
}

// The header's size for file id "t.ibd": 26 fixed bytes, the id, an 8-byte checksum, a tag.
constexpr size_t kHeader = 26 + 5 + 8 + 16;

class CryptStageTest : public ::testing::Test {
 protected:
  // Encrypts `size` pattern bytes to "t.tmenc" and returns the encrypted bytes.
  std::string EncryptedBytes(size_t size, const std::string& path = "t.tmenc", uint32_t seed = 0) {
    EXPECT_TRUE(Encrypt(fs_, path, PatternBytes(size, seed), key_).ok());
    return *ReadFileToString(fs_, path);
  }
  void Store(const std::string& bytes) {
    ASSERT_TRUE(WriteStringToFile(fs_, "t.tmenc", bytes).ok());
  }

  MemFileSystem fs_;
  CryptKey key_ = KeyOf(1);
};

TEST_F(CryptStageTest, RoundTripsAtChunkBoundaries) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk}, size_t{kChunk + 1},
                      size_t{5 * kChunk}, size_t{7 * kChunk + 333}}) {
    const std::string data = PatternBytes(size, static_cast<uint32_t>(size));
    TM_ASSERT_OK(Encrypt(fs_, "t.tmenc", data, key_));
    CryptHeader header;
    TM_ASSERT_OK_AND_ASSIGN(std::string back, Decrypt(fs_, "t.tmenc", key_, &header));
    EXPECT_EQ(back, data) << size;
    EXPECT_EQ(header.file_id, "t.ibd");
    EXPECT_EQ(header.chunk_size, kChunk);
    // Every chunk but the last is full; an empty file still has one (empty) final chunk.
    const size_t chunks = size == 0 ? 1 : (size + kChunk - 1) / kChunk;
    EXPECT_EQ(fs_.Stat("t.tmenc")->size, kHeader + size + chunks * kCryptTagSize) << size;
  }
}

TEST_F(CryptStageTest, SameDataEncryptsDifferentlyEachTime) {
  EXPECT_NE(EncryptedBytes(1000), EncryptedBytes(1000));
}

TEST_F(CryptStageTest, FlippedByteNamesTheChunk) {
  std::string bytes = EncryptedBytes(3 * kChunk + 10);
  bytes[kHeader + 2 * kStride + 100] ^= 0x01;
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc' chunk 2: authentication failed (damaged, or "
                                "not this file's chunk 2)"));
}

TEST_F(CryptStageTest, FlippedTagByteNamesTheChunk) {
  std::string bytes = EncryptedBytes(3 * kChunk + 10);
  bytes[bytes.size() - 1] ^= 0x80;
  Store(bytes);
  EXPECT_THAT(Decrypt(fs_, "t.tmenc", key_).status().message(), HasSubstr("chunk 3:"));
}

TEST_F(CryptStageTest, WrongKeyIsToldApart) {
  EncryptedBytes(10000);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", KeyOf(2)).status(),
            absl::FailedPreconditionError("decrypt 't.tmenc': wrong key (the header is intact "
                                          "but its key check does not match)"));
}

TEST_F(CryptStageTest, DamagedHeaderIsToldApartFromWrongKey) {
  for (size_t at : {size_t{12}, size_t{16}, size_t{27}}) {  // chunk size, nonce, file id
    std::string bytes = EncryptedBytes(10000);
    bytes[at] ^= 0x04;
    Store(bytes);
    EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
              absl::DataLossError("decrypt 't.tmenc': damaged header (checksum mismatch)"))
        << at;
  }
}

TEST_F(CryptStageTest, DamagedKeyCheckReadsAsWrongKey) {
  std::string bytes = EncryptedBytes(100);
  bytes[kHeader - 1] ^= 0x04;
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CryptStageTest, NotAnEncryptedFile) {
  Store(std::string(200, 'x'));
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc': not a tidemark encrypted file (bad magic)"));
  Store("junk");  // shorter than the magic
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc': not a tidemark encrypted file (bad magic)"));
}

TEST_F(CryptStageTest, TruncatedAtAChunkBoundaryIsNamed) {
  std::string bytes = EncryptedBytes(3 * kChunk + 10);
  bytes.resize(kHeader + 2 * kStride);  // chunks 0 and 1 whole, the last two gone
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc' chunk 1: truncated: the file ends after this "
                                "chunk but it is not the last one"));
}

TEST_F(CryptStageTest, TruncatedInsideAChunkFailsThatChunk) {
  std::string bytes = EncryptedBytes(3 * kChunk);
  bytes.resize(bytes.size() - 100);
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc' chunk 2: authentication failed (damaged, or "
                                "not this file's chunk 2)"));
}

TEST_F(CryptStageTest, TruncatedToLessThanATag) {
  std::string bytes = EncryptedBytes(2 * kChunk);
  bytes.resize(kHeader + kStride + 5);
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError(
                "decrypt 't.tmenc': truncated: 5 bytes after chunk 0, too few for a chunk"));
  bytes.resize(kHeader + 5);
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError(
                "decrypt 't.tmenc': truncated: 5 bytes after the header, too few for a chunk"));
}

TEST_F(CryptStageTest, TruncatedToTheHeader) {
  std::string bytes = EncryptedBytes(100);
  bytes.resize(kHeader);
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc': truncated: no chunks after the header"));
  bytes.resize(20);
  Store(bytes);
  EXPECT_EQ(Decrypt(fs_, "t.tmenc", key_).status(),
            absl::DataLossError("decrypt 't.tmenc': truncated header"));
}

TEST_F(CryptStageTest, ReorderedChunksAreDetected) {
  std::string bytes = EncryptedBytes(3 * kChunk + 10);
  std::string swapped = bytes;
  swapped.replace(kHeader, kStride, bytes.substr(kHeader + kStride, kStride));
  swapped.replace(kHeader + kStride, kStride, bytes.substr(kHeader, kStride));
  Store(swapped);
  EXPECT_THAT(Decrypt(fs_, "t.tmenc", key_).status().message(),
              HasSubstr("decrypt 't.tmenc' chunk 0: authentication failed"));
}

TEST_F(CryptStageTest, ChunkFromAnotherFileIsDetected) {
  // Same key, same size, same header layout: only the per-file nonce prefix and key check
  // differ, and they bind each chunk to its file.
  const std::string other = EncryptedBytes(3 * kChunk, "u.tmenc");
  std::string bytes = EncryptedBytes(3 * kChunk);
  bytes.replace(kHeader + kStride, kStride, other.substr(kHeader + kStride, kStride));
  Store(bytes);
  EXPECT_THAT(Decrypt(fs_, "t.tmenc", key_).status().message(),
              HasSubstr("decrypt 't.tmenc' chunk 1: authentication failed"));
}

TEST_F(CryptStageTest, ChunksReadInAnyOrder) {
  const std::string data = PatternBytes(4 * kChunk + 1);
  TM_ASSERT_OK(Encrypt(fs_, "t.tmenc", data, key_));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> in, fs_.OpenForRead("t.tmenc"));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<CryptReader> r, CryptReader::Open(*in, key_));
  ASSERT_EQ(r->chunk_count(), 5u);
  std::string chunk;
  for (uint64_t i : {4u, 2u, 0u, 3u, 1u}) {
    TM_ASSERT_OK(r->ReadChunk(i, chunk));
    EXPECT_EQ(chunk, data.substr(i * kChunk, kChunk)) << i;
  }
}

TEST_F(CryptStageTest, ChunksReadFromSeveralThreads) {
  const std::string data = PatternBytes(16 * kChunk);
  TM_ASSERT_OK(Encrypt(fs_, "t.tmenc", data, key_));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<RandomAccessFile> in, fs_.OpenForRead("t.tmenc"));
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<CryptReader> r, CryptReader::Open(*in, key_));
  std::vector<std::string> chunks(r->chunk_count());
  std::vector<absl::Status> results(r->chunk_count());
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < chunks.size(); i += 4) results[i] = r->ReadChunk(i, chunks[i]);
      });
    }
  }
  std::string joined;
  for (size_t i = 0; i < chunks.size(); ++i) {
    TM_ASSERT_OK(results[i]);
    joined += chunks[i];
  }
  EXPECT_EQ(joined, data);
}

TEST_F(CryptStageTest, RejectsBadChunkSize) {
  TM_ASSERT_OK_AND_ASSIGN(std::unique_ptr<WritableFile> raw, fs_.OpenForWrite("t.tmenc"));
  EXPECT_EQ(NewCryptWritableFile(std::move(raw), key_, CryptOptions{.chunk_size = 100}).status(),
            absl::InvalidArgumentError(
                "encrypt 't.tmenc': chunk size 100 is out of range (4096..67108864)"));
}

// The push decryptor (NewDecryptingWritableFile) fed `bytes` in pieces of `piece` bytes.
absl::StatusOr<std::string> PushDecrypt(const std::string& bytes, const CryptKey& key,
                                        size_t piece, std::string expected_id = "") {
  MemFileSystem fs;
  TM_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, fs.OpenForWrite("t"));
  std::unique_ptr<WritableFile> d =
      NewDecryptingWritableFile(std::move(out), key, "t.tmenc", std::move(expected_id));
  absl::Status s;
  for (size_t at = 0; at < bytes.size() && s.ok(); at += piece) {
    s = d->Append(AsBytes(std::string_view(bytes).substr(at, piece)));
  }
  absl::Status closed = d->Close();
  TM_RETURN_IF_ERROR(s);
  TM_RETURN_IF_ERROR(closed);
  return *ReadFileToString(fs, "t");
}

// Whatever the bytes (whole, cut anywhere, a byte flipped anywhere, another key), pushing them
// through the decryptor gives what DecryptFile gives: the same plaintext or the same error.
TEST_F(CryptStageTest, PushDecryptionAgreesWithTheReader) {
  const std::string good = EncryptedBytes(3 * kChunk + 10);
  auto expect_same = [&](const std::string& bytes, const CryptKey& key, const std::string& what) {
    Store(bytes);
    const absl::StatusOr<std::string> want = Decrypt(fs_, "t.tmenc", key);
    for (size_t piece : {size_t{1} << 20, size_t{1000}, kStride, size_t{7}}) {
      if (piece == 7 && bytes.size() > 2000 && what != "whole") continue;  // slow, same paths
      const absl::StatusOr<std::string> got = PushDecrypt(bytes, key, piece);
      ASSERT_EQ(got.status(), want.status()) << what << ", pieces of " << piece;
      if (want.ok()) ASSERT_EQ(*got, *want) << what;
    }
  };
  expect_same(good, key_, "whole");
  expect_same(good, KeyOf(2), "wrong key");
  for (size_t cut : {size_t{0}, size_t{20}, kHeader - 1, kHeader, kHeader + 5, kHeader + kStride,
                     kHeader + kStride + 5, kHeader + kStride + 100, kHeader + 3 * kStride,
                     good.size() - 1}) {
    expect_same(good.substr(0, cut), key_, absl::StrFormat("cut at %d", cut));
  }
  for (size_t at : {size_t{3}, size_t{30}, kHeader - 3, kHeader + 10, kHeader + kStride - 2,
                    kHeader + 2 * kStride + 50, good.size() - 1}) {
    std::string bad = good;
    bad[at] ^= 0x20;
    expect_same(bad, key_, absl::StrFormat("flipped at %d", at));
  }
  EXPECT_TRUE(PushDecrypt(good, key_, 1000, "t.ibd").ok());
  EXPECT_EQ(PushDecrypt(good, key_, 1000, "u.ibd").status(),
            absl::DataLossError("decrypt 't.tmenc': it is the encrypted file 't.ibd', not 'u.ibd'"));
}

TEST(CryptKeyTest, ParsesRawAndHexKeys) {
  const std::string hex = "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F";
  TM_ASSERT_OK_AND_ASSIGN(CryptKey from_hex, ParseCryptKey(hex + "\n", "test"));
  EXPECT_EQ(from_hex.bytes, KeyOf(0).bytes);
  std::string raw(reinterpret_cast<const char*>(KeyOf(0).bytes.data()), kCryptKeySize);
  TM_ASSERT_OK_AND_ASSIGN(CryptKey from_raw, ParseCryptKey(raw, "test"));
  EXPECT_EQ(from_raw.bytes, KeyOf(0).bytes);
}

TEST(CryptKeyTest, RejectsOtherLengthsAndNonHex) {
  EXPECT_EQ(ParseCryptKey("abc", "file 'k'").status(),
            absl::InvalidArgumentError(
                "key file 'k': expected 32 raw bytes or 64 hex digits, got 3 bytes"));
  EXPECT_FALSE(ParseCryptKey(std::string(64, 'g'), "k").ok());
  EXPECT_FALSE(ParseCryptKey(std::string(63, 'a'), "k").ok());
  EXPECT_FALSE(ParseCryptKey(std::string(33, 'a'), "k").ok());
}

TEST(CryptKeyTest, ReadsAKeyFile) {
  MemFileSystem fs;
  TM_ASSERT_OK(WriteStringToFile(fs, "k", std::string(64, 'f')));
  TM_ASSERT_OK_AND_ASSIGN(CryptKey key, ReadCryptKeyFile(fs, "k"));
  EXPECT_EQ(key.bytes[31], 0xFF);
}

}  // namespace
}  // namespace tidemark::io
