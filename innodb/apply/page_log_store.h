// The redo records of one recovery batch, kept per page until they are applied: for every
// page a list of entries (one per mini-transaction, with its start and end LSN) whose record
// bytes live in an arena, and an exact count of the memory all of it takes, so that a
// prepare can stop reading the log when a budget is reached (page_recv_t, log_phys_t and
// recv_sys_t::add in log0recv.cc, MariaDB 10.11; INNODB_FORMATS.md §4 step 4, §8).
// Pure: no I/O. Not thread-safe for writing; concurrent readers are fine once filled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "innodb/apply/page_apply.h"
#include "innodb/base/endian.h"
#include "innodb/base/types.h"
#include "innodb/redo/record.h"

namespace tidemark::innodb {

// The records one mini-transaction wrote for one page (consecutive records of the mtr for
// that page are merged into one entry; a record for another page in between starts a new
// entry with the same LSNs, as in the server).
struct PageLogEntry {
  Lsn start_lsn;  // the mtr's first byte: skip the entry when start_lsn < FIL_PAGE_LSN
  Lsn end_lsn;    // the mtr's end: the FIL_PAGE_LSN the page gets
  uint32_t chunk = 0;
  uint32_t offset = 0;  // bytes [offset, offset + size) of arena chunk `chunk`
  uint32_t size = 0;
  uint32_t records = 0;
};

// Everything stored for one page.
struct PageLog {
  std::vector<PageLogEntry> entries;
  // The first entry starts with INIT_PAGE: the page is rebuilt from the log alone and is not
  // read from its file (mlog_init_t::will_avoid_read; "skip_read" in the server).
  bool init = false;
};

class PageLogStore {
 public:
  // Bookkeeping charged per page and per entry slot on top of the record bytes: what a map
  // node and its hash index slot cost, rounded up, and a vector slot (slots are charged as
  // the vectors reserve them, so spare capacity counts too).
  static constexpr size_t kPageOverhead = 128;
  static constexpr size_t kEntryOverhead = sizeof(PageLogEntry);

  PageLogStore() = default;
  PageLogStore(const PageLogStore&) = delete;
  PageLogStore& operator=(const PageLogStore&) = delete;

  // Appends one page record of the mtr [start, end) for `id`: `type_byte` as written and the
  // payload after the page id. Merged into the page's last entry when that entry belongs to
  // the same mtr and its bytes end where the arena's do. INIT_PAGE first discards every
  // earlier entry of the page and marks it init. FREE_PAGE discards every earlier entry and
  // stores nothing: a page whose last operation is a free is neither read nor written (the
  // server's APPLIED_NO). Precondition: payload.size() < 2^32 - 5.
  void Add(RedoPageId id, Lsn start, Lsn end, uint8_t type_byte, ByteSpan payload);

  // TRIM_PAGES: drops, for every page of `space`, the entries that end at or before `lsn`
  // (page_recv_t::trim via recv_sys_t::trim).
  void TrimSpace(SpaceId space, Lsn lsn);

  // Decodes an entry's records (spans into the arena, valid until Clear()).
  std::vector<PageRecordRef> Records(const PageLogEntry& e) const;
  // The same, appended to `out` (no allocation once `out` has grown).
  void AppendRecords(const PageLogEntry& e, std::vector<PageRecordRef>& out) const;

  const std::map<RedoPageId, PageLog>& pages() const { return pages_; }
  bool empty() const { return pages_.empty(); }
  size_t page_count() const { return pages_.size(); }
  // Record bytes, arena slack included, plus the per-page and per-entry overhead.
  size_t bytes() const { return bytes_; }
  // Forgets everything and frees the arena.
  void Clear();

 private:
  // Room for `n` more bytes at the arena's end; returns (chunk, offset).
  std::pair<uint32_t, uint32_t> Reserve(size_t n);
  void Discard(PageLog& log);
  // The page's log, created (and charged) when absent.
  PageLog& FindOrAdd(RedoPageId id);
  void Erase(std::map<RedoPageId, PageLog>::iterator it);

  static constexpr size_t kChunkSize = size_t{1} << 20;
  struct Chunk {
    std::unique_ptr<uint8_t[]> data;
    size_t capacity = 0;
    size_t used = 0;
  };
  std::vector<Chunk> chunks_;
  std::map<RedoPageId, PageLog> pages_;
  // pages_ by space << 32 | page: a hash probe per record instead of a tree walk (map nodes
  // do not move). The last page found is kept too: an mtr writes runs of records per page.
  absl::flat_hash_map<uint64_t, PageLog*> index_;
  uint64_t last_key_ = ~uint64_t{0};
  PageLog* last_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace tidemark::innodb
