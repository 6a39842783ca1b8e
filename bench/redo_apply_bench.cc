// Throughput of the redo half of prepare, on one core: parsing the log (MtrReader framing and
// CRC-32C, then RecordReader over every mtr), putting page records into the PageLogStore,
// and applying them to real page images (ApplyMtrToPage + StampPageLsn + SealPageForWrite,
// with the skip rule, as engine/prepare_apply.cc does). Run:
//   build/bench/redo_apply_bench --benchmark_counters_tabular=true
//   TIDEMARK_BENCH_BACKUP=/var/tmp/tidemark-prepbench/raw build/bench/redo_apply_bench
// Inputs: the real logs and pages of fixtures/apply/ (small: they mostly fit in L2), and,
// when TIDEMARK_BENCH_BACKUP names an unprepared backup (bench/prepare_compare.sh makes
// one), its ib_logfile0 from the checkpoint (first TIDEMARK_BENCH_LOG_MB MiB, default 256)
// and the pages of its data files the log touches (first TIDEMARK_BENCH_PAGES, default
// 20000). Figures: bytes_per_second (parse), records/s, pages/s (store, apply).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "engine/prepare_spaces.h"
#include "innodb/apply/page_apply.h"
#include "innodb/apply/page_log_store.h"
#include "innodb/base/crc32c.h"
#include "innodb/fsp/space_flags.h"
#include "innodb/page/fil_page.h"
#include "innodb/redo/backup_log.h"
#include "innodb/redo/log_file.h"
#include "innodb/redo/mtr.h"
#include "innodb/redo/record.h"
#include "io/file_system.h"
#include "io/posix_file_system.h"

namespace tidemark {
namespace {

using innodb::PageRecordRef;

// A log to parse: the logical bytes from `start` on, and how they are framed.
struct LogInput {
  std::string name;
  std::vector<uint8_t> bytes;
  Lsn start;
  innodb::MtrFraming framing;
};

// One page and what the store holds for it.
struct ApplyPage {
  innodb::RedoPageId id;
  innodb::ApplySpaceFormat format;
  std::vector<uint8_t> before;  // empty: the first record is INIT_PAGE
  innodb::PageLog log;
};

// Pages to apply and the store their entries point into.
struct ApplyInput {
  std::string name;
  std::unique_ptr<innodb::PageLogStore> store = std::make_unique<innodb::PageLogStore>();
  std::vector<ApplyPage> pages;
  uint64_t records = 0;  // applied per pass (skipped ones excluded)
  uint64_t dropped = 0;  // pages left out: past the end of their file, or not applying
};

std::vector<uint8_t> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "redo_apply_bench: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void Check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "redo_apply_bench: %s\n", what.c_str());
  std::exit(1);
}

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

innodb::MtrFraming Framing(Lsn first_lsn, uint64_t file_size) {
  absl::StatusOr<innodb::LogGeometry> g = innodb::LogGeometry::Create(first_lsn, file_size);
  Check(g.ok(), "log geometry");
  return innodb::MtrFraming{*g, innodb::LogEncryption::kNone};
}

// fixtures/apply/page/oracle.log: "TMAPLOG1", start LSN, first_lsn, file size, the bytes.
LogInput PageFixtureLog() {
  std::vector<uint8_t> f = ReadWhole(TIDEMARK_SOURCE_DIR "/fixtures/apply/page/oracle.log");
  LogInput in{.name = "fixture-page", .start = Lsn(ReadBe64(f, 8)),
              .framing = Framing(Lsn(ReadBe64(f, 16)), ReadBe64(f, 24))};
  in.bytes.assign(f.begin() + 32, f.end());
  return in;
}

// fixtures/apply/index/index.log with the LSNs of index.txt.
LogInput IndexFixtureLog() {
  const std::string dir = TIDEMARK_SOURCE_DIR "/fixtures/apply/index/";
  std::ifstream txt(dir + "index.txt");
  uint64_t start = 0, first = 0, size = 0, v = 0;
  for (std::string key; txt >> key;) {
    if (key == "file") {
      std::getline(txt, key);
      continue;
    }
    txt >> v;
    if (key == "start_lsn") start = v;
    if (key == "log_first_lsn") first = v;
    if (key == "log_file_size") size = v;
  }
  return LogInput{.name = "fixture-index", .bytes = ReadWhole(dir + "index.log"),
                  .start = Lsn(start), .framing = Framing(Lsn(first), size)};
}

// A backup's ib_logfile0 from its checkpoint, at most `max_bytes`, cut at an mtr boundary.
LogInput BackupLog(const std::string& dir, uint64_t max_bytes) {
  auto fs = io::NewPosixFileSystem();
  auto file = fs->OpenForRead(io::JoinPath(dir, "ib_logfile0"));
  Check(file.ok(), "open ib_logfile0 of " + dir);
  const uint64_t size = *(*file)->Size();
  std::vector<uint8_t> head(innodb::kLogStartOffset);
  Check((*file)->ReadAt(0, head).ok(), "read log head");
  absl::StatusOr<innodb::LogFileHead> h = innodb::ParseLogFileHead(head);
  Check(h.ok(), "parse log head");
  const Lsn cp = h->checkpoint.checkpoint_lsn;
  absl::StatusOr<innodb::LogGeometry> g = innodb::BackupLogGeometry(h->header.first_lsn, size);
  Check(g.ok(), "backup log geometry");
  const uint64_t at = innodb::kLogStartOffset + (cp.value() - h->header.first_lsn.value());
  LogInput in{.name = "backup", .start = cp,
              .framing = innodb::MtrFraming{*g, innodb::LogEncryption::kNone}};
  in.bytes.resize(std::min(max_bytes, size - at));
  Check((*file)->ReadAt(at, in.bytes).ok(), "read log");
  innodb::MtrReader reader(innodb::LogView(in.start, in.bytes), in.framing);
  while (reader.Read().ok()) {
  }
  in.bytes.resize(reader.lsn().value() - cp.value());
  return in;
}

// Calls fn(mtr, record) for every page record of `log`.
template <typename Fn>
void ForEachPageRecord(const LogInput& log, Fn&& fn) {
  innodb::MtrReader reader(innodb::LogView(log.start, log.bytes), log.framing);
  std::vector<uint8_t> scratch;
  for (innodb::MtrResult m = reader.Read(); m.ok(); m = reader.Read()) {
    innodb::RecordReader records(m.mtr.records().Contiguous(scratch), innodb::LogEncryption::kNone);
    for (innodb::RedoRecord r; records.Next(r);) {
      if (r.kind == innodb::RecordKind::kPage) fn(m.mtr, r);
    }
  }
}

std::vector<LogInput>& Logs() {
  static std::vector<LogInput>* logs = [] {
    auto* v = new std::vector<LogInput>{PageFixtureLog(), IndexFixtureLog()};
    if (const char* dir = std::getenv("TIDEMARK_BENCH_BACKUP"); dir != nullptr && *dir != '\0') {
      v->push_back(BackupLog(dir, EnvOr("TIDEMARK_BENCH_LOG_MB", 256) << 20));
    }
    return v;
  }();
  return *logs;
}

// Parse: framing + CRC-32C + record validation (MtrReader), then every record decoded again
// by RecordReader, as each prepare pass does.
void BM_RedoParse(benchmark::State& state, const LogInput* log) {
  state.SetLabel(absl::StrFormat("%s, crc32c %s, %.1f MiB", log->name,
                                 Crc32cImplementation(), log->bytes.size() / 1048576.0));
  uint64_t mtrs = 0, records = 0;
  std::vector<uint8_t> scratch;
  for (auto _ : state) {
    innodb::MtrReader reader(innodb::LogView(log->start, log->bytes), log->framing);
    for (innodb::MtrResult m = reader.Read(); m.ok(); m = reader.Read()) {
      ++mtrs;
      innodb::RecordReader rr(m.mtr.records().Contiguous(scratch), innodb::LogEncryption::kNone);
      for (innodb::RedoRecord r; rr.Next(r);) ++records;
    }
    benchmark::DoNotOptimize(reader.lsn());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log->bytes.size()));
  state.counters["mtrs/s"] = benchmark::Counter(static_cast<double>(mtrs), benchmark::Counter::kIsRate);
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

// Framing alone (no record validation): what the CRC and length walk cost.
void BM_RedoFraming(benchmark::State& state, const LogInput* log) {
  state.SetLabel(absl::StrFormat("%s, crc32c %s", log->name, Crc32cImplementation()));
  innodb::MtrFraming framing = log->framing;
  framing.validate_records = false;
  for (auto _ : state) {
    innodb::MtrReader reader(innodb::LogView(log->start, log->bytes), framing);
    while (reader.Read().ok()) {
    }
    benchmark::DoNotOptimize(reader.lsn());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * log->bytes.size()));
}

// A page record copied out of its log, for the store benchmark.
struct StoreRecord {
  innodb::RedoPageId id;
  Lsn start, end;
  uint8_t type_byte;
  ByteSpan payload;  // into the log's bytes (fixtures and backup logs never wrap here)
};

void BM_PageLogStoreAdd(benchmark::State& state, const LogInput* log) {
  std::vector<StoreRecord> recs;
  uint64_t bytes = 0;
  ForEachPageRecord(*log, [&](const innodb::Mtr& m, const innodb::RedoRecord& r) {
    recs.push_back({r.page, m.start_lsn(), m.end_lsn(), r.type_byte, r.payload});
    bytes += r.payload.size();
  });
  size_t pages = 0;
  for (auto _ : state) {
    innodb::PageLogStore store;
    for (const StoreRecord& r : recs) store.Add(r.id, r.start, r.end, r.type_byte, r.payload);
    pages = store.page_count();
    benchmark::DoNotOptimize(store.bytes());
  }
  state.SetLabel(absl::StrFormat("%s, %d records for %d pages", log->name, recs.size(), pages));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * recs.size()), benchmark::Counter::kIsRate);
}

// Applies `p` to `frame` as engine/prepare_apply.cc's ApplyPage does; the records applied,
// or -1 when a record does not apply.
int64_t ApplyOne(const innodb::PageLogStore& store, const ApplyPage& p,
                 std::vector<PageRecordRef>& records, std::vector<uint8_t>& frame) {
  if (p.before.empty()) {
    std::fill(frame.begin(), frame.end(), 0);
  } else {
    std::copy(p.before.begin(), p.before.end(), frame.begin());
  }
  const Lsn page_lsn(p.before.empty() ? 0 : ReadBe64(p.before, innodb::kFilPageLsn));
  int64_t applied = 0;
  Lsn last_end(0);
  const auto& entries = p.log.entries;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].start_lsn == entries[i].start_lsn) ++j;
    if (entries[i].start_lsn >= page_lsn) {
      records.clear();
      for (size_t k = i; k < j; ++k) {
        for (const PageRecordRef& r : store.Records(entries[k])) records.push_back(r);
      }
      if (!innodb::ApplyMtrToPage(p.format, p.id, records, frame).ok()) return -1;
      applied += static_cast<int64_t>(records.size());
      last_end = entries[j - 1].end_lsn;
    }
    i = j;
  }
  if (applied == 0) return 0;
  innodb::StampPageLsn(p.format, last_end, frame);
  innodb::SealPageForWrite(p.format, frame);
  return applied;
}

// Keeps the pages that apply cleanly; counts their records.
void KeepApplying(ApplyInput& in) {
  std::vector<PageRecordRef> records;
  std::vector<ApplyPage> kept;
  for (ApplyPage& p : in.pages) {
    std::vector<uint8_t> frame(p.format.page_size.physical());
    const int64_t n = ApplyOne(*in.store, p, records, frame);
    if (n < 0) {
      ++in.dropped;
      continue;
    }
    in.records += static_cast<uint64_t>(n);
    kept.push_back(std::move(p));
  }
  in.pages = std::move(kept);
}

// fixtures/apply/page: oracle.pages gives each page's format and before image.
ApplyInput PageFixtureApply(const LogInput& log) {
  ApplyInput in{.name = "fixture-page"};
  ForEachPageRecord(log, [&](const innodb::Mtr& m, const innodb::RedoRecord& r) {
    in.store->Add(r.page, m.start_lsn(), m.end_lsn(), r.type_byte, r.payload);
  });
  const std::vector<uint8_t> f = ReadWhole(TIDEMARK_SOURCE_DIR "/fixtures/apply/page/oracle.pages");
  const uint32_t count = ReadBe32(f, 8);
  size_t at = 12;
  for (uint32_t i = 0; i < count; ++i) {
    ApplyPage p{.id = {SpaceId(ReadBe32(f, at)), PageNo(ReadBe32(f, at + 4))}};
    absl::StatusOr<innodb::SpaceFlags> flags = innodb::DecodeSpaceFlags(ReadBe32(f, at + 8));
    Check(flags.ok(), "fixture flags");
    p.format = {flags->page_size, flags->full_crc32()};
    const size_t size = ReadBe32(f, at + 12);
    const bool has_before = f[at + 16] != 0;
    at += 20;
    if (has_before) p.before.assign(f.begin() + at, f.begin() + at + size);
    at += size * (has_before ? 2 : 1);
    auto it = in.store->pages().find(p.id);
    if (it == in.store->pages().end() || (p.before.empty() && !it->second.init)) continue;
    p.log = it->second;
    if (p.log.init) p.before.clear();
    in.pages.push_back(std::move(p));
  }
  KeepApplying(in);
  return in;
}

// A backup: the log's pages read from the data files (at most `max_pages`).
ApplyInput BackupApply(const std::string& dir, const LogInput& log, uint64_t max_pages) {
  ApplyInput in{.name = "backup"};
  ForEachPageRecord(log, [&](const innodb::Mtr& m, const innodb::RedoRecord& r) {
    in.store->Add(r.page, m.start_lsn(), m.end_lsn(), r.type_byte, r.payload);
  });
  auto fs = io::NewPosixFileSystem();
  absl::StatusOr<engine::PrepareSpaces> spaces = engine::PrepareSpaces::Discover(*fs, dir);
  Check(spaces.ok(), "discover tablespaces");
  std::map<std::string, std::unique_ptr<io::RandomAccessFile>> files;
  for (const auto& [id, log_of_page] : in.store->pages()) {
    if (in.pages.size() >= max_pages) break;
    const engine::PrepareSpace* s = spaces->Find(id.space);
    if (s == nullptr) {
      ++in.dropped;
      continue;
    }
    ApplyPage p{.id = id, .format = s->format(), .log = log_of_page};
    if (!p.log.init) {
      const auto [file, offset] = s->Locate(id.page.value());
      auto& f = files[s->files[file]];
      if (f == nullptr) f = *fs->OpenForRead(io::JoinPath(dir, s->files[file]));
      p.before.resize(s->physical());
      absl::StatusOr<size_t> n = f->ReadAt(offset, p.before);
      if (!n.ok() || *n < p.before.size()) {
        ++in.dropped;
        continue;
      }
    }
    in.pages.push_back(std::move(p));
  }
  KeepApplying(in);
  return in;
}

void BM_ApplyPages(benchmark::State& state, const ApplyInput* in) {
  state.SetLabel(absl::StrFormat("%s, %d pages, %d records (%d pages left out)", in->name,
                                 in->pages.size(), in->records, in->dropped));
  std::vector<PageRecordRef> records;
  std::vector<uint8_t> frame(65536);
  for (auto _ : state) {
    for (const ApplyPage& p : in->pages) {
      frame.resize(p.format.page_size.physical());
      benchmark::DoNotOptimize(ApplyOne(*in->store, p, records, frame));
    }
  }
  const double n = static_cast<double>(state.iterations());
  state.counters["records/s"] = benchmark::Counter(n * in->records, benchmark::Counter::kIsRate);
  state.counters["pages/s"] = benchmark::Counter(n * in->pages.size(), benchmark::Counter::kIsRate);
}

const bool kRegistered = [] {
  static std::vector<ApplyInput> applies;
  for (const LogInput& log : Logs()) {
    benchmark::RegisterBenchmark(("BM_RedoParse/" + log.name).c_str(), BM_RedoParse, &log);
    benchmark::RegisterBenchmark(("BM_RedoFraming/" + log.name).c_str(), BM_RedoFraming, &log);
    benchmark::RegisterBenchmark(("BM_PageLogStoreAdd/" + log.name).c_str(), BM_PageLogStoreAdd,
                                 &log);
  }
  applies.reserve(2);
  applies.push_back(PageFixtureApply(Logs()[0]));
  if (Logs().size() > 2) {
    applies.push_back(BackupApply(std::getenv("TIDEMARK_BENCH_BACKUP"), Logs()[2],
                                  EnvOr("TIDEMARK_BENCH_PAGES", 20000)));
  }
  for (const ApplyInput& a : applies) {
    benchmark::RegisterBenchmark(("BM_ApplyPages/" + a.name).c_str(), BM_ApplyPages, &a);
  }
  return true;
}();

}  // namespace
}  // namespace tidemark
