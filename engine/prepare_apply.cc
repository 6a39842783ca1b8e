// One batch of redo applied in groups of pages (see the header).
#include "engine/prepare_apply.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/prepare_journal.h"
#include "innodb/apply/page_apply.h"
#include "innodb/base/status.h"
#include "innodb/page/fil_page.h"

namespace tidemark::engine {

namespace {

using StoredPage = std::pair<const innodb::RedoPageId, innodb::PageLog>;

struct PageResult {
  std::vector<uint8_t> frame;
  bool write = false;
  bool read = false;
  uint64_t applied = 0, skipped = 0;
};

// The files a group reads, opened once for all workers (ReadAt is thread-safe).
using ReadFiles = std::map<std::string, std::unique_ptr<io::RandomAccessFile>>;

// `records` is the worker's scratch, reused from page to page.
absl::Status ApplyPage(const PrepareSpace& space, const StoredPage& page,
                       const innodb::PageLogStore& store, ReadFiles& files,
                       std::vector<innodb::PageRecordRef>& records, PageResult& out) {
  const innodb::RedoPageId id = page.first;
  const auto [file_index, offset] = space.Locate(id.page.value());
  const std::string& file = space.files[file_index];
  const innodb::ApplySpaceFormat format = space.format();
  out.frame.assign(space.physical(), 0);
  Lsn page_lsn(0);
  if (!page.second.init) {
    TM_ASSIGN_OR_RETURN(size_t n, files.at(file)->ReadAt(offset, out.frame));
    out.read = true;
    if (n < out.frame.size()) {
      return absl::DataLossError(absl::StrFormat(
          "beyond the end of the file (%d bytes read at offset %d) and not initialised by the log",
          n, offset));
    }
    page_lsn = Lsn(ReadBe64(out.frame, innodb::kFilPageLsn));
  }
  // Entries of one mtr are applied together: an entry can continue the previous one with
  // same_page records when the store had to start a new arena chunk.
  Lsn last_end(0);
  const std::vector<innodb::PageLogEntry>& entries = page.second.entries;
  for (size_t i = 0; i < entries.size();) {
    const innodb::PageLogEntry& e = entries[i];
    size_t j = i + 1;
    while (j < entries.size() && entries[j].start_lsn == e.start_lsn) ++j;
    if (e.start_lsn < page_lsn) {
      out.skipped += j - i;
      i = j;
      continue;
    }
    records.clear();
    for (size_t k = i; k < j; ++k) store.AppendRecords(entries[k], records);
    if (absl::Status s = innodb::ApplyMtrToPage(format, id, records, out.frame); !s.ok()) {
      return Annotate(s, absl::StrFormat("mtr at LSN %d", e.start_lsn.value()));
    }
    out.applied += j - i;
    last_end = entries[j - 1].end_lsn;
    i = j;
  }
  if (out.applied == 0) return absl::OkStatus();
  innodb::StampPageLsn(format, last_end, out.frame);
  innodb::SealPageForWrite(format, out.frame);
  out.write = true;
  return absl::OkStatus();
}

class GroupRunner {
 public:
  GroupRunner(io::FileSystem& fs, std::string_view dir, const PrepareSpaces& spaces,
              const innodb::PageLogStore& store, const ApplyOptions& options)
      : fs_(fs), dir_(dir), spaces_(spaces), store_(store), options_(options) {}

  // Reads and applies `pages`, then hands the changed ones to a writer thread, which
  // journals and writes them while the caller computes the next group (the groups of a
  // batch hold different pages). Returns the previous group's write error, if any.
  absl::Status Run(std::span<const StoredPage* const> pages, ApplyStats& stats) {
    TM_RETURN_IF_ERROR(OpenFiles(pages));
    auto results = std::make_unique<std::vector<PageResult>>(pages.size());
    RunWorkers(pages, *results);
    TM_RETURN_IF_ERROR(first_error_);
    std::vector<JournalPage> writes;
    for (size_t i = 0; i < pages.size(); ++i) {
      const PageResult& r = (*results)[i];
      stats.pages_read += r.read;
      stats.entries_applied += r.applied;
      stats.entries_skipped += r.skipped;
      if (!r.write) continue;
      const PrepareSpace& space = *spaces_.Find(pages[i]->first.space);
      const auto [file, offset] = space.Locate(pages[i]->first.page.value());
      writes.push_back(JournalPage{space.files[file], offset, r.frame});
    }
    stats.pages += pages.size();
    stats.pages_written += writes.size();
    ++stats.groups;
    TM_RETURN_IF_ERROR(Wait());
    if (writes.empty()) return absl::OkStatus();
    writing_ = std::move(results);
    writer_ = std::jthread([this, w = std::move(writes)] { write_status_ = Write(w); });
    return absl::OkStatus();
  }

  // Waits for the group being written; its error, if any.
  absl::Status Wait() {
    if (writer_.joinable()) writer_.join();
    writing_.reset();
    return std::exchange(write_status_, absl::OkStatus());
  }

 private:
  absl::Status Write(std::span<const JournalPage> writes) {
    if (options_.journal) TM_RETURN_IF_ERROR(WriteJournal(fs_, dir_, writes));
    TM_RETURN_IF_ERROR(WritePagesInPlace(fs_, dir_, writes));
    return options_.journal ? RemoveJournal(fs_, dir_) : absl::OkStatus();
  }

  absl::Status OpenFiles(std::span<const StoredPage* const> pages) {
    files_.clear();
    for (const StoredPage* p : pages) {
      const PrepareSpace* space = spaces_.Find(p->first.space);
      if (space == nullptr) {
        return absl::InternalError(absl::StrFormat("tablespace %d page %d: no file resolved",
                                                   p->first.space.value(), p->first.page.value()));
      }
      const std::string& file = space->files[space->Locate(p->first.page.value()).first];
      if (files_.contains(file)) continue;
      TM_ASSIGN_OR_RETURN(files_[file], fs_.OpenForRead(io::JoinPath(dir_, file)));
    }
    return absl::OkStatus();
  }

  void RunWorkers(std::span<const StoredPage* const> pages, std::vector<PageResult>& results) {
    std::atomic<size_t> next{0};
    auto work = [&] {
      std::vector<innodb::PageRecordRef> records;
      for (size_t i; (i = next.fetch_add(1)) < pages.size();) {
        const StoredPage& p = *pages[i];
        const PrepareSpace& space = *spaces_.Find(p.first.space);
        absl::Status s = ApplyPage(space, p, store_, files_, records, results[i]);
        if (s.ok()) continue;
        absl::MutexLock lock(&mu_);
        if (first_error_.ok()) {
          first_error_ = Annotate(s, absl::StrFormat("tablespace %d page %d ('%s')",
                                                     p.first.space.value(), p.first.page.value(),
                                                     space.files[space.Locate(p.first.page.value()).first]));
        }
        next.store(pages.size());
      }
    };
    const size_t n = std::min(std::max<size_t>(options_.parallel, 1), pages.size());
    std::vector<std::jthread> workers;
    for (size_t t = 1; t < n; ++t) workers.emplace_back(work);
    work();
  }

  io::FileSystem& fs_;
  std::string dir_;
  const PrepareSpaces& spaces_;
  const innodb::PageLogStore& store_;
  const ApplyOptions& options_;
  ReadFiles files_;
  absl::Mutex mu_;
  absl::Status first_error_;
  // The group being written by writer_, and how that ended (read after joining).
  std::unique_ptr<std::vector<PageResult>> writing_;
  absl::Status write_status_;
  std::jthread writer_;  // last: joined before the members it uses are destroyed
};

}  // namespace

absl::Status ApplyBatch(io::FileSystem& fs, std::string_view target_dir,
                        const PrepareSpaces& spaces, const innodb::PageLogStore& store,
                        const ApplyOptions& options, ApplyStats& stats,
                        const std::function<void(uint64_t)>& on_group) {
  std::vector<const StoredPage*> pages;
  pages.reserve(store.page_count());
  for (const StoredPage& p : store.pages()) pages.push_back(&p);
  GroupRunner runner(fs, target_dir, spaces, store, options);
  // Images held at once: the group being computed, the one being written and, with the
  // journal, that one's encoded copy, which can briefly exist twice while EncodeJournal's
  // vector grows.
  const size_t frame_bytes = options.group_bytes / (options.journal ? 4 : 2);
  size_t done = 0;
  while (done < pages.size()) {
    size_t end = done, bytes = 0;
    while (end < pages.size()) {
      const PrepareSpace* s = spaces.Find(pages[end]->first.space);
      const size_t page_bytes = s != nullptr ? s->physical() : 16384;
      if (end > done && bytes + page_bytes > frame_bytes) break;
      bytes += page_bytes;
      ++end;
    }
    TM_RETURN_IF_ERROR(runner.Run(std::span(pages).subspan(done, end - done), stats));
    done = end;
    if (on_group) on_group(done);
  }
  return runner.Wait();
}

}  // namespace tidemark::engine
