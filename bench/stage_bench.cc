// Throughput of the compression and encryption stages (io/zstd_stage.h, io/crypt_stage.h) on
// one core, over tablespace-like data: 16 KiB pages of repeated, slowly varying records with
// free space at the end, not zeros and not noise. Run:
//   build/bench/stage_bench --benchmark_counters_tabular=true
// bytes_per_second counts the plaintext (uncompressed) bytes; "ratio" is output / input.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "innodb/base/crc32.h"
#include "io/crypt_stage.h"
#include "io/hashing_file.h"
#include "io/file_system.h"
#include "io/zstd_stage.h"

namespace tidemark {
namespace {

constexpr size_t kPageSize = 16384;
constexpr size_t kPages = 512;  // 8 MiB per iteration

// Pages of 100-byte rows (id, a name from a small dictionary, a few numbers that change a
// little from row to row, a random 32-hex-digit token), filled to 60..95% with zeros after, a
// header and trailer per page.
std::string TablespaceLikeData() {
  static const char* kNames[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace"};
  std::mt19937 rng(7);
  std::string out(kPages * kPageSize, '\0');
  uint64_t id = 1;
  for (size_t p = 0; p < kPages; ++p) {
    char* page = out.data() + p * kPageSize;
    std::memcpy(page, &p, sizeof(p));
    const size_t fill = kPageSize * (60 + rng() % 36) / 100;
    for (size_t at = 120; at + 100 < fill; at += 100, ++id) {
      char row[100] = {};
      // The last field is a random token (a hash, a uuid): the part that does not compress.
      std::snprintf(row, sizeof(row), "%08llu|%s|%u|%u|2026-11-%02u|balance=%u|%08x%08x%08x%08x",
                    static_cast<unsigned long long>(id), kNames[rng() % 7],
                    static_cast<unsigned>(1000 + rng() % 50),
                    static_cast<unsigned>(id % 997), 1 + static_cast<unsigned>(rng() % 28),
                    static_cast<unsigned>(rng() % 100000), static_cast<unsigned>(rng()),
                    static_cast<unsigned>(rng()), static_cast<unsigned>(rng()),
                    static_cast<unsigned>(rng()));
      std::memcpy(page + at, row, sizeof(row));
    }
    const uint32_t checksum = static_cast<uint32_t>(rng());
    std::memcpy(page + kPageSize - 8, &checksum, sizeof(checksum));
  }
  return out;
}

const std::string& Data() {
  static const std::string data = TablespaceLikeData();
  return data;
}

ByteSpan Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A WritableFile that keeps (or only counts) what is written, so the stage alone is measured.
class MemoryFile final : public io::WritableFile {
 public:
  explicit MemoryFile(std::string* keep) : keep_(keep) {}
  const std::string& path() const override { return path_; }
  absl::Status Append(ByteSpan d) override {
    size_ += d.size();
    if (keep_) keep_->append(reinterpret_cast<const char*>(d.data()), d.size());
    return absl::OkStatus();
  }
  absl::Status WriteAt(uint64_t, ByteSpan d) override { return Append(d); }
  absl::Status Truncate(uint64_t) override { return absl::OkStatus(); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
  uint64_t size() const { return size_; }

 private:
  std::string path_ = "bench";
  std::string* keep_;
  uint64_t size_ = 0;
};

class StringFile final : public io::RandomAccessFile {
 public:
  explicit StringFile(const std::string& s) : s_(s) {}
  const std::string& path() const override { return path_; }
  absl::StatusOr<uint64_t> Size() const override { return s_.size(); }
  absl::StatusOr<size_t> ReadAt(uint64_t offset, MutableByteSpan buf) override {
    if (offset >= s_.size()) return 0;
    const size_t n = std::min<size_t>(buf.size(), s_.size() - offset);
    std::memcpy(buf.data(), s_.data() + offset, n);
    return n;
  }

 private:
  std::string path_ = "bench";
  const std::string& s_;
};

io::CryptKey BenchKey() {
  io::CryptKey key;
  for (size_t i = 0; i < key.bytes.size(); ++i) key.bytes[i] = static_cast<uint8_t>(i * 37);
  return key;
}

// Writes the data through `wrap(inner)` in 16 KiB appends, as the page copier does.
template <typename Wrap>
std::string WriteThrough(Wrap wrap, std::string* keep) {
  auto inner = std::make_unique<MemoryFile>(keep);
  MemoryFile* counter = inner.get();
  auto file = wrap(std::move(inner));
  if (!file.ok()) return std::string(file.status().message());
  const std::string& data = Data();
  for (size_t at = 0; at < data.size(); at += kPageSize) {
    if (!(*file)->Append(Bytes(data).subspan(at, kPageSize)).ok()) return "append failed";
  }
  if (!(*file)->Close().ok()) return "close failed";
  return std::to_string(counter->size());
}

void Report(benchmark::State& state, uint64_t out_size) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Data().size()));
  state.counters["ratio"] = static_cast<double>(out_size) / Data().size();
}

void BM_ZstdCompress(benchmark::State& state) {
  const int level = static_cast<int>(state.range(0));
  auto wrap = [level](std::unique_ptr<io::WritableFile> f) {
    return io::NewZstdWritableFile(std::move(f), io::ZstdOptions{.level = level});
  };
  std::string size;
  for (auto _ : state) size = WriteThrough(wrap, nullptr);
  Report(state, std::stoull(size));
}
BENCHMARK(BM_ZstdCompress)->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond);

void BM_ZstdDecompress(benchmark::State& state) {
  std::string compressed;
  WriteThrough(
      [](std::unique_ptr<io::WritableFile> f) { return io::NewZstdWritableFile(std::move(f)); },
      &compressed);
  StringFile in(compressed);
  for (auto _ : state) {
    absl::Status s = io::DecompressZstd(in, [](ByteSpan) { return absl::OkStatus(); });
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  Report(state, compressed.size());
}
BENCHMARK(BM_ZstdDecompress)->Unit(benchmark::kMillisecond);

void BM_AesGcmEncrypt(benchmark::State& state) {
  const io::CryptKey key = BenchKey();
  auto wrap = [&key](std::unique_ptr<io::WritableFile> f) {
    return io::NewCryptWritableFile(std::move(f), key);
  };
  std::string size;
  for (auto _ : state) size = WriteThrough(wrap, nullptr);
  Report(state, std::stoull(size));
}
BENCHMARK(BM_AesGcmEncrypt)->Unit(benchmark::kMillisecond);

void BM_AesGcmDecrypt(benchmark::State& state) {
  const io::CryptKey key = BenchKey();
  std::string encrypted;
  WriteThrough(
      [&key](std::unique_ptr<io::WritableFile> f) {
        return io::NewCryptWritableFile(std::move(f), key);
      },
      &encrypted);
  StringFile in(encrypted);
  for (auto _ : state) {
    absl::Status s = io::DecryptFile(in, key, [](ByteSpan) { return absl::OkStatus(); });
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
  }
  Report(state, encrypted.size());
}
BENCHMARK(BM_AesGcmDecrypt)->Unit(benchmark::kMillisecond);

// The pipeline a compressed, encrypted backup writes: data -> zstd -> AES-GCM -> file.
void BM_ZstdThenAesGcm(benchmark::State& state) {
  const io::CryptKey key = BenchKey();
  auto wrap = [&key](std::unique_ptr<io::WritableFile> f)
      -> absl::StatusOr<std::unique_ptr<io::WritableFile>> {
    auto encrypted = io::NewCryptWritableFile(std::move(f), key);
    if (!encrypted.ok()) return encrypted.status();
    return io::NewZstdWritableFile(std::move(*encrypted));
  };
  std::string size;
  for (auto _ : state) size = WriteThrough(wrap, nullptr);
  Report(state, std::stoull(size));
}
BENCHMARK(BM_ZstdThenAesGcm)->Unit(benchmark::kMillisecond);

// The checks every streamed byte also passes through: XXH3-128 of each file for the manifest
// (twice for an encoded file: plain and stored), CRC-32 of each xbstream payload chunk.
void BM_Xxh3(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(io::HashBytes(Bytes(Data())));
  Report(state, Data().size());
}
BENCHMARK(BM_Xxh3)->Unit(benchmark::kMillisecond);

void BM_Crc32(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Crc32(Bytes(Data())));
  Report(state, Data().size());
}
BENCHMARK(BM_Crc32)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tidemark
