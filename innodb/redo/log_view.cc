// Two-span view over the logical redo byte sequence (see log_view.h); the wrap from the
// end of ib_logfile0 back to offset 12288 follows log_t::calc_lsn_offset (log0log.h).
#include "innodb/redo/log_view.h"

#include <algorithm>

#include "innodb/base/crc32c.h"
#include "innodb/redo/log_file.h"

namespace tidemark::innodb {

LogView LogView::OfFile(ByteSpan file, const LogGeometry& g, Lsn from, Lsn to) {
  assert(from >= g.first_lsn() && from <= to);
  assert(to.value() - from.value() <= g.capacity());
  assert(file.size() == g.file_size());
  const size_t n = to.value() - from.value();
  const size_t off = g.Offset(from);
  const size_t in_first = std::min(n, file.size() - off);
  return LogView(from, file.subspan(off, in_first), file.subspan(kLogStartOffset, n - in_first));
}

LogView LogView::Sub(size_t pos, size_t n) const {
  assert(pos + n <= size());
  const Lsn at(start_.value() + pos);
  if (pos >= first_.size()) return LogView(at, second_.subspan(pos - first_.size(), n));
  const size_t in_first = std::min(n, first_.size() - pos);
  return LogView(at, first_.subspan(pos, in_first), second_.subspan(0, n - in_first));
}

void LogView::CopyTo(MutableByteSpan out) const {
  assert(out.size() >= size());
  std::copy(first_.begin(), first_.end(), out.begin());
  std::copy(second_.begin(), second_.end(), out.begin() + first_.size());
}

uint32_t LogView::Crc32cExtend(uint32_t crc) const {
  return ::tidemark::Crc32cExtend(::tidemark::Crc32cExtend(crc, first_), second_);
}

ByteSpan LogView::Contiguous(std::vector<uint8_t>& scratch) const {
  if (second_.empty()) return first_;
  if (first_.empty()) return second_;
  scratch.resize(size());
  CopyTo(scratch);
  return scratch;
}

}  // namespace tidemark::innodb
