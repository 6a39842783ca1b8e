// Reading a tracking directory back (the chain walk of LoadTrackedPages) and pruning it.
#include "engine/page_tracking.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "engine/page_set_file.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// Walks the files from an LSN: each step takes the file that continues the chain.
class ChainWalk {
 public:
  ChainWalk(io::FileSystem& fs, std::vector<TrackedFile> files, Lsn from)
      : fs_(fs), files_(std::move(files)), pos_(from) {}

  // Takes files until `to` is covered or the chain stops; why it stopped is in stop().
  void Run(std::optional<Lsn> to) {
    while (!(to && pos_ >= *to) && Step()) {
    }
  }

  Lsn pos() const { return pos_; }
  std::optional<ChangedPages>& pages() { return pages_; }
  const std::vector<std::string>& used() const { return used_; }
  const std::string& stop() const { return stop_; }
  // The identity and anchor the live log must continue (those of the last file used, or of
  // a file ending exactly at the start).
  const std::optional<LogIdentity>& identity() const { return identity_; }
  LsnAnchor anchor() const { return anchor_; }

 private:
  bool Step();
  bool NoFile();
  const TrackedFile* Next() const;
  bool Fail(std::string why) {
    stop_ = std::move(why);
    return false;
  }

  io::FileSystem& fs_;
  const std::vector<TrackedFile> files_;
  Lsn pos_;
  std::optional<ChangedPages> pages_;
  std::vector<std::string> used_;
  std::optional<LogIdentity> identity_;
  LsnAnchor anchor_;
  std::string stop_;
};

// The file to take at pos_: the first one must cover it (the latest-starting such file);
// later ones must start exactly at pos_.
const TrackedFile* ChainWalk::Next() const {
  const TrackedFile* best = nullptr;
  for (const TrackedFile& f : files_) {
    const bool fits = pages_ ? f.from == pos_ && f.to > pos_ : f.from <= pos_ && pos_ < f.to;
    if (fits && (!best || f.from > best->from || (f.from == best->from && f.to > best->to))) {
      best = &f;
    }
  }
  return best;
}

// No file continues at pos_: says why, and on the first step picks up the identity and
// anchor of a file that ends exactly there, which the live log must continue.
bool ChainWalk::NoFile() {
  auto later = std::find_if(files_.begin(), files_.end(),
                            [&](const TrackedFile& t) { return t.from > pos_; });
  const std::string next = later == files_.end()
                               ? std::string("no later file")
                               : absl::StrFormat("the next starts at LSN %d", later->from.value());
  if (pages_) {
    return Fail(absl::StrFormat("no page-set file starts at LSN %d (%s)", pos_.value(), next));
  }
  for (const TrackedFile& t : files_) {
    if (t.to != pos_) continue;
    absl::StatusOr<PageSetFile> file = ReadPageSetFile(fs_, t.path);
    if (file.ok()) {
      identity_ = file->identity;
      anchor_ = file->to_anchor;
    }
  }
  return Fail(absl::StrFormat("no page-set file covers LSN %d (%s)", pos_.value(), next));
}

bool ChainWalk::Step() {
  const TrackedFile* f = Next();
  if (!f) return NoFile();
  absl::StatusOr<PageSetFile> file = ReadPageSetFile(fs_, f->path);
  if (!file.ok()) {
    return Fail(absl::StrFormat("'%s' is unusable: %s", f->name, file.status().message()));
  }
  if (file->pages.from_lsn() != f->from || file->pages.to_lsn() != f->to) {
    return Fail(absl::StrFormat("'%s' holds the range [%d, %d), not the one its name says", f->name,
                                file->pages.from_lsn().value(), file->pages.to_lsn().value()));
  }
  if (identity_ && file->identity != *identity_) {
    return Fail(absl::StrFormat("'%s' was read from a different log (%s; the files before it: %s)",
                                f->name, file->identity.Describe(), identity_->Describe()));
  }
  if (pages_ && file->from_anchor != anchor_) {
    return Fail(absl::StrFormat("'%s' does not continue '%s' (the log at LSN %d differs)", f->name,
                                used_.back(), pos_.value()));
  }
  if (pages_) {
    pages_->Append(file->pages).IgnoreError();  // contiguous: f->from == pos_
  } else {
    pages_ = std::move(file->pages);
  }
  used_.push_back(f->name);
  identity_ = file->identity;
  anchor_ = file->to_anchor;
  pos_ = f->to;
  return true;
}

absl::Status NotCovered(const LoadTrackedOptions& o, Lsn pos, std::string_view files_stop,
                        const absl::Status& live) {
  const std::string range =
      o.to_lsn ? absl::StrFormat("LSN %d up to LSN %d", pos.value(), o.to_lsn->value())
               : absl::StrFormat("LSN %d", pos.value());
  const std::string message = absl::StrFormat("page tracking in '%s' does not cover %s: %s; %s",
                                              o.tracking_dir, range, files_stop, live.message());
  const absl::StatusCode code = live.code() == absl::StatusCode::kFailedPrecondition ||
                                        live.code() == absl::StatusCode::kDataLoss
                                    ? absl::StatusCode::kFailedPrecondition
                                    : live.code();
  return absl::Status(code, message);
}

// The live log from `pos` on, continuing what the walk read.
absl::StatusOr<ChangedPages> ContinueLive(io::FileSystem& fs, io::Clock& clock,
                                          const LoadTrackedOptions& o, const ChainWalk& walk) {
  CollectStart start{.lsn = walk.pos(), .identity = walk.identity(), .anchor = walk.anchor()};
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RedoPageCollector> c,
                      RedoPageCollector::Open(fs, clock, o.server_log_path, start, o.collector));
  const Lsn target = std::max(o.to_lsn.value_or(c->durable()), walk.pos());
  TM_RETURN_IF_ERROR(AdvanceTo(*c, clock, target, o.durable_wait, o.poll_interval));
  return c->TakePages();
}

}  // namespace

absl::StatusOr<std::vector<TrackedFile>> ListTrackedFiles(io::FileSystem& fs,
                                                          std::string_view dir) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  std::vector<TrackedFile> out;
  for (const io::FileInfo& e : entries) {
    if (e.type != io::FileType::kRegular) continue;
    std::optional<std::pair<Lsn, Lsn>> range = ParsePageSetFileName(e.name);
    if (!range) continue;
    out.push_back({e.name, io::JoinPath(dir, e.name), range->first, range->second});
  }
  std::sort(out.begin(), out.end(), [](const TrackedFile& a, const TrackedFile& b) {
    return a.from != b.from ? a.from < b.from : a.to < b.to;
  });
  return out;
}

absl::StatusOr<TrackedPages> LoadTrackedPages(io::FileSystem& fs, io::Clock& clock,
                                              const LoadTrackedOptions& o) {
  if (o.to_lsn && *o.to_lsn < o.from_lsn) {
    return absl::InvalidArgumentError(
        absl::StrFormat("load tracked pages: to_lsn %d is before from_lsn %d", o.to_lsn->value(),
                        o.from_lsn.value()));
  }
  if (o.to_lsn && *o.to_lsn == o.from_lsn) {
    // No mtr starts in an empty range (an idle server: the next backup's start checkpoint is
    // its base's LSN), so no page changed in it: nothing to read.
    TrackedPages out;
    out.pages = ChangedPages(o.from_lsn, o.from_lsn);
    out.files_end = o.from_lsn;
    return out;
  }
  absl::StatusOr<std::vector<TrackedFile>> files = ListTrackedFiles(fs, o.tracking_dir);
  if (!files.ok() && !absl::IsNotFound(files.status())) return files.status();
  ChainWalk walk(fs, files.ok() ? *std::move(files) : std::vector<TrackedFile>(), o.from_lsn);
  walk.Run(o.to_lsn);
  TrackedPages out;
  out.files = walk.used();
  out.files_end = walk.pos();
  out.files_stop = walk.stop();
  if (o.to_lsn && walk.pos() >= *o.to_lsn) {
    out.pages = *std::move(walk.pages());
    return out;
  }
  if (o.server_log_path.empty()) {
    if (walk.pages() && !o.to_lsn) {
      out.pages = *std::move(walk.pages());
      return out;
    }
    return NotCovered(o, walk.pos(), walk.stop(),
                      absl::FailedPreconditionError("no server log to continue from"));
  }
  absl::StatusOr<ChangedPages> live = ContinueLive(fs, clock, o, walk);
  if (!live.ok()) return NotCovered(o, walk.pos(), walk.stop(), live.status());
  out.used_live_log = true;
  if (walk.pages()) {
    out.pages = *std::move(walk.pages());
    TM_RETURN_IF_ERROR(out.pages.Append(*live));
  } else {
    out.pages = *std::move(live);
  }
  out.pages.ShrinkToFit();
  return out;
}

absl::StatusOr<std::vector<TrackedFile>> FilesNewestFirst(io::FileSystem& fs,
                                                          std::string_view dir) {
  TM_ASSIGN_OR_RETURN(std::vector<TrackedFile> files, ListTrackedFiles(fs, dir));
  for (TrackedFile& f : files) {
    absl::StatusOr<PageSetFile> h = ReadPageSetHeader(fs, f.path);
    if (h.ok()) f.written = h->written;
  }
  // Files are written in LSN order, so the time orders them even when a later chain has
  // lower LSNs (a server restored from a copy, a new log); unreadable headers go last.
  std::stable_sort(files.begin(), files.end(), [](const TrackedFile& a, const TrackedFile& b) {
    if (a.written != b.written) return a.written > b.written;
    return a.to > b.to;
  });
  return files;
}

absl::StatusOr<std::vector<std::string>> PruneTrackedFiles(io::FileSystem& fs, std::string_view dir,
                                                           absl::Time now,
                                                           const PruneOptions& options) {
  std::vector<std::string> removed;
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  for (const io::FileInfo& e : entries) {
    if (!e.name.ends_with(std::string(kPageSetSuffix) + ".tmp")) continue;
    TM_RETURN_IF_ERROR(fs.RemoveFile(io::JoinPath(dir, e.name)));
    removed.push_back(e.name);
  }
  if (options.keep_files <= 0 && options.keep_duration == absl::InfiniteDuration()) {
    return removed;
  }
  TM_ASSIGN_OR_RETURN(const std::vector<TrackedFile> files, FilesNewestFirst(fs, dir));
  for (size_t i = 1; i < files.size(); ++i) {  // the newest is always kept
    const bool drop = (options.keep_files > 0 && i >= static_cast<size_t>(options.keep_files)) ||
                      (options.keep_duration != absl::InfiniteDuration() &&
                       files[i].written < now - options.keep_duration);
    if (!drop) continue;
    TM_RETURN_IF_ERROR(fs.RemoveFile(files[i].path));
    removed.push_back(files[i].name);
  }
  if (!removed.empty()) TM_RETURN_IF_ERROR(fs.SyncDir(dir));
  return removed;
}

}  // namespace tidemark::engine
