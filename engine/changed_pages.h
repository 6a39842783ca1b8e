// The pages a range of redo log [from_lsn, to_lsn) changed: per tablespace a set of page
// numbers, plus flags for tablespaces that must be taken whole or by file-level logic
// (created, deleted, renamed, truncated). The foundation of redo-mode incremental backups:
// instead of reading every page and keeping those with FIL_PAGE_LSN > base, read the pages
// listed here. docs/page-tracking.md.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "innodb/base/types.h"

namespace tidemark::engine {

// A set of 32-bit page numbers, compact for both sparse and dense sets: pages are grouped in
// chunks of 65536 (by the high 16 bits), each held as a sorted array of the low 16 bits
// while it has at most kArrayMax entries (2 bytes a page), and as a 8 KiB bitmap beyond
// (at most 1 bit a page). 1% of a 1 TB instance (640k scattered pages of 16 KiB) takes about
// 1.4 MB (2 MB while it grows); a fully changed 1 GB table 8 KiB. Not thread-safe.
class PageNumberSet {
 public:
  static constexpr uint32_t kChunkPages = 65536;
  static constexpr uint32_t kArrayMax = 4096;  // an array this long is as large as a bitmap
  static constexpr uint32_t kBitmapWords = kChunkPages / 64;

  // One chunk: pages (high << 16) | low. Exactly one of array/bitmap is in use.
  struct Chunk {
    uint16_t high = 0;
    uint32_t count = 0;
    std::vector<uint16_t> array;   // sorted, distinct; used while bitmap is empty
    std::vector<uint64_t> bitmap;  // kBitmapWords words, bit (low % 64) of word low / 64
    bool is_bitmap() const { return !bitmap.empty(); }
    bool Contains(uint16_t low) const;
    bool operator==(const Chunk& o) const;
  };

  // Adds `page`; true when it was not in the set.
  bool Insert(uint32_t page);
  bool Contains(uint32_t page) const;
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Adds every page of `other`.
  void UnionWith(const PageNumberSet& other);
  // Calls f(page) for every page, ascending.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Chunk& c : chunks_) {
      const uint32_t base = uint32_t{c.high} << 16;
      if (!c.is_bitmap()) {
        for (uint16_t low : c.array) f(base | low);
        continue;
      }
      for (uint32_t w = 0; w < kBitmapWords; ++w) {
        for (uint64_t bits = c.bitmap[w]; bits != 0; bits &= bits - 1) {
          f(base | (w * 64 + static_cast<uint32_t>(__builtin_ctzll(bits))));
        }
      }
    }
  }
  // Every page, ascending.
  std::vector<uint32_t> ToVector() const;
  // Heap bytes held (array and bitmap storage, chunk headers).
  size_t memory_bytes() const;
  // Releases the spare capacity arrays keep while they grow (up to half of them).
  void ShrinkToFit();
  const std::vector<Chunk>& chunks() const { return chunks_; }

  // Adds a decoded chunk (the page-set file reader). Preconditions, checked by the caller:
  // chunks come in increasing `high` order, the chunk is valid (count matches, arrays sorted).
  void AppendChunk(Chunk chunk);

  bool operator==(const PageNumberSet& o) const { return chunks_ == o.chunks_; }

 private:
  Chunk& ChunkFor(uint16_t high);
  static void ToBitmap(Chunk& c);
  static void MergeInto(Chunk& into, const Chunk& from);

  std::vector<Chunk> chunks_;  // ascending by high
  uint64_t size_ = 0;
};

// Why a tablespace must be handled as a whole rather than page by page. Bits of a mask.
enum SpaceFlag : uint32_t {
  kSpaceCreated = 1u << 0,  // FILE_CREATE, or INIT_PAGE of page 0: a new tablespace
  kSpaceDeleted = 1u << 1,  // FILE_DELETE: the file went away (maybe re-created later)
  kSpaceRenamed = 1u << 2,  // FILE_RENAME: the file changed its name
  kSpaceTrimmed = 1u << 3,  // EXTENDED TRIM_PAGES: an undo tablespace was truncated
};
inline constexpr uint32_t kAllSpaceFlags =
    kSpaceCreated | kSpaceDeleted | kSpaceRenamed | kSpaceTrimmed;

// The changed pages of the LSN range [from_lsn, to_lsn): every page that a mini-transaction
// starting in the range wrote a page record for (so every page whose FIL_PAGE_LSN can have
// become greater than from_lsn, when from_lsn is an mtr boundary), and the flags above.
// Not thread-safe.
class ChangedPages {
 public:
  ChangedPages() = default;
  explicit ChangedPages(Lsn from) : from_(from), to_(from) {}
  ChangedPages(Lsn from, Lsn to) : from_(from), to_(to) {}

  Lsn from_lsn() const { return from_; }
  Lsn to_lsn() const { return to_; }
  // Extends the range: the set now covers log up to `to` (to >= to_lsn(), asserted).
  void ExtendTo(Lsn to);

  void AddPage(SpaceId space, PageNo page);
  void AddFlags(SpaceId space, uint32_t flags);

  // True when `page` is listed.
  bool Contains(SpaceId space, PageNo page) const;
  // True when the space has any flag: read it whole (or by file-level logic).
  bool IsWhole(SpaceId space) const { return flags(space) != 0; }
  // True when the page is listed or its space is whole.
  bool Covers(SpaceId space, PageNo page) const { return IsWhole(space) || Contains(space, page); }
  uint32_t flags(SpaceId space) const;
  // The listed pages of `space` (an empty set when none).
  const PageNumberSet& pages(SpaceId space) const;
  // Every space with pages or flags, ascending.
  std::vector<SpaceId> spaces() const;
  size_t space_count() const { return spaces_.size(); }
  uint64_t page_count() const { return page_count_; }
  size_t memory_bytes() const;
  // PageNumberSet::ShrinkToFit for every space: for a set that is kept once built.
  void ShrinkToFit();

  // Adds every page and flag of `other` and widens the range to cover both.
  void UnionWith(const ChangedPages& other);
  // Appends the set of the range that follows this one: `next` must start where this one
  // ends. Errors: FailedPrecondition "page sets are not contiguous: [a, b) is followed by
  // [c, d)".
  absl::Status Append(const ChangedPages& next);

  // The page-set file reader builds a set space by space (spaces ascending).
  void SetSpace(SpaceId space, uint32_t flags, PageNumberSet pages);

  bool operator==(const ChangedPages& o) const;

 private:
  struct Space {
    uint32_t flags = 0;
    PageNumberSet pages;
    bool operator==(const Space&) const = default;
  };

  Lsn from_;
  Lsn to_;
  std::map<uint32_t, Space> spaces_;
  uint64_t page_count_ = 0;
};

}  // namespace tidemark::engine
