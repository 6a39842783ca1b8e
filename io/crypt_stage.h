// The encryption stage: tidemark's own encrypted file format (docs/encryption.md), AES-256-GCM
// through OpenSSL 3 in independent chunks, so chunks can be decrypted in any order and a
// damaged one is found and named. A writer (a WritableFile wrapper, so a backup composes
// data -> zstd -> encrypt -> file) and a reader that checks the header, the key and each chunk.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "io/file_system.h"
#include "io/zstd_stage.h"

namespace tidemark::io {

// The file-name suffix of an encrypted file.
inline constexpr std::string_view kCryptSuffix = ".tmenc";

inline constexpr size_t kCryptKeySize = 32;
inline constexpr size_t kCryptTagSize = 16;
inline constexpr uint32_t kDefaultCryptChunkSize = uint32_t{1} << 20;
inline constexpr uint32_t kMinCryptChunkSize = 4096;
inline constexpr uint32_t kMaxCryptChunkSize = uint32_t{64} << 20;

// A 256-bit AES key. Never printed, never logged.
struct CryptKey {
  std::array<uint8_t, kCryptKeySize> bytes{};
};

// Parses a key as read from a key file or the environment: exactly 32 raw bytes, or exactly 64
// hex digits (either case), either optionally followed by one "\n" or "\r\n". `source` names
// where it came from in the error. Errors: InvalidArgument "key <source>: expected 32 raw bytes
// or 64 hex digits, got N bytes" (the key itself is never quoted).
absl::StatusOr<CryptKey> ParseCryptKey(std::string_view contents, std::string_view source);

// Reads and parses the key file at `path`. Errors: the file system's; ParseCryptKey's.
absl::StatusOr<CryptKey> ReadCryptKeyFile(FileSystem& fs, std::string_view path);

struct CryptOptions {
  uint32_t chunk_size = kDefaultCryptChunkSize;  // plaintext bytes per chunk
  // Authenticated in the header: the plaintext file's path relative to the backup, so that a
  // whole encrypted file put in the place of another is detected (decrypt compares it).
  std::string file_id;
};

// Returns a WritableFile that encrypts everything appended into chunks written to `inner`,
// with a fresh random nonce prefix. Close writes the final chunk (possibly empty), then closes
// `inner`. Sequential only, like NewZstdWritableFile. Errors: InvalidArgument for a chunk size
// outside [4 KiB, 64 MiB] or a file id longer than 4096 bytes; Internal when OpenSSL fails;
// write errors of `inner` unchanged. Not thread-safe.
absl::StatusOr<std::unique_ptr<WritableFile>> NewCryptWritableFile(
    std::unique_ptr<WritableFile> inner, const CryptKey& key, const CryptOptions& options = {});

// The inverse of NewCryptWritableFile as a WritableFile: what is written to it is an encrypted
// file, front to back (e.g. from an xbstream), and `inner` receives the plaintext; chunks are
// authenticated as they complete, the last one at Close. `name` names the encrypted file in
// messages (default: inner's path + ".tmenc"). `expected_file_id`, when not empty, must be
// the header's file id. Sequential only. Errors: those of CryptReader::Open and ReadChunk
// (DataLoss, FailedPrecondition for a wrong key), DataLoss "decrypt '<path>': it is the
// encrypted file 'x', not 'y'", and at Close the truncations; write errors of `inner`.
std::unique_ptr<WritableFile> NewDecryptingWritableFile(std::unique_ptr<WritableFile> inner,
                                                        const CryptKey& key, std::string name = "",
                                                        std::string expected_file_id = "");

// What an encrypted file's header says.
struct CryptHeader {
  uint32_t chunk_size = 0;
  std::string file_id;
  uint64_t header_size = 0;  // bytes before chunk 0
};

// Reads an encrypted file chunk by chunk. ReadChunk may be called concurrently and in any
// order (each call uses its own cipher context); `in` must outlive the reader.
class CryptReader {
 public:
  // Reads and checks the header. Errors: DataLoss "decrypt '<path>': not a tidemark encrypted
  // file (bad magic)", "...: unsupported version N", "...: damaged header (checksum mismatch)",
  // "...: truncated header", "...: truncated: no chunks after the header", "...: truncated: M
  // bytes after chunk N, too few for a chunk"; FailedPrecondition "decrypt '<path>': wrong key (the
  // header is intact but its key check does not match)"; read errors of `in`.
  static absl::StatusOr<std::unique_ptr<CryptReader>> Open(RandomAccessFile& in,
                                                           const CryptKey& key);
  ~CryptReader();

  const CryptHeader& header() const { return header_; }
  // Chunks in the file (at least 1), from its size at Open.
  uint64_t chunk_count() const { return chunk_count_; }

  // Decrypts chunk `index` (< chunk_count()) into `out` (resized to its plaintext). Errors,
  // DataLoss naming the file and chunk: "decrypt '<path>' chunk N: authentication failed
  // (damaged, or not this file's chunk N)"; "decrypt '<path>' chunk N: truncated: the file
  // ends after this chunk but it is not the last one"; "...: the file shrank while it was
  // read"; read errors of `in`.
  absl::Status ReadChunk(uint64_t index, std::string& out) const;

 private:
  CryptReader(RandomAccessFile& in, const CryptKey& key, CryptHeader header, uint64_t size);

  RandomAccessFile& in_;
  CryptKey key_;
  CryptHeader header_;
  std::array<uint8_t, 8> nonce_prefix_{};
  std::array<uint8_t, kCryptTagSize> key_check_{};
  uint64_t file_size_;
  uint64_t chunk_count_ = 0;
};

// Decrypts the whole file `in` into `sink`, chunk by chunk in order. Errors: CryptReader's.
// `header_out`, when given, receives the header (for the file id check).
absl::Status DecryptFile(RandomAccessFile& in, const CryptKey& key, const ByteSink& sink,
                         CryptHeader* header_out = nullptr);

}  // namespace tidemark::io
