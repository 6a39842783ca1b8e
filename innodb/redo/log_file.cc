// Header block, checkpoint blocks and LSN arithmetic of a 10.8-format ib_logfile0
// (log0log.h, log0log.cc log_t::header_write, buf0flu.cc log_t::write_checkpoint,
// log0recv.cc recv_sys_t::find_checkpoint, log0crypt.cc log_crypt_write_header;
// MariaDB 10.11).
#include "innodb/redo/log_file.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_format.h"
#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"

namespace tidemark::innodb {

namespace {

bool IsZero(ByteSpan b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}

std::string ReadCreator(ByteSpan block) {
  ByteSpan field = block.subspan(kLogHeaderCreator, kLogHeaderCreatorEnd - kLogHeaderCreator);
  std::string s(field.begin(), field.end());
  s.resize(s.find('\0') == std::string::npos ? s.size() : s.find('\0'));
  return s;
}

// Format, reserved word, first_lsn and encryption info: the checks of find_checkpoint
// after the header checksum has been verified.
absl::Status CheckHeaderFields(const LogHeader& h, ByteSpan block) {
  if (h.format != kLogFormat10_8 && h.format != kLogFormatEnc11) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "unsupported redo log format 0x%08x (created by '%s'); only the 10.8 format "
        "(0x%08x, 0x%08x) can be read",
        h.format, h.creator, kLogFormat10_8, kLogFormatEnc11));
  }
  if (ReadBe32(block, 4) != 0) {
    return absl::DataLossError(absl::StrFormat(
        "invalid header block: word at 4 is 0x%08x, expected 0", ReadBe32(block, 4)));
  }
  if (h.first_lsn.value() < kLogFirstLsn) {
    return absl::DataLossError(absl::StrFormat("invalid header block: first_lsn %d is below %d",
                                               h.first_lsn.value(), kLogFirstLsn));
  }
  const uint32_t key_id = ReadBe32(block, kLogHeaderCrypt);
  if (h.encryption() != LogEncryption::kNone && key_id != kLogEncryptionKeyId) {
    return absl::DataLossError(absl::StrFormat("invalid encryption header: key id %d, expected %d",
                                               key_id, kLogEncryptionKeyId));
  }
  return absl::OkStatus();
}

absl::Status CheckLength(ByteSpan b, size_t need, std::string_view what) {
  if (b.size() >= need) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: %d bytes given, %d needed", what, b.size(), need));
}

}  // namespace

LogEncryption LogHeader::encryption() const {
  if (format == kLogFormatEnc11) return LogEncryption::kEnc11;
  const bool has_crypt = ReadBe32(crypt, 0) != 0;  // find_checkpoint: word at 48
  return has_crypt ? LogEncryption::kEnc10_8 : LogEncryption::kNone;
}

bool LogHeader::written_by_backup() const { return creator.starts_with("Backup "); }

absl::StatusOr<LogHeader> ParseLogHeader(ByteSpan block) {
  TM_RETURN_IF_ERROR(CheckLength(block, kLogHeaderBlockSize, "log header block"));
  const uint32_t stored = ReadBe32(block, kLogHeaderChecksum);
  const uint32_t computed = Crc32c(block.subspan(0, kLogHeaderChecksum));
  if (stored != computed) {
    return absl::DataLossError(absl::StrFormat(
        "log header: checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
  }
  LogHeader h;
  h.format = ReadBe32(block, kLogHeaderFormat);
  h.first_lsn = Lsn(ReadBe64(block, kLogHeaderStartLsn));
  h.creator = ReadCreator(block);
  std::copy_n(block.begin() + kLogHeaderCrypt, kLogHeaderCryptSize, h.crypt.begin());
  TM_RETURN_IF_ERROR(Annotate(CheckHeaderFields(h, block), "log header"));
  return h;
}

void WriteLogHeader(const LogHeader& h, MutableByteSpan block) {
  assert(block.size() >= kLogHeaderBlockSize);
  std::fill_n(block.begin(), kLogHeaderBlockSize, uint8_t{0});
  WriteBe32(block, kLogHeaderFormat, h.format);
  WriteBe64(block, kLogHeaderStartLsn, h.first_lsn.value());
  const size_t n = std::min(h.creator.size(), kLogHeaderCreatorEnd - kLogHeaderCreator);
  std::copy_n(h.creator.begin(), n, block.begin() + kLogHeaderCreator);
  if (h.encryption() != LogEncryption::kNone) {
    std::copy(h.crypt.begin(), h.crypt.end(), block.begin() + kLogHeaderCrypt);
  }
  WriteBe32(block, kLogHeaderChecksum, Crc32c(block.subspan(0, kLogHeaderChecksum)));
}

absl::StatusOr<LogCheckpoint> ParseLogCheckpoint(ByteSpan block, Lsn first_lsn) {
  TM_RETURN_IF_ERROR(CheckLength(block, kLogCheckpointBlockSize, "checkpoint block"));
  const uint32_t stored = ReadBe32(block, kLogCheckpointChecksum);
  const uint32_t computed = Crc32c(block.subspan(0, kLogCheckpointChecksum));
  if (stored != computed) {
    return absl::DataLossError(
        absl::StrFormat("checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
  }
  if (!IsZero(block.subspan(16, kLogCheckpointChecksum - 16))) {
    return absl::DataLossError("bytes 16..59 are not zero");
  }
  LogCheckpoint c{Lsn(ReadBe64(block, 0)), Lsn(ReadBe64(block, 8))};
  if (c.checkpoint_lsn < first_lsn) {
    return absl::DataLossError(absl::StrFormat("checkpoint_lsn %d is below first_lsn %d",
                                               c.checkpoint_lsn.value(), first_lsn.value()));
  }
  if (c.end_lsn < c.checkpoint_lsn) {
    return absl::DataLossError(absl::StrFormat("end_lsn %d is below checkpoint_lsn %d",
                                               c.end_lsn.value(), c.checkpoint_lsn.value()));
  }
  return c;
}

void WriteLogCheckpoint(const LogCheckpoint& c, MutableByteSpan block) {
  assert(block.size() >= kLogCheckpointBlockSize);
  std::fill_n(block.begin(), kLogCheckpointBlockSize, uint8_t{0});
  WriteBe64(block, 0, c.checkpoint_lsn.value());
  WriteBe64(block, 8, c.end_lsn.value());
  WriteBe32(block, kLogCheckpointChecksum, Crc32c(block.subspan(0, kLogCheckpointChecksum)));
}

absl::StatusOr<LogFileHead> ParseLogFileHead(ByteSpan head) {
  TM_RETURN_IF_ERROR(CheckLength(head, kLogStartOffset, "log file head"));
  LogFileHead out;
  TM_ASSIGN_OR_RETURN(out.header, ParseLogHeader(head));
  std::string reasons;
  bool found = false;
  for (size_t at : {kLogCheckpoint1, kLogCheckpoint2}) {
    absl::StatusOr<LogCheckpoint> c = ParseLogCheckpoint(head.subspan(at), out.header.first_lsn);
    if (!c.ok()) {
      reasons +=
          absl::StrFormat("%sblock %d: %s", reasons.empty() ? "" : "; ", at, c.status().message());
    } else if (!found || c->checkpoint_lsn >= out.checkpoint.checkpoint_lsn) {
      out.checkpoint = *c;  // ">=": on a tie the later block wins, as in find_checkpoint
      out.checkpoint_offset = at;
      found = true;
    }
  }
  if (!found) return absl::DataLossError("log file head: no valid checkpoint (" + reasons + ")");
  return out;
}

absl::StatusOr<LogGeometry> LogGeometry::Create(Lsn first_lsn, uint64_t file_size) {
  if (first_lsn.value() < kLogFirstLsn) {
    return absl::InvalidArgumentError(
        absl::StrFormat("log geometry: first_lsn %d is below %d", first_lsn.value(), kLogFirstLsn));
  }
  constexpr uint64_t kMinSize = kLogStartOffset + 16;  // + SIZE_OF_FILE_CHECKPOINT
  if (file_size < kMinSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "log geometry: file size %d is too small (minimum %d)", file_size, kMinSize));
  }
  return LogGeometry(first_lsn, file_size);
}

uint64_t LogGeometry::Offset(Lsn lsn) const {
  assert(lsn >= first_lsn_);
  return kLogStartOffset + (lsn.value() - first_lsn_.value()) % capacity();
}

uint8_t LogGeometry::SequenceBit(Lsn lsn) const {
  assert(lsn >= first_lsn_);
  return ((lsn.value() - first_lsn_.value()) / capacity()) % 2 == 0 ? 1 : 0;
}

}  // namespace tidemark::innodb
