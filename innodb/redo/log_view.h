// The logical byte sequence of the circular redo log from one LSN on, held as one or two
// spans (the second one continues at file offset 12288 after the first reached the end of
// the file), so that mtrs are parsed straight out of a read buffer without copying.
// recv_ring in log0recv.cc plays this role in the server.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "innodb/base/endian.h"
#include "innodb/base/types.h"

namespace tidemark::innodb {

class LogGeometry;

class LogView {
 public:
  LogView() = default;
  // Bytes for LSNs [start, start + first.size() + second.size()). The view does not own
  // the memory; the spans must outlive it.
  LogView(Lsn start, ByteSpan first, ByteSpan second = {})
      : start_(start), first_(first), second_(second) {}

  // The bytes for LSNs [from, to) of a whole circular file image held in memory (`file`
  // is the complete ib_logfile0 of geometry `g`). Preconditions (asserted):
  // g.first_lsn() <= from <= to, to - from <= g.capacity(), file.size() == g.file_size().
  static LogView OfFile(ByteSpan file, const LogGeometry& g, Lsn from, Lsn to);

  Lsn start_lsn() const { return start_; }
  Lsn end_lsn() const { return Lsn(start_.value() + size()); }
  size_t size() const { return first_.size() + second_.size(); }
  bool empty() const { return size() == 0; }

  // Byte at position i (i < size(), asserted).
  uint8_t operator[](size_t i) const {
    assert(i < size());
    return i < first_.size() ? first_[i] : second_[i - first_.size()];
  }

  // The view of positions [pos, pos + n) (pos + n <= size(), asserted).
  LogView Sub(size_t pos, size_t n) const;
  // The view from position pos to the end.
  LogView Sub(size_t pos) const { return Sub(pos, size() - pos); }

  // True when the bytes are split in two (the range crosses the end of the file).
  bool is_split() const { return !first_.empty() && !second_.empty(); }
  ByteSpan first() const { return first_; }
  ByteSpan second() const { return second_; }

  // Copies every byte into `out` (out.size() >= size(), asserted).
  void CopyTo(MutableByteSpan out) const;
  // Continues a CRC-32C over every byte of the view.
  uint32_t Crc32cExtend(uint32_t crc) const;
  // The bytes as one span: the first span itself when not split, otherwise a copy made
  // in `scratch` (reallocated as needed).
  ByteSpan Contiguous(std::vector<uint8_t>& scratch) const;

 private:
  Lsn start_;
  ByteSpan first_;
  ByteSpan second_;
};

}  // namespace tidemark::innodb
