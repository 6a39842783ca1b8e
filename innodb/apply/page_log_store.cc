// The per-page redo store of a recovery batch (recv_sys_t::add, page_recv_t::trim and
// will_not_read in log0recv.cc, MariaDB 10.11). Records are kept as
// [type byte][payload length, 4 bytes big-endian][payload] in 1 MiB arena chunks.
#include "innodb/apply/page_log_store.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace tidemark::innodb {

namespace {
constexpr size_t kRecordHeader = 1 + 4;

uint64_t Key(RedoPageId id) { return uint64_t{id.space.value()} << 32 | id.page.value(); }
}  // namespace

PageLog& PageLogStore::FindOrAdd(RedoPageId id) {
  const uint64_t key = Key(id);
  if (key == last_key_) return *last_;
  PageLog*& slot = index_[key];
  if (slot == nullptr) {
    slot = &pages_.emplace(id, PageLog{}).first->second;
    bytes_ += kPageOverhead;
  }
  last_key_ = key;
  last_ = slot;
  return *slot;
}

void PageLogStore::Erase(std::map<RedoPageId, PageLog>::iterator it) {
  bytes_ -= kPageOverhead + it->second.entries.capacity() * kEntryOverhead;
  index_.erase(Key(it->first));
  if (last_key_ == Key(it->first)) {
    last_key_ = ~uint64_t{0};
    last_ = nullptr;
  }
  pages_.erase(it);
}

std::pair<uint32_t, uint32_t> PageLogStore::Reserve(size_t n) {
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < n) {
    const size_t capacity = std::max(kChunkSize, n);
    chunks_.push_back(Chunk{std::make_unique<uint8_t[]>(capacity), capacity, 0});
    bytes_ += capacity;
  }
  Chunk& c = chunks_.back();
  const auto at = std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(chunks_.size() - 1),
                                                static_cast<uint32_t>(c.used));
  c.used += n;
  return at;
}

void PageLogStore::Discard(PageLog& log) {
  // The arena bytes stay allocated until Clear(), like the server's recv_sys blocks only
  // become free when a whole block is unused; the entry slots stay reserved for reuse.
  log.entries.clear();
  log.init = false;
}

void PageLogStore::Add(RedoPageId id, Lsn start, Lsn end, uint8_t type_byte, ByteSpan payload) {
  const auto type = PageRecordType(type_byte & 0x70);
  if (type == PageRecordType::kFreePage) {
    if (auto it = pages_.find(id); it != pages_.end()) Erase(it);
    return;
  }
  PageLog& log = FindOrAdd(id);
  if (type == PageRecordType::kInitPage) {
    Discard(log);
    log.init = true;
  }

  const size_t n = kRecordHeader + payload.size();
  PageLogEntry* tail = log.entries.empty() ? nullptr : &log.entries.back();
  const bool contiguous = tail != nullptr && tail->start_lsn == start &&
                          tail->chunk + 1 == chunks_.size() &&
                          tail->offset + tail->size == chunks_.back().used &&
                          chunks_.back().capacity - chunks_.back().used >= n;
  const auto [chunk, offset] = Reserve(n);
  uint8_t* p = chunks_[chunk].data.get() + offset;
  p[0] = type_byte;
  WriteBe32(MutableByteSpan(p + 1, 4), 0, static_cast<uint32_t>(payload.size()));
  if (!payload.empty()) std::memcpy(p + kRecordHeader, payload.data(), payload.size());
  if (contiguous) {
    assert(tail->end_lsn == end);
    tail->size += static_cast<uint32_t>(n);
    ++tail->records;
    return;
  }
  const size_t capacity = log.entries.capacity();
  log.entries.push_back(PageLogEntry{start, end, chunk, offset, static_cast<uint32_t>(n), 1});
  bytes_ += (log.entries.capacity() - capacity) * kEntryOverhead;
}

void PageLogStore::TrimSpace(SpaceId space, Lsn lsn) {
  auto it = pages_.lower_bound(RedoPageId{space, PageNo(0)});
  while (it != pages_.end() && it->first.space == space) {
    auto& entries = it->second.entries;
    const auto keep = std::find_if(entries.begin(), entries.end(),
                                   [&](const PageLogEntry& e) { return e.end_lsn > lsn; });
    const size_t dropped = static_cast<size_t>(keep - entries.begin());
    if (dropped > 0) {
      entries.erase(entries.begin(), keep);
      // What remains starts after the trim: an INIT_PAGE there re-marks the page, and any
      // other first record means the page must be read.
      it->second.init = false;
      if (!entries.empty()) {
        const uint8_t first = chunks_[entries[0].chunk].data[entries[0].offset];
        it->second.init = PageRecordType(first & 0x70) == PageRecordType::kInitPage;
      }
    }
    if (entries.empty()) {
      Erase(it++);
    } else {
      ++it;
    }
  }
}

std::vector<PageRecordRef> PageLogStore::Records(const PageLogEntry& e) const {
  std::vector<PageRecordRef> out;
  out.reserve(e.records);
  AppendRecords(e, out);
  return out;
}

void PageLogStore::AppendRecords(const PageLogEntry& e, std::vector<PageRecordRef>& out) const {
  const uint8_t* p = chunks_[e.chunk].data.get() + e.offset;
  const uint8_t* const end = p + e.size;
  while (p < end) {
    const uint32_t len = ReadBe32(ByteSpan(p + 1, 4), 0);
    out.push_back(PageRecordRef{p[0], ByteSpan(p + kRecordHeader, len)});
    p += kRecordHeader + len;
  }
}

void PageLogStore::Clear() {
  chunks_.clear();
  index_.clear();
  pages_.clear();
  last_key_ = ~uint64_t{0};
  last_ = nullptr;
  bytes_ = 0;
}

}  // namespace tidemark::innodb
