// Redo log records inside one mini-transaction: the record header (type byte and length),
// the page id with its same_page rule, the FILE_* records that name tablespaces, and page
// records with their raw payload. Decoding and checks follow recv_sys_t::parse_tail and
// log_parse_file (log0recv.cc) and the format comment in mtr0types.h (MariaDB 10.11);
// INNODB_FORMATS.md §3.4-3.7, docs/redo-format.md "Records".
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"

namespace tidemark::innodb {

// Bits 6..4 of the type byte of a page record (mrec_type_t).
enum class PageRecordType : uint8_t {
  kFreePage = 0x00,
  kInitPage = 0x10,
  kExtended = 0x20,
  kWrite = 0x30,
  kMemset = 0x40,
  kMemmove = 0x50,
  kReserved = 0x60,
  kOption = 0x70,
};

// Bits 7..4 of the type byte of a file record (mfile_type_t).
enum class FileRecordType : uint8_t {
  kCreate = 0x80,
  kDelete = 0x90,
  kRename = 0xA0,
  kModify = 0xB0,
  kCheckpoint = 0xF0,
};

// First payload byte of an EXTENDED record (mrec_ext_t).
enum class ExtendedType : uint8_t {
  kInitRowFormatRedundant = 0,
  kInitRowFormatDynamic = 1,
  kUndoInit = 2,
  kUndoAppend = 3,
  kInsertHeapRedundant = 4,
  kInsertReuseRedundant = 5,
  kInsertHeapDynamic = 6,
  kInsertReuseDynamic = 7,
  kDeleteRowFormatRedundant = 8,
  kDeleteRowFormatDynamic = 9,
  kTrimPages = 10,
};

// First payload byte of an OPTION record (mrec_opt).
inline constexpr uint8_t kOptPageChecksum = 0;
// Largest page record the server accepts (UNIV_PAGE_SIZE_MAX: a record must fit a page).
inline constexpr size_t kMaxPageRecordSize = 65536;

struct RedoPageId {
  SpaceId space;
  PageNo page;
  auto operator<=>(const RedoPageId&) const = default;
};

// Type byte and length of a record (mtr_t::parse_length).
struct RecordHeader {
  uint8_t type_byte = 0;
  size_t header_size = 0;  // 1, or 1 + the length varint when bits 3..0 are 0
  size_t body_size = 0;    // bytes that follow the header
  size_t total_size() const { return header_size + body_size; }
};

// Names for messages and statistics: "WRITE", "EXTENDED UNDO_APPEND" (a page record's type
// byte and its payload after the page id; "EXTENDED subtype 42" for an unknown subtype),
// "FILE_CREATE" ... "FILE_CHECKPOINT" for file records.
std::string PageRecordTypeName(uint8_t type_byte, ByteSpan payload);
std::string_view FileRecordTypeName(uint8_t type_byte);

// Decodes the header of the record at the start of `in`: bits 3..0 of the first byte are
// the number of bytes that follow (1..15), or 0, and then a varint V follows and the bytes
// after the type byte, the varint included, number V + 15 (so body_size = V + 15 - the
// varint's length). Returns nullopt when `in` is too short for the length bytes or the
// varint is reserved; the body itself may extend past `in`. Precondition: !in.empty().
std::optional<RecordHeader> DecodeRecordHeader(ByteSpan in);

enum class RecordKind : uint8_t {
  kPage,     // FREE_PAGE .. OPTION, with a page id or same_page
  kFile,     // FILE_CREATE/DELETE/RENAME/MODIFY/CHECKPOINT
  kPadding,  // `F1 00`, `F2 00 00` or FILE_CHECKPOINT with an all-zero payload: skip
};

// How much of a record is ciphertext (INNODB_FORMATS.md §3.8).
enum class RecordCipher : uint8_t {
  kClear,
  kPayload,  // FORMAT_ENC_10_8 page record: page id clear, payload encrypted
  kBody,     // FORMAT_ENC_11: only the header is clear; nothing after it is decoded
};

// One decoded record. Spans and string_views point into the records given to the reader.
struct RedoRecord {
  RecordKind kind = RecordKind::kPage;
  RecordCipher cipher = RecordCipher::kClear;
  uint8_t type_byte = 0;      // as written, including bit 7 and the length nibble
  size_t offset = 0;          // position of the record within the mtr's records
  size_t size = 0;            // header + body
  bool same_page = false;     // page record that reuses the previous record's page id
  RedoPageId page;            // page records (same_page: inherited); file records: (space, 0)
  ByteSpan payload;           // page records: after the page id; file records: after page no
  std::string_view name;      // FILE_*: the (first) file name
  std::string_view new_name;  // FILE_RENAME: the new name
  Lsn checkpoint_lsn;         // FILE_CHECKPOINT

  PageRecordType page_type() const { return PageRecordType(type_byte & 0x70); }
  FileRecordType file_type() const { return FileRecordType(type_byte & 0xF0); }
  // The EXTENDED subtype, when this is a clear EXTENDED record.
  std::optional<ExtendedType> extended_type() const;
  // INIT_PAGE of page 0: a tablespace being created (mariadb-backup: first_page_init).
  bool IsFirstPageInit() const;
  // EXTENDED TRIM_PAGES (undo tablespace truncation); page.page is the new size in pages.
  bool IsTrimPages() const;
};

// Walks the records of one mini-transaction, LevelDB-reader style: Next() yields records
// until the end of `records` (exactly the bytes before the end marker) or the first
// malformed one, after which status() tells where and why. The checks are those recovery
// makes while parsing (parse_tail, log_parse_file) that depend neither on the page size nor
// on the server's configuration (the undo tablespace range is not known here); byte offsets
// inside WRITE/MEMSET/MEMMOVE are left to the applier. mariadb-backup's own backup-mode
// parse skips the per-type page-record checks (same_page FREE/INIT, empty payloads); a
// server-written log never fails them, and prepare would.
class RecordReader {
 public:
  RecordReader(ByteSpan records, LogEncryption encryption)
      : records_(records), encryption_(encryption) {}

  // Reads the next record into `out`: true, or false at the end (status() OK) or at a
  // malformed record (status() DataLoss "record at +N (type 0xTT): reason").
  bool Next(RedoRecord& out);
  const absl::Status& status() const { return status_; }
  // Position of the next record within `records`.
  size_t offset() const { return pos_; }

 private:
  bool Fail(std::string_view reason);
  bool DecodeBody(RedoRecord& r, ByteSpan body);
  bool DecodePageId(RedoRecord& r, ByteSpan& body);
  bool DecodeFileRecord(RedoRecord& r, ByteSpan body);
  bool DecodeCheckpoint(RedoRecord& r, ByteSpan body);
  bool DecodeFileNames(RedoRecord& r, ByteSpan body);
  bool CheckPageRecord(const RedoRecord& r);

  ByteSpan records_;
  LogEncryption encryption_;
  size_t pos_ = 0;
  bool got_page_op_ = false;  // a page record was seen: bit 7 now means same_page
  RedoPageId last_page_;
  absl::Status status_;
};

// Runs a RecordReader over `records` to the end; the first malformed record's status.
absl::Status ValidateRecords(ByteSpan records, LogEncryption encryption);

// What a backup's log copier takes from one mtr: what mariadb-backup's backup-mode parse
// reports (log_file_op, first_page_init, undo_space_trunc in xtrabackup.cc) plus the pages
// an incremental backup must consider changed. Records and names point into `records`:
// copy what must outlive the buffer.
struct MtrDigest {
  std::vector<RedoRecord> file_records;  // FILE_CREATE/DELETE/RENAME/MODIFY, in order
  std::optional<Lsn> checkpoint_lsn;     // FILE_CHECKPOINT
  std::vector<SpaceId> created_spaces;   // INIT_PAGE of page 0 (a new tablespace)
  std::vector<RedoPageId> trimmed;       // TRIM_PAGES: (undo space, new size in pages)
  std::vector<RedoPageId> pages;         // page records' pages, sorted, distinct
};

// Digests the records of one mtr. FORMAT_ENC_11 hides page ids and names, so only the kinds
// of records are known: file_records then hold records without names, and `pages`,
// `created_spaces` and `trimmed` stay empty. Errors: those of RecordReader.
absl::StatusOr<MtrDigest> DigestMtrRecords(ByteSpan records, LogEncryption encryption);

}  // namespace tidemark::innodb
