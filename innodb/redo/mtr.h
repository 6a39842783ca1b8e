// Framing of mini-transactions in the logical redo byte sequence: where one ends, whether
// its end marker carries the right sequence bit and its CRC-32C matches, and, when it
// does not parse, exactly where and why the log stops there (log_parse_start and
// recv_sys_t::parse in log0recv.cc, MariaDB 10.11; INNODB_FORMATS.md §3.3;
// docs/redo-format.md "Mini-transactions").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "innodb/base/types.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/log_view.h"

namespace tidemark::innodb {

// recv_sys_t::MTR_SIZE_MAX: the records of one mtr must stay below this many bytes.
inline constexpr size_t kMtrSizeMax = size_t{1} << 20;
// End marker + CRC-32C (the nonce comes on top for encrypted logs).
inline constexpr size_t kMtrTrailerSize = 1 + 4;

enum class MtrVerdict : uint8_t {
  kOk,
  kEndMarker,       // the first byte is 0x00 or 0x01: no mtr starts here (clean end)
  kIncomplete,      // the mtr runs past the available bytes: read more and retry
  kBadSequenceBit,  // the end marker is not the sequence bit of its LSN (stale pass)
  kBadChecksum,     // CRC-32C of the records (+ nonce) does not match
  kTooLarge,        // records reach 1 MiB, or one record length is that large
  kMalformed,       // a length varint or a record is invalid though the CRC matched
};

// "ok", "end_marker", "incomplete", "bad_sequence_bit", "bad_checksum", "too_large",
// "malformed".
std::string_view MtrVerdictName(MtrVerdict v);

// One complete, checksummed mini-transaction.
struct Mtr {
  LogView bytes;            // records, end marker, nonce (if any), CRC-32C
  size_t records_size = 0;  // the end marker is at this position
  size_t nonce_size = 0;    // 0 or 8

  Lsn start_lsn() const { return bytes.start_lsn(); }
  // The LSN after the mtr: its commit LSN, the FIL_PAGE_LSN of the pages it changed.
  Lsn end_lsn() const { return bytes.end_lsn(); }
  size_t size() const { return bytes.size(); }
  LogView records() const { return bytes.Sub(0, records_size); }
  size_t end_marker_pos() const { return records_size; }
};

// The outcome of reading at one mtr boundary.
struct MtrResult {
  MtrVerdict verdict = MtrVerdict::kOk;
  Mtr mtr;             // valid when verdict == kOk
  Lsn lsn;             // the boundary that was read (the mtr's start LSN)
  Lsn detail_lsn;      // the byte the verdict is about: the end marker, the CRC, a record
  std::string detail;  // e.g. "end marker 0x00 at LSN 4110, expected 0x01"
  bool ok() const { return verdict == MtrVerdict::kOk; }
};

// How to frame: the file geometry gives the sequence bit; the encryption the nonce size
// and how much of each record can be checked.
struct MtrFraming {
  LogGeometry geometry;
  LogEncryption encryption = LogEncryption::kNone;
  // Also decode every record of a checksummed mtr (RecordReader) and call a malformed one
  // kMalformed, as the server's parse does after log_parse_start.
  bool validate_records = true;
};

// Reads the mtr that starts at the first byte of `log` (which must be an mtr boundary).
// Checks, in the server's order: first byte > 1; record lengths (each record starts
// with a byte > 1; records stay below 1 MiB); end marker == the sequence bit of its LSN;
// CRC-32C over the records and the nonce; then, optionally, the records themselves.
// Unlike the server, which wants one byte more than the mtr, exactly the mtr's bytes
// suffice. `scratch` holds a copy of a wrapped mtr's records for validation.
MtrResult ReadMtr(const LogView& log, const MtrFraming& framing, std::vector<uint8_t>& scratch);

// Iterates the mtrs of a view, LevelDB log::Reader style: Read() returns each mtr in turn
// and advances; at the first stop it returns the verdict and stays at that boundary (so
// lsn() is where a caller resumes with more bytes). Not thread-safe.
class MtrReader {
 public:
  MtrReader(LogView log, MtrFraming framing) : log_(log), framing_(framing) {}

  MtrResult Read();
  // The next mtr boundary: the view's start plus every mtr read so far.
  Lsn lsn() const { return Lsn(log_.start_lsn().value() + pos_); }
  // The bytes not consumed yet.
  LogView remaining() const { return log_.Sub(pos_); }

 private:
  LogView log_;
  MtrFraming framing_;
  size_t pos_ = 0;
  std::vector<uint8_t> scratch_;
};

}  // namespace tidemark::innodb
