// Reading a backup's linear redo log in bounded chunks, and the log prepare leaves behind
// (see the header).
#include "engine/prepare_log.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "innodb/base/crc32c.h"
#include "innodb/base/status.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_view.h"

namespace tidemark::engine {

std::string LogStop::Describe() const {
  if (end_of_file) return "end of file";
  if (by_caller) return "batch full";
  if (at_limit) return "limit reached";
  return absl::StrFormat("%s: %s", innodb::MtrVerdictName(result.verdict), result.detail);
}

absl::StatusOr<std::unique_ptr<BackupLogReader>> BackupLogReader::Open(io::FileSystem& fs,
                                                                       std::string_view dir,
                                                                       size_t chunk_bytes) {
  const std::string path = io::JoinPath(dir, kLogFileName);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> file, fs.OpenForRead(path));
  TM_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::vector<uint8_t> head(innodb::kLogStartOffset);
  TM_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, head));
  if (n < head.size() || size < kPreparedLogSize) {
    return absl::DataLossError(
        absl::StrFormat("'%s': %d bytes is too short for a redo log", path, size));
  }
  absl::StatusOr<innodb::LogFileHead> parsed = innodb::ParseLogFileHead(head);
  if (!parsed.ok()) return Annotate(parsed.status(), absl::StrFormat("'%s'", path));
  if (parsed->header.encryption() != innodb::LogEncryption::kNone) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s': encrypted redo log: prepare needs the encryption key, which tidemark cannot use",
        path));
  }
  if (parsed->checkpoint.checkpoint_lsn < parsed->header.first_lsn) {
    return absl::DataLossError(absl::StrFormat("'%s': checkpoint LSN %d is before first LSN %d",
                                               path, parsed->checkpoint.checkpoint_lsn.value(),
                                               parsed->header.first_lsn.value()));
  }
  TM_ASSIGN_OR_RETURN(innodb::LogGeometry g,
                      innodb::BackupLogGeometry(parsed->header.first_lsn, size));
  innodb::MtrFraming framing{.geometry = g, .encryption = innodb::LogEncryption::kNone};
  return std::unique_ptr<BackupLogReader>(
      new BackupLogReader(std::move(file), *parsed, size, framing, std::max<size_t>(chunk_bytes, 4096)));
}

uint64_t BackupLogReader::OffsetOf(Lsn lsn) const {
  return innodb::kLogStartOffset + (lsn.value() - head_.header.first_lsn.value());
}

absl::StatusOr<LogStop> BackupLogReader::ForEachMtr(Lsn from, Lsn until, const MtrVisitor& visit) {
  std::vector<uint8_t> buf;
  Lsn buf_lsn = from;
  LogStop stop;
  // Only a read that continues the validated range [validated_from_, validated_until_)
  // extends it.
  if (validated_until_ == Lsn(0)) validated_from_ = validated_until_ = from;
  const bool extends = from >= validated_from_ && from <= validated_until_;
  for (;;) {
    const uint64_t read_at = OffsetOf(buf_lsn) + buf.size();
    const size_t want = static_cast<size_t>(
        std::min<uint64_t>(chunk_, file_size_ > read_at ? file_size_ - read_at : 0));
    const size_t old = buf.size();
    buf.resize(old + want);
    TM_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(read_at, MutableByteSpan(buf).subspan(old)));
    buf.resize(old + got);
    const bool eof = read_at + got >= file_size_;
    innodb::MtrFraming framing = framing_;
    framing.validate_records = buf_lsn < validated_from_ ||
                               buf_lsn.value() + buf.size() > validated_until_.value();
    innodb::MtrReader reader(innodb::LogView(buf_lsn, buf), framing);
    for (;;) {
      stop.lsn = reader.lsn();
      if (stop.lsn >= until) {
        stop.at_limit = true;
        return stop;
      }
      innodb::MtrResult r = reader.Read();
      if (r.ok() && framing.validate_records && extends) {
        validated_until_ = std::max(validated_until_, reader.lsn());
      }
      if (r.ok()) {
        TM_ASSIGN_OR_RETURN(bool go_on, visit(r.mtr));
        if (!go_on) {
          stop.lsn = reader.lsn();
          stop.by_caller = true;
          return stop;
        }
        continue;
      }
      if (r.verdict == innodb::MtrVerdict::kIncomplete && !eof) break;
      stop.end_of_file = r.verdict == innodb::MtrVerdict::kIncomplete && reader.remaining().empty();
      stop.result = std::move(r);
      return stop;
    }
    buf.erase(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(reader.lsn().value() - buf_lsn.value()));
    buf_lsn = reader.lsn();
  }
}

std::vector<uint8_t> BuildPreparedLog(Lsn end_lsn, std::string_view creator) {
  const Lsn c(end_lsn.value() - 16);
  std::vector<uint8_t> out(kPreparedLogSize, 0);
  innodb::LogHeader h;
  h.format = innodb::kLogFormat10_8;
  h.first_lsn = c;
  h.creator = std::string(creator);
  innodb::WriteLogHeader(h, out);
  innodb::WriteLogCheckpoint({c, c}, MutableByteSpan(out).subspan(innodb::kLogCheckpoint1));
  // FILE_CHECKPOINT | 10, space 0, page 0, the LSN; end marker 1; CRC-32C of the 11 bytes.
  MutableByteSpan mtr = MutableByteSpan(out).subspan(innodb::kLogStartOffset);
  mtr[0] = 0xFA;
  WriteBe64(mtr, 3, c.value());
  mtr[11] = 1;
  WriteBe32(mtr, 12, Crc32c(ByteSpan(mtr.first(11))));
  return out;
}

std::string PreparedLogCreator(const innodb::LogHeader& backup_log, std::string_view server_version) {
  if (backup_log.creator.rfind("Backup ", 0) == 0) return backup_log.creator;
  const size_t end = server_version.find_first_not_of("0123456789.");
  const std::string_view v = server_version.substr(0, end);
  if (std::count(v.begin(), v.end(), '.') == 2) return innodb::BackupLogCreator(v);
  return "Backup 10.11";
}

}  // namespace tidemark::engine
