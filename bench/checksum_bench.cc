// Throughput of CRC-32C (every implementation this CPU supports, and the dispatched one)
// and of every InnoDB page checksum scheme, on one core. Run:
//   build/bench/checksum_bench --benchmark_counters_tabular=true
// bytes_per_second is the figure to compare (the goal for CRC-32C is >= 10 GB/s on 16 KiB).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "innodb/base/crc32c.h"
#include "innodb/page/checksum.h"

namespace tidemark {
namespace {

constexpr size_t kPageSize = 16384;

std::vector<uint8_t> RandomBuffer(size_t n) {
  std::mt19937 rng(42);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Runs `fn(buffer)` and reports bytes per second over the buffer size.
template <typename Fn>
void RunOverBuffer(benchmark::State& state, size_t size, Fn fn) {
  const std::vector<uint8_t> buf = RandomBuffer(size);
  for (auto _ : state) benchmark::DoNotOptimize(fn(ByteSpan(buf)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(size));
}

void BM_Crc32c(benchmark::State& state) {
  state.SetLabel(std::string(Crc32cImplementation()));
  RunOverBuffer(state, static_cast<size_t>(state.range(0)), [](ByteSpan b) { return Crc32c(b); });
}
BENCHMARK(BM_Crc32c)->Arg(4096)->Arg(16384)->Arg(65536);

// One benchmark per supported implementation: BM_Crc32cVariant/<name>/<bytes>.
const bool kVariantsRegistered = [] {
  for (const auto& v : crc32c_internal::SupportedVariants()) {
    for (int64_t size : {4096, 16384, 65536}) {
      const std::string name =
          "BM_Crc32cVariant/" + std::string(v.name) + "/" + std::to_string(size);
      benchmark::RegisterBenchmark(name.c_str(), [v, size](benchmark::State& state) {
        RunOverBuffer(state, static_cast<size_t>(size), [v](ByteSpan b) { return v.extend(0, b); });
      });
    }
  }
  return true;
}();

void BM_PageCrc32(benchmark::State& state) { RunOverBuffer(state, kPageSize, innodb::PageCrc32); }
BENCHMARK(BM_PageCrc32);

void BM_PageFullCrc32(benchmark::State& state) {
  RunOverBuffer(state, kPageSize, innodb::PageFullCrc32);
}
BENCHMARK(BM_PageFullCrc32);

void BM_ZipPageCrc32(benchmark::State& state) {
  RunOverBuffer(state, kPageSize, innodb::ZipPageCrc32);
}
BENCHMARK(BM_ZipPageCrc32);

void BM_PageCrc32LegacyBigEndian(benchmark::State& state) {
  RunOverBuffer(state, kPageSize, innodb::PageCrc32LegacyBigEndian);
}
BENCHMARK(BM_PageCrc32LegacyBigEndian);

// Both legacy fields, as verification of an innodb-checksum page computes them.
void BM_PageInnodbNewAndOld(benchmark::State& state) {
  RunOverBuffer(state, kPageSize, [](ByteSpan b) {
    return innodb::PageInnodbNewChecksum(b) ^ innodb::PageInnodbOldChecksum(b);
  });
}
BENCHMARK(BM_PageInnodbNewAndOld);

void BM_ZipPageAdler32(benchmark::State& state) {
  RunOverBuffer(state, kPageSize, innodb::ZipPageAdler32);
}
BENCHMARK(BM_ZipPageAdler32);

}  // namespace
}  // namespace tidemark
