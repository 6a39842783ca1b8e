// The fixed part of a 10.8-format `ib_logfile0`: the header block at 0, the two checkpoint
// blocks at 4096 and 8192, and the LSN <-> offset arithmetic of the circular data area
// that starts at 12288 (log0log.h, log_t::header_write in log0log.cc,
// log_t::write_checkpoint in buf0flu.cc, recv_sys_t::find_checkpoint in log0recv.cc;
// MariaDB 10.11). docs/redo-format.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"

namespace tidemark::innodb {

// log_t::FORMAT_* as stored at offset 0.
inline constexpr uint32_t kLogFormat10_8 = 0x50687973;   // "Phys"
inline constexpr uint32_t kLogFormatEnc11 = 0xF09F979D;  // 10.11 innodb_encrypt_log=ON
inline constexpr uint32_t kLogFormat10_5 = 0x50485953;   // "PHYS": not recoverable by 10.11

inline constexpr size_t kLogHeaderFormat = 0;
inline constexpr size_t kLogHeaderStartLsn = 8;
inline constexpr size_t kLogHeaderCreator = 16;
inline constexpr size_t kLogHeaderCreatorEnd = 48;
inline constexpr size_t kLogHeaderCrypt = 48;       // log_crypt_write_header
inline constexpr size_t kLogHeaderCryptSize = 28;   // key id, key version, msg[16], nonce[4]
inline constexpr size_t kLogHeaderChecksum = 508;   // CRC-32C of [0, 508)
inline constexpr size_t kLogHeaderBlockSize = 512;  // bytes the header occupies
inline constexpr size_t kLogCheckpoint1 = 4096;
inline constexpr size_t kLogCheckpoint2 = 8192;
inline constexpr size_t kLogCheckpointChecksum = 60;  // CRC-32C of [0, 60) of the block
inline constexpr size_t kLogCheckpointBlockSize = 64;
inline constexpr uint64_t kLogStartOffset = 12288;  // START_OFFSET: first data byte
inline constexpr uint64_t kLogFirstLsn = 12288;     // FIRST_LSN: smallest valid first_lsn
// LOG_DEFAULT_ENCRYPTION_KEY: the only key id an encrypted log header may name.
inline constexpr uint32_t kLogEncryptionKeyId = 1;

// How mini-transactions are encrypted, derived from the header (find_checkpoint).
enum class LogEncryption : uint8_t {
  kNone,
  kEnc10_8,  // FORMAT_10_8 with encryption info at 48: page payloads encrypted
  kEnc11,    // FORMAT_ENC_11: everything but record type/length bytes encrypted
};

// Bytes of nonce between an mtr's end marker and its CRC: 0, or 8 when encrypted.
inline size_t NonceSize(LogEncryption e) { return e == LogEncryption::kNone ? 0 : 8; }

// The header block, as read or to be written.
struct LogHeader {
  uint32_t format = kLogFormat10_8;                  // the word at offset 0
  Lsn first_lsn{kLogFirstLsn};                       // LSN of file offset 12288
  std::string creator;                               // up to 32 bytes, trailing NULs removed
  std::array<uint8_t, kLogHeaderCryptSize> crypt{};  // bytes 48..75, opaque

  LogEncryption encryption() const;
  // The creator starts with "Backup ": a log written by mariadb-backup, whose first
  // server start must not trust the data files' flush state (srv_start_after_restore).
  bool written_by_backup() const;
};

// Parses the header block; `block` must hold at least 512 bytes (checked). Errors:
// DataLoss for a checksum mismatch or an impossible field (nonzero word at 4, first_lsn
// below 12288, an encryption header that does not name key id 1); FailedPrecondition for a
// checksummed header of another format (10.5 and older cannot be recovered by 10.11).
absl::StatusOr<LogHeader> ParseLogHeader(ByteSpan block);

// Writes `h` into block[0, 512): format, first_lsn, the creator (NUL padded, truncated to
// 32 bytes as strncpy does), the crypt bytes when `h` is encrypted (zeros otherwise) and
// the CRC-32C at 508. Precondition: block.size() >= 512. Bytes from 512 on are untouched.
void WriteLogHeader(const LogHeader& h, MutableByteSpan block);

// One checkpoint block (log_t::write_checkpoint).
struct LogCheckpoint {
  Lsn checkpoint_lsn;  // recovery applies log from here
  Lsn end_lsn;         // start LSN of the mtr holding FILE_CHECKPOINT(checkpoint_lsn)
  bool operator==(const LogCheckpoint&) const = default;
};

// Parses a checkpoint block (at least 64 bytes, checked) with find_checkpoint's rules:
// CRC-32C at 60 matches, bytes 16..59 are zero, checkpoint_lsn >= first_lsn and
// end_lsn >= checkpoint_lsn. Any failure is DataLoss naming the rule.
absl::StatusOr<LogCheckpoint> ParseLogCheckpoint(ByteSpan block, Lsn first_lsn);

// Writes c into block[0, 64) (zero padding and CRC included). Precondition: size >= 64.
void WriteLogCheckpoint(const LogCheckpoint& c, MutableByteSpan block);

// The header and the checkpoint recovery (and the backup) start from.
struct LogFileHead {
  LogHeader header;
  LogCheckpoint checkpoint;
  size_t checkpoint_offset = 0;  // kLogCheckpoint1 or kLogCheckpoint2
};

// Reads the first 12288 bytes of ib_logfile0 (`head` must hold them; checked): the header
// and the valid checkpoint block with the larger checkpoint_lsn, the second on a tie
// (find_checkpoint). Errors: those of ParseLogHeader; DataLoss "no valid checkpoint"
// (naming both blocks' reasons) when neither block is valid.
absl::StatusOr<LogFileHead> ParseLogFileHead(ByteSpan head);

// Where LSNs live in a circular file of `file_size` bytes whose offset 12288 holds
// first_lsn (log_t::calc_lsn_offset, log_t::get_sequence_bit).
class LogGeometry {
 public:
  // Errors: InvalidArgument when first_lsn < 12288, or when the file cannot hold one
  // FILE_CHECKPOINT mtr past the fixed blocks (file_size < 12288 + 16, as find_checkpoint
  // calls "too small").
  static absl::StatusOr<LogGeometry> Create(Lsn first_lsn, uint64_t file_size);

  Lsn first_lsn() const { return first_lsn_; }
  uint64_t file_size() const { return file_size_; }
  uint64_t capacity() const { return file_size_ - kLogStartOffset; }
  // File offset of `lsn` (precondition: lsn >= first_lsn, asserted).
  uint64_t Offset(Lsn lsn) const;
  // The end-marker value an mtr ending at a byte at `lsn` must carry: 1 on even passes
  // over the file (the first is pass 0), 0 on odd ones.
  uint8_t SequenceBit(Lsn lsn) const;

 private:
  LogGeometry(Lsn first_lsn, uint64_t file_size) : first_lsn_(first_lsn), file_size_(file_size) {}
  Lsn first_lsn_;
  uint64_t file_size_ = 0;
};

}  // namespace tidemark::innodb
