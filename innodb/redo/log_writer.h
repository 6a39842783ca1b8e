// Writing redo: records encoded as the server encodes them (mtr_t::log_write in
// mtr0log.h), mtrs framed with end marker, nonce and CRC-32C (mtr_t::finish_writer in
// mtr0mtr.cc), and an in-memory circular ib_logfile0 image to place them in. Used by the
// format tests to build logs (including wrap-around and corruption) and by code that must
// write a log (prepare's final FILE_CHECKPOINT mtr). MariaDB 10.11.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/log_view.h"
#include "innodb/redo/record.h"

namespace tidemark::innodb {

// Appends one record: `type` (the type bits with bit 7 as wanted; bits 3..0 must be 0),
// the length (in bits 3..0 for 1..15 bytes, else 0 and a varint), then `body`.
// Precondition: !body.empty().
void AppendRecord(uint8_t type, ByteSpan body, std::vector<uint8_t>& out);

// Builds the records of one mini-transaction. Page ids and offsets are varint-encoded;
// the caller chooses between a page id and same_page, as mtr_t::log_write does.
class MtrBuilder {
 public:
  MtrBuilder& FileCreate(SpaceId space, std::string_view name);
  MtrBuilder& FileDelete(SpaceId space, std::string_view name);
  MtrBuilder& FileModify(SpaceId space, std::string_view name);
  MtrBuilder& FileRename(SpaceId space, std::string_view from, std::string_view to);
  // `FA 00 00` + 8-byte LSN: must be the last record.
  MtrBuilder& FileCheckpoint(Lsn checkpoint_lsn);

  // A page record with a page id (bit 7 clear) and `payload` after it.
  MtrBuilder& Page(PageRecordType type, RedoPageId id, ByteSpan payload = {});
  // A same_page record (bit 7 set, no page id). Precondition: !payload.empty().
  MtrBuilder& SamePage(PageRecordType type, ByteSpan payload);
  MtrBuilder& InitPage(RedoPageId id) { return Page(PageRecordType::kInitPage, id); }
  MtrBuilder& FreePage(RedoPageId id) { return Page(PageRecordType::kFreePage, id); }
  MtrBuilder& Extended(RedoPageId id, ExtendedType subtype, ByteSpan params = {});
  // WRITE with a page id: `offset` is absolute (relative to 0).
  MtrBuilder& Write(RedoPageId id, uint32_t offset, ByteSpan data);
  // Bytes appended as they are (for malformed records in tests).
  MtrBuilder& Raw(ByteSpan bytes);

  const std::vector<uint8_t>& records() const { return records_; }

 private:
  MtrBuilder& FileRecord(FileRecordType type, SpaceId space, ByteSpan payload);
  std::vector<uint8_t> records_;
};

// A complete mtr: records, end marker `sequence_bit`, `nonce` (8 bytes for an encrypted
// log, empty otherwise) and the CRC-32C of records + nonce.
std::vector<uint8_t> EncodeMtr(ByteSpan records, uint8_t sequence_bit, ByteSpan nonce = {});

// An ib_logfile0 held in memory: header, checkpoint blocks and the circular data area.
// Mtrs are appended at lsn() with the sequence bit of their position and wrap at the end
// of the file like the server's writes. Not thread-safe.
class LogImage {
 public:
  // A zeroed file of `file_size` bytes with `header` written (the geometry's errors).
  static absl::StatusOr<LogImage> Create(const LogHeader& header, uint64_t file_size);

  const LogGeometry& geometry() const { return geometry_; }
  LogEncryption encryption() const { return encryption_; }
  // Where the next mtr goes; starts at first_lsn.
  Lsn lsn() const { return lsn_; }
  // Moves lsn() (tests stage an mtr at a chosen position). Precondition: lsn >= first_lsn.
  void Seek(Lsn lsn) { lsn_ = lsn; }
  // Frames `records` as one mtr at lsn() and writes it; returns its start LSN. For an
  // encrypted image the nonce is the start LSN, big-endian (the server uses an LSN too).
  // Precondition: the mtr is shorter than the capacity.
  Lsn Append(ByteSpan records);
  // Writes bytes at an LSN, wrapping like the log (tests use it to corrupt or to stage a
  // stale pass). Precondition: at >= first_lsn, bytes.size() <= capacity.
  void WriteAt(Lsn at, ByteSpan bytes);
  // The byte at an LSN.
  uint8_t At(Lsn at) const { return file_[geometry_.Offset(at)]; }
  // Writes a checkpoint block at kLogCheckpoint1 or kLogCheckpoint2.
  void SetCheckpoint(size_t block_offset, const LogCheckpoint& c);
  // The logical bytes [from, to): precondition as for LogView::OfFile.
  LogView View(Lsn from, Lsn to) const;
  const std::vector<uint8_t>& file() const { return file_; }

 private:
  LogImage(LogGeometry g, LogEncryption e) : geometry_(g), encryption_(e) {}
  LogGeometry geometry_;
  LogEncryption encryption_;
  Lsn lsn_;
  std::vector<uint8_t> file_;
};

}  // namespace tidemark::innodb
