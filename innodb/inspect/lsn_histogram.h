// A memory-bounded histogram of page LSNs. Ages (newest LSN minus page LSN) can only be
// computed once the newest LSN is known, so pages are counted per LSN bucket whose width
// doubles whenever the bucket count exceeds a bound; ages are exact to one bucket width.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace tidemark::innodb {

class LsnHistogram {
 public:
  struct AgeBucket {
    std::optional<uint64_t> max_age;  // nullopt: older than every bound
    uint64_t pages = 0;
  };
  // Age bounds used by Ages(): 0, 1 MiB, 16 MiB, 256 MiB, 4 GiB, 64 GiB of redo.
  static const std::vector<uint64_t>& AgeBounds();

  void Add(uint64_t lsn);
  // Pages per age bucket relative to `newest`, in AgeBounds() order then the "older" bucket.
  std::vector<AgeBucket> Ages(uint64_t newest) const;
  uint64_t bucket_width() const { return uint64_t{1} << shift_; }

 private:
  static constexpr size_t kMaxBuckets = 1 << 14;
  void Coarsen();
  unsigned shift_ = 12;
  absl::flat_hash_map<uint64_t, uint64_t> buckets_;  // lsn >> shift_ -> pages
};

}  // namespace tidemark::innodb
