// LSN histogram with doubling bucket width (see header).
#include "innodb/inspect/lsn_histogram.h"

namespace tidemark::innodb {

const std::vector<uint64_t>& LsnHistogram::AgeBounds() {
  static const std::vector<uint64_t> kBounds = {0, 1ull << 20, 1ull << 24, 1ull << 28, 1ull << 32,
                                                1ull << 36};
  return kBounds;
}

void LsnHistogram::Add(uint64_t lsn) {
  ++buckets_[lsn >> shift_];
  if (buckets_.size() > kMaxBuckets) Coarsen();
}

void LsnHistogram::Coarsen() {
  absl::flat_hash_map<uint64_t, uint64_t> merged;
  for (const auto& [key, pages] : buckets_) merged[key >> 1] += pages;
  buckets_ = std::move(merged);
  ++shift_;
}

std::vector<LsnHistogram::AgeBucket> LsnHistogram::Ages(uint64_t newest) const {
  const std::vector<uint64_t>& bounds = AgeBounds();
  std::vector<AgeBucket> out(bounds.size() + 1);
  for (size_t i = 0; i < bounds.size(); ++i) out[i].max_age = bounds[i];
  const uint64_t newest_key = newest >> shift_;
  for (const auto& [key, pages] : buckets_) {
    // Age of the bucket's pages, measured between bucket starts: exact for width 1.
    const uint64_t age = (newest_key - key) << shift_;
    size_t i = 0;
    while (i < bounds.size() && age > bounds[i]) ++i;
    out[i].pages += pages;
  }
  return out;
}

}  // namespace tidemark::innodb
