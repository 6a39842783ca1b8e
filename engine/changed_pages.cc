// ChangedPages and its compact page-number set: sorted 16-bit arrays that turn into bitmaps
// once a 65536-page chunk holds more than 4096 pages (the idea of Roaring bitmaps).
#include "engine/changed_pages.h"

#include <algorithm>
#include <cassert>
#include <iterator>

#include "absl/strings/str_format.h"

namespace tidemark::engine {

namespace {

const PageNumberSet& EmptySet() {
  static const PageNumberSet* const kEmpty = new PageNumberSet();
  return *kEmpty;
}

}  // namespace

// ------------------------------------------------------------------------- PageNumberSet

bool PageNumberSet::Chunk::Contains(uint16_t low) const {
  if (is_bitmap()) return (bitmap[low / 64] >> (low % 64)) & 1;
  return std::binary_search(array.begin(), array.end(), low);
}

bool PageNumberSet::Chunk::operator==(const Chunk& o) const {
  return high == o.high && count == o.count && array == o.array && bitmap == o.bitmap;
}

PageNumberSet::Chunk& PageNumberSet::ChunkFor(uint16_t high) {
  auto it = std::lower_bound(chunks_.begin(), chunks_.end(), high,
                             [](const Chunk& c, uint16_t h) { return c.high < h; });
  if (it == chunks_.end() || it->high != high) {
    it = chunks_.insert(it, Chunk{});
    it->high = high;
  }
  return *it;
}

void PageNumberSet::ToBitmap(Chunk& c) {
  c.bitmap.assign(kBitmapWords, 0);
  for (uint16_t low : c.array) c.bitmap[low / 64] |= uint64_t{1} << (low % 64);
  c.array.clear();
  c.array.shrink_to_fit();
}

bool PageNumberSet::Insert(uint32_t page) {
  Chunk& c = ChunkFor(static_cast<uint16_t>(page >> 16));
  const uint16_t low = static_cast<uint16_t>(page & 0xFFFF);
  if (c.is_bitmap()) {
    uint64_t& word = c.bitmap[low / 64];
    const uint64_t bit = uint64_t{1} << (low % 64);
    if (word & bit) return false;
    word |= bit;
  } else {
    auto it = std::lower_bound(c.array.begin(), c.array.end(), low);
    if (it != c.array.end() && *it == low) return false;
    c.array.insert(it, low);
    if (c.array.size() > kArrayMax) ToBitmap(c);
  }
  ++c.count;
  ++size_;
  return true;
}

bool PageNumberSet::Contains(uint32_t page) const {
  const uint16_t high = static_cast<uint16_t>(page >> 16);
  auto it = std::lower_bound(chunks_.begin(), chunks_.end(), high,
                             [](const Chunk& c, uint16_t h) { return c.high < h; });
  return it != chunks_.end() && it->high == high &&
         it->Contains(static_cast<uint16_t>(page & 0xFFFF));
}

void PageNumberSet::MergeInto(Chunk& into, const Chunk& from) {
  if (!into.is_bitmap() && !from.is_bitmap()) {
    std::vector<uint16_t> merged;
    merged.reserve(into.array.size() + from.array.size());
    std::set_union(into.array.begin(), into.array.end(), from.array.begin(), from.array.end(),
                   std::back_inserter(merged));
    into.array = std::move(merged);
    into.count = static_cast<uint32_t>(into.array.size());
    if (into.count > kArrayMax) ToBitmap(into);
    return;
  }
  if (!into.is_bitmap()) ToBitmap(into);
  if (from.is_bitmap()) {
    for (uint32_t w = 0; w < kBitmapWords; ++w) into.bitmap[w] |= from.bitmap[w];
  } else {
    for (uint16_t low : from.array) into.bitmap[low / 64] |= uint64_t{1} << (low % 64);
  }
  uint32_t count = 0;
  for (uint64_t word : into.bitmap) count += static_cast<uint32_t>(__builtin_popcountll(word));
  into.count = count;
}

void PageNumberSet::UnionWith(const PageNumberSet& other) {
  for (const Chunk& from : other.chunks_) {
    Chunk& into = ChunkFor(from.high);
    size_ -= into.count;
    MergeInto(into, from);
    size_ += into.count;
  }
}

std::vector<uint32_t> PageNumberSet::ToVector() const {
  std::vector<uint32_t> out;
  out.reserve(size_);
  ForEach([&](uint32_t p) { out.push_back(p); });
  return out;
}

size_t PageNumberSet::memory_bytes() const {
  size_t n = chunks_.capacity() * sizeof(Chunk);
  for (const Chunk& c : chunks_) {
    n += c.array.capacity() * sizeof(uint16_t) + c.bitmap.capacity() * sizeof(uint64_t);
  }
  return n;
}

void PageNumberSet::ShrinkToFit() {
  chunks_.shrink_to_fit();
  for (Chunk& c : chunks_) c.array.shrink_to_fit();
}

void PageNumberSet::AppendChunk(Chunk chunk) {
  assert(chunks_.empty() || chunks_.back().high < chunk.high);
  size_ += chunk.count;
  chunks_.push_back(std::move(chunk));
}

// -------------------------------------------------------------------------- ChangedPages

void ChangedPages::ExtendTo(Lsn to) {
  assert(to >= to_);
  to_ = to;
}

void ChangedPages::AddPage(SpaceId space, PageNo page) {
  if (spaces_[space.value()].pages.Insert(page.value())) ++page_count_;
}

void ChangedPages::AddFlags(SpaceId space, uint32_t flags) {
  if (flags != 0) spaces_[space.value()].flags |= flags;
}

bool ChangedPages::Contains(SpaceId space, PageNo page) const {
  auto it = spaces_.find(space.value());
  return it != spaces_.end() && it->second.pages.Contains(page.value());
}

uint32_t ChangedPages::flags(SpaceId space) const {
  auto it = spaces_.find(space.value());
  return it == spaces_.end() ? 0 : it->second.flags;
}

const PageNumberSet& ChangedPages::pages(SpaceId space) const {
  auto it = spaces_.find(space.value());
  return it == spaces_.end() ? EmptySet() : it->second.pages;
}

std::vector<SpaceId> ChangedPages::spaces() const {
  std::vector<SpaceId> out;
  out.reserve(spaces_.size());
  for (const auto& [id, space] : spaces_) out.push_back(SpaceId(id));
  return out;
}

size_t ChangedPages::memory_bytes() const {
  size_t n = 0;
  for (const auto& [id, space] : spaces_) n += 64 + space.pages.memory_bytes();  // + map node
  return n;
}

void ChangedPages::ShrinkToFit() {
  for (auto& [id, space] : spaces_) space.pages.ShrinkToFit();
}

void ChangedPages::UnionWith(const ChangedPages& other) {
  for (const auto& [id, theirs] : other.spaces_) {
    Space& mine = spaces_[id];
    mine.flags |= theirs.flags;
    page_count_ -= mine.pages.size();
    mine.pages.UnionWith(theirs.pages);
    page_count_ += mine.pages.size();
  }
  from_ = std::min(from_, other.from_);
  to_ = std::max(to_, other.to_);
}

absl::Status ChangedPages::Append(const ChangedPages& next) {
  if (next.from_ != to_) {
    return absl::FailedPreconditionError(
        absl::StrFormat("page sets are not contiguous: [%d, %d) is followed by [%d, %d)",
                        from_.value(), to_.value(), next.from_.value(), next.to_.value()));
  }
  const Lsn from = from_;
  UnionWith(next);
  from_ = from;
  return absl::OkStatus();
}

void ChangedPages::SetSpace(SpaceId space, uint32_t flags, PageNumberSet pages) {
  Space& s = spaces_[space.value()];
  page_count_ -= s.pages.size();
  s.flags = flags;
  s.pages = std::move(pages);
  page_count_ += s.pages.size();
}

bool ChangedPages::operator==(const ChangedPages& o) const {
  return from_ == o.from_ && to_ == o.to_ && spaces_ == o.spaces_;
}

}  // namespace tidemark::engine
