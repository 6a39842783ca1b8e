// Mini-transaction framing over a LogView (log_parse_start, recv_sys_t::parse in
// log0recv.cc; mtr_t::finish_writer in mtr0mtr.cc writes what this reads; MariaDB 10.11).
#include "innodb/redo/mtr.h"

#include <array>

#include "absl/strings/str_format.h"
#include "innodb/redo/record.h"
#include "innodb/redo/varint.h"

namespace tidemark::innodb {

namespace {

// Where the walk over record lengths ended.
struct Walk {
  MtrVerdict verdict = MtrVerdict::kOk;  // kOk: the end marker is at `pos`
  size_t pos = 0;
  std::string detail;
};

// Up to `n` bytes of `log` from `pos` (n <= 8), for varints and the CRC that may straddle
// the end of the file.
std::array<uint8_t, 8> Peek(const LogView& log, size_t pos, size_t n) {
  std::array<uint8_t, 8> out{};
  for (size_t i = 0; i < n && pos + i < log.size(); ++i) out[i] = log[pos + i];
  return out;
}

// Length of the record at `pos` (type byte included), or a stop verdict.
Walk RecordLength(const LogView& log, size_t pos, size_t& length) {
  const Lsn at(log.start_lsn().value() + pos);
  length = 1 + (log[pos] & 0x0F);
  if (length > 1) return {};
  if (pos + 1 >= log.size()) return {MtrVerdict::kIncomplete, pos, "record length cut off"};
  const size_t vlen = VarintLengthFromFirstByte(log[pos + 1]);
  if (vlen > kVarintMaxLength) {
    return {MtrVerdict::kMalformed, pos,
            absl::StrFormat("corrupted record length at LSN %d", at.value())};
  }
  if (pos + 1 + vlen > log.size()) return {MtrVerdict::kIncomplete, pos, "record length cut off"};
  const std::array<uint8_t, 8> bytes = Peek(log, pos + 1, vlen);
  const std::optional<Varint> v = DecodeVarint(ByteSpan(bytes).subspan(0, vlen));
  if (!v) {
    return {MtrVerdict::kMalformed, pos,
            absl::StrFormat("corrupted record length at LSN %d", at.value())};
  }
  if (v->value >= kMtrSizeMax) {
    return {MtrVerdict::kTooLarge, pos,
            absl::StrFormat("record length %d at LSN %d exceeds 1 MiB", v->value, at.value())};
  }
  length = 1 + size_t{v->value} + 15;
  return {};
}

// Follows record lengths from the mtr's start to its end marker (log_parse_start).
Walk FindEndMarker(const LogView& log) {
  size_t pos = 0;
  for (;;) {
    if (pos >= log.size()) {
      return {MtrVerdict::kIncomplete, log.size(),
              absl::StrFormat("records run past the %d bytes available", log.size())};
    }
    if (pos >= kMtrSizeMax) return {MtrVerdict::kTooLarge, pos, "records reach 1 MiB"};
    if (log[pos] <= 1) return {MtrVerdict::kOk, pos, ""};
    size_t length = 0;
    if (Walk w = RecordLength(log, pos, length); w.verdict != MtrVerdict::kOk) return w;
    pos += length;
  }
}

MtrResult Stop(const LogView& log, MtrVerdict v, size_t pos, std::string detail) {
  MtrResult r;
  r.verdict = v;
  r.lsn = log.start_lsn();
  r.detail_lsn = Lsn(log.start_lsn().value() + pos);
  r.detail = std::move(detail);
  return r;
}

// End marker, nonce and CRC-32C of the mtr whose end marker is at `m`.
MtrResult CheckTrailer(const LogView& log, const MtrFraming& f, size_t m) {
  const Lsn marker_lsn(log.start_lsn().value() + m);
  const uint8_t expected = f.geometry.SequenceBit(marker_lsn);
  if (log[m] != expected) {
    return Stop(log, MtrVerdict::kBadSequenceBit, m,
                absl::StrFormat("end marker 0x%02x at LSN %d, expected 0x%02x", log[m],
                                marker_lsn.value(), expected));
  }
  const size_t nonce = NonceSize(f.encryption);
  if (m + kMtrTrailerSize + nonce > log.size()) {
    return Stop(log, MtrVerdict::kIncomplete, m,
                absl::StrFormat("checksum past the %d bytes available", log.size()));
  }
  const uint32_t computed = log.Sub(m + 1, nonce).Crc32cExtend(log.Sub(0, m).Crc32cExtend(0));
  const uint32_t stored = ReadBe32(Peek(log, m + 1 + nonce, 4), 0);
  if (computed != stored) {
    return Stop(log, MtrVerdict::kBadChecksum, m + 1 + nonce,
                absl::StrFormat("checksum mismatch for the mtr at LSN %d (stored 0x%08x, "
                                "computed 0x%08x)",
                                log.start_lsn().value(), stored, computed));
  }
  MtrResult r;
  r.lsn = log.start_lsn();
  r.mtr = Mtr{log.Sub(0, m + kMtrTrailerSize + nonce), m, nonce};
  r.detail_lsn = r.mtr.end_lsn();
  return r;
}

}  // namespace

std::string_view MtrVerdictName(MtrVerdict v) {
  switch (v) {
    case MtrVerdict::kOk:
      return "ok";
    case MtrVerdict::kEndMarker:
      return "end_marker";
    case MtrVerdict::kIncomplete:
      return "incomplete";
    case MtrVerdict::kBadSequenceBit:
      return "bad_sequence_bit";
    case MtrVerdict::kBadChecksum:
      return "bad_checksum";
    case MtrVerdict::kTooLarge:
      return "too_large";
    case MtrVerdict::kMalformed:
      return "malformed";
  }
  return "unknown";
}

MtrResult ReadMtr(const LogView& log, const MtrFraming& framing, std::vector<uint8_t>& scratch) {
  if (log.empty()) return Stop(log, MtrVerdict::kIncomplete, 0, "no bytes available");
  if (log[0] <= 1) {
    return Stop(
        log, MtrVerdict::kEndMarker, 0,
        absl::StrFormat("end of log: byte 0x%02x at LSN %d", log[0], log.start_lsn().value()));
  }
  const Walk w = FindEndMarker(log);
  if (w.verdict != MtrVerdict::kOk) return Stop(log, w.verdict, w.pos, w.detail);
  MtrResult r = CheckTrailer(log, framing, w.pos);
  if (!r.ok() || !framing.validate_records) return r;
  RecordReader reader(r.mtr.records().Contiguous(scratch), framing.encryption);
  RedoRecord rec;
  while (reader.Next(rec)) {
  }
  if (reader.status().ok()) return r;
  return Stop(
      log, MtrVerdict::kMalformed, reader.offset(),
      absl::StrFormat("mtr at LSN %d: %s", log.start_lsn().value(), reader.status().message()));
}

MtrResult MtrReader::Read() {
  MtrResult r = ReadMtr(log_.Sub(pos_), framing_, scratch_);
  if (r.ok()) pos_ += r.mtr.size();
  return r;
}

}  // namespace tidemark::innodb
