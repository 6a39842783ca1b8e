// Reading a tracking directory back (the chain search of LoadTrackedPages) and pruning it.
//
// Several chains of files can cover one LSN: a server restored from a filesystem snapshot
// keeps its log identity, and the directory keeps the files of the history the restore
// discarded next to the chain the follower starts on the restored server. So the search
// tries every chain that covers the start, the one of the file written last first, and
// takes the first whose end the live log confirms (same identity, same anchor: a discarded
// history differs there); each of its files is then read whole and checked.
#include "engine/page_tracking.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/page_set_file.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// Chains whose end is checked against the live log before giving up: each check may wait
// for the log to become durable (LoadTrackedOptions::durable_wait).
constexpr size_t kMaxChainsTried = 16;
constexpr size_t kNoFile = std::numeric_limits<size_t>::max();

// A listed file with its header (no pages).
struct Node {
  TrackedFile file;
  PageSetFile header;
  std::string unusable;       // why it cannot be used; empty when it can
  bool newest_chain = false;  // reachable backwards from the file written last
};

// One way the files cover the start: each file continues the previous one.
struct Chain {
  std::vector<size_t> files;            // indexes into the nodes, in LSN order
  Lsn end;                              // where the files stop
  bool reached = false;                 // end >= to_lsn
  std::string stop;                     // why no file continues at `end` (empty when reached)
  std::optional<LogIdentity> identity;  // what the live log must show at `end`
  LsnAnchor anchor;

  size_t key() const { return files.empty() ? kNoFile : files.back(); }
};

// The file written last comes first (FilesNewestFirst's order).
bool WrittenLater(const TrackedFile& a, const TrackedFile& b) {
  if (a.written != b.written) return a.written > b.written;
  return a.to > b.to;
}

// Whether `next` may follow `prev` in a chain.
bool Continues(const Node& prev, const Node& next) {
  return next.file.from == prev.file.to && next.header.identity == prev.header.identity &&
         next.header.from_anchor == prev.header.to_anchor;
}

// The files of `list` with their headers; marks the chain of the file written last.
std::vector<Node> ReadNodes(io::FileSystem& fs, std::vector<TrackedFile> list) {
  std::vector<Node> nodes;
  for (TrackedFile& f : list) {
    Node n{.file = std::move(f)};
    absl::StatusOr<PageSetFile> h = ReadPageSetHeader(fs, n.file.path);
    if (!h.ok()) {
      n.unusable = std::string(h.status().message());
    } else if (h->pages.from_lsn() != n.file.from || h->pages.to_lsn() != n.file.to) {
      n.unusable = absl::StrFormat("it holds the range [%d, %d), not the one its name says",
                                   h->pages.from_lsn().value(), h->pages.to_lsn().value());
    } else {
      n.file.written = h->written;
      n.header = *std::move(h);
    }
    nodes.push_back(std::move(n));
  }
  std::multimap<Lsn, size_t> by_end;
  std::optional<size_t> newest;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!nodes[i].unusable.empty()) continue;
    by_end.emplace(nodes[i].file.to, i);
    if (!newest || WrittenLater(nodes[i].file, nodes[*newest].file)) newest = i;
  }
  std::vector<size_t> queue;
  if (newest) queue.push_back(*newest);
  while (!queue.empty()) {
    const size_t i = queue.back();
    queue.pop_back();
    if (nodes[i].newest_chain) continue;
    nodes[i].newest_chain = true;
    auto [lo, hi] = by_end.equal_range(nodes[i].file.from);
    for (auto it = lo; it != hi; ++it) {
      if (Continues(nodes[it->second], nodes[i])) queue.push_back(it->second);
    }
  }
  return nodes;
}

// The chains of files that cover an LSN, most preferred first.
class ChainSearch {
 public:
  ChainSearch(std::vector<Node> nodes, Lsn from, std::optional<Lsn> to)
      : nodes_(std::move(nodes)), from_(from), to_(to) {}

  // The leaves of a depth-first search over the files that cover the start and continue
  // each other, preferred ones first: a chain stops where it reaches to_lsn or where no
  // usable file continues it. A file is expanded once: every chain through it ends in the
  // same leaves, whose check against the log does not depend on how they were reached.
  std::vector<Chain> Chains() const;
  // A file found damaged when read whole: no chain takes it from now on.
  void Exclude(size_t i, std::string why) { nodes_[i].unusable = std::move(why); }
  const Node& node(size_t i) const { return nodes_[i]; }

 private:
  std::pair<size_t, size_t> StartingAt(Lsn pos) const;
  std::vector<size_t> Candidates(const std::vector<size_t>& path) const;
  std::vector<size_t> Fitting(const std::vector<size_t>& path) const;
  Chain Leaf(const std::vector<size_t>& path) const;
  std::string WhyStop(const std::vector<size_t>& path) const;
  std::string NextStart(Lsn pos) const;

  std::vector<Node> nodes_;  // in ListTrackedFiles order: by (from, to)
  const Lsn from_;
  const std::optional<Lsn> to_;
};

// Most preferred first: the chain of the file written last, then by the time written, then
// the latest start (the smallest superset).
bool Preferred(const Node& a, const Node& b) {
  if (a.newest_chain != b.newest_chain) return a.newest_chain;
  if (a.file.written != b.file.written) return a.file.written > b.file.written;
  if (a.file.from != b.file.from) return a.file.from > b.file.from;
  return a.file.to > b.file.to;
}

// The nodes that start at `pos`, as [first, last) indexes (nodes_ is sorted by from).
std::pair<size_t, size_t> ChainSearch::StartingAt(Lsn pos) const {
  const auto by_from = [](const Node& n, Lsn at) { return n.file.from < at; };
  const auto lo = std::lower_bound(nodes_.begin(), nodes_.end(), pos, by_from);
  auto hi = lo;
  while (hi != nodes_.end() && hi->file.from == pos) ++hi;
  return {static_cast<size_t>(lo - nodes_.begin()), static_cast<size_t>(hi - nodes_.begin())};
}

// The files that may come next after `path`, usable or not: for an empty path those covering
// from_, else those starting where it ends.
std::vector<size_t> ChainSearch::Candidates(const std::vector<size_t>& path) const {
  std::vector<size_t> out;
  if (path.empty()) {
    for (size_t i = 0; i < nodes_.size() && nodes_[i].file.from <= from_; ++i) {
      if (from_ < nodes_[i].file.to) out.push_back(i);
    }
    return out;
  }
  const Lsn pos = nodes_[path.back()].file.to;
  const auto [lo, hi] = StartingAt(pos);
  for (size_t i = lo; i < hi; ++i) {
    if (nodes_[i].file.to > pos) out.push_back(i);
  }
  return out;
}

// The usable candidates that continue `path`, least preferred first.
std::vector<size_t> ChainSearch::Fitting(const std::vector<size_t>& path) const {
  std::vector<size_t> out;
  for (size_t i : Candidates(path)) {
    const Node& n = nodes_[i];
    if (n.unusable.empty() && (path.empty() || Continues(nodes_[path.back()], n))) {
      out.push_back(i);
    }
  }
  std::sort(out.begin(), out.end(),
            [&](size_t a, size_t b) { return Preferred(nodes_[b], nodes_[a]); });
  return out;
}

std::vector<Chain> ChainSearch::Chains() const {
  std::vector<Chain> out;
  std::vector<bool> expanded(nodes_.size());
  std::vector<size_t> path;
  // todo[d]: the files still to try after path[0, d), most preferred last.
  std::vector<std::vector<size_t>> todo{Fitting(path)};
  if (todo.back().empty()) return {Leaf(path)};
  while (!todo.empty()) {
    if (todo.back().empty()) {
      todo.pop_back();
      if (!path.empty()) path.pop_back();
      continue;
    }
    const size_t i = todo.back().back();
    todo.back().pop_back();
    if (expanded[i]) continue;
    expanded[i] = true;
    path.push_back(i);
    const bool reached = to_ && nodes_[i].file.to >= *to_;
    std::vector<size_t> next = reached ? std::vector<size_t>() : Fitting(path);
    if (next.empty()) {
      out.push_back(Leaf(path));
      path.pop_back();
    } else {
      todo.push_back(std::move(next));
    }
  }
  return out;
}

Chain ChainSearch::Leaf(const std::vector<size_t>& path) const {
  Chain c{.files = path, .end = path.empty() ? from_ : nodes_[path.back()].file.to};
  c.reached = to_ && c.end >= *to_;
  if (!c.reached) c.stop = WhyStop(path);
  if (!path.empty()) {
    c.identity = nodes_[path.back()].header.identity;
    c.anchor = nodes_[path.back()].header.to_anchor;
    return c;
  }
  // No file covers the start: the live log must continue a file that ends exactly there.
  const Node* ending = nullptr;
  for (const Node& n : nodes_) {
    if (n.unusable.empty() && n.file.to == from_ && (!ending || Preferred(n, *ending))) {
      ending = &n;
    }
  }
  if (ending) {
    c.identity = ending->header.identity;
    c.anchor = ending->header.to_anchor;
  }
  return c;
}

std::string ChainSearch::NextStart(Lsn pos) const {
  const auto later = std::upper_bound(nodes_.begin(), nodes_.end(), pos,
                                      [](Lsn at, const Node& n) { return at < n.file.from; });
  return later == nodes_.end()
             ? std::string("no later file")
             : absl::StrFormat("the next starts at LSN %d", later->file.from.value());
}

// Why no file continues `path`: each candidate and why it does not fit.
std::string ChainSearch::WhyStop(const std::vector<size_t>& path) const {
  const Lsn pos = path.empty() ? from_ : nodes_[path.back()].file.to;
  std::vector<std::string> why;
  for (size_t i : Candidates(path)) {
    const Node& n = nodes_[i];
    if (!n.unusable.empty()) {
      why.push_back(absl::StrFormat("'%s' is unusable: %s", n.file.name, n.unusable));
    } else if (path.empty()) {
      continue;  // not at a leaf: a usable file covering the start is a chain
    } else if (const Node& prev = nodes_[path.back()]; n.header.identity != prev.header.identity) {
      why.push_back(absl::StrFormat(
          "'%s' was read from a different log (%s; the files before it: %s)", n.file.name,
          n.header.identity.Describe(), prev.header.identity.Describe()));
    } else {
      why.push_back(absl::StrFormat("'%s' does not continue '%s' (the log at LSN %d differs)",
                                    n.file.name, prev.file.name, pos.value()));
    }
  }
  if (!why.empty()) return absl::StrJoin(why, "; ");
  return absl::StrFormat(path.empty() ? "no page-set file covers LSN %d (%s)"
                                      : "no page-set file starts at LSN %d (%s)",
                         pos.value(), NextStart(pos));
}

// Tries the chains in order until one is confirmed and read.
class TrackedLoad {
 public:
  TrackedLoad(io::FileSystem& fs, io::Clock& clock, const LoadTrackedOptions& o, ChainSearch search)
      : fs_(fs), clock_(clock), o_(o), search_(std::move(search)) {}

  absl::StatusOr<TrackedPages> Run();

 private:
  enum class Outcome { kDone, kFailed, kReplan, kStop };
  struct Failure {
    Lsn pos;
    std::string reason;
    absl::StatusCode code;
  };

  Outcome Try(const Chain& chain);
  absl::StatusOr<std::unique_ptr<RedoPageCollector>> Confirm(const Chain& chain);
  bool ReadFiles(const Chain& chain, ChangedPages& pages);
  Outcome Fail(const Chain& chain, const absl::Status& why);
  absl::Status Refusal(bool more) const;

  io::FileSystem& fs_;
  io::Clock& clock_;
  const LoadTrackedOptions& o_;
  ChainSearch search_;
  std::vector<Failure> failures_;
  TrackedPages out_;
};

absl::StatusOr<TrackedPages> TrackedLoad::Run() {
  std::set<size_t> tried;  // chains by their last file: a chain's check depends only on it
  for (bool replan = true; replan;) {
    replan = false;
    for (const Chain& chain : search_.Chains()) {
      if (tried.contains(chain.key())) continue;
      if (tried.size() == kMaxChainsTried) return Refusal(/*more=*/true);
      tried.insert(chain.key());
      const Outcome r = Try(chain);
      if (r == Outcome::kDone) return std::move(out_);
      if (r == Outcome::kStop) return Refusal(false);
      if (r == Outcome::kReplan) {  // a file was excluded: other chains may now end earlier
        tried.erase(chain.key());
        replan = true;
        break;
      }
    }
  }
  return Refusal(false);
}

// Checks the chain's end against the live log and reads its files; then, when they stop
// before to_lsn (or to_lsn is not given), continues with the live log.
TrackedLoad::Outcome TrackedLoad::Try(const Chain& chain) {
  std::unique_ptr<RedoPageCollector> live;
  if (!o_.server_log_path.empty()) {
    absl::StatusOr<std::unique_ptr<RedoPageCollector>> c = Confirm(chain);
    if (!c.ok()) return Fail(chain, c.status());
    live = *std::move(c);
  } else if (!chain.reached && (o_.to_lsn || chain.files.empty())) {
    return Fail(chain, absl::FailedPreconditionError("no server log to continue from"));
  }
  ChangedPages pages(chain.end);
  if (!ReadFiles(chain, pages)) return Outcome::kReplan;
  out_.files.clear();
  for (size_t i : chain.files) out_.files.push_back(search_.node(i).file.name);
  out_.files_end = chain.end;
  out_.files_stop = chain.stop;
  out_.pages = std::move(pages);
  if (!live || chain.reached) return Outcome::kDone;
  const Lsn target = std::max(o_.to_lsn.value_or(live->durable()), chain.end);
  const absl::Status s = AdvanceTo(*live, clock_, target, o_.durable_wait, o_.poll_interval);
  if (!s.ok()) return Fail(chain, s);
  if (chain.files.empty()) {
    out_.pages = live->TakePages();
  } else if (absl::Status a = out_.pages.Append(live->TakePages()); !a.ok()) {
    return Fail(chain, a);
  }
  out_.used_live_log = true;
  out_.pages.ShrinkToFit();
  return Outcome::kDone;
}

// The live log at the chain's end, checked: the files' identity and last anchor (the anchor
// is read once the log is durable there).
absl::StatusOr<std::unique_ptr<RedoPageCollector>> TrackedLoad::Confirm(const Chain& chain) {
  const CollectStart start{.lsn = chain.end, .identity = chain.identity, .anchor = chain.anchor};
  TM_ASSIGN_OR_RETURN(
      std::unique_ptr<RedoPageCollector> c,
      RedoPageCollector::Open(fs_, clock_, o_.server_log_path, start, o_.collector));
  TM_RETURN_IF_ERROR(AdvanceTo(*c, clock_, chain.end, o_.durable_wait, o_.poll_interval));
  return c;
}

// Reads the chain's files whole into `pages`. A file that fails its checks, or whose body
// does not match the header the search used, is excluded; returns false then.
bool TrackedLoad::ReadFiles(const Chain& chain, ChangedPages& pages) {
  bool first = true;
  for (size_t i : chain.files) {
    const Node& n = search_.node(i);
    absl::StatusOr<PageSetFile> f = ReadPageSetFile(fs_, n.file.path);
    if (f.ok() && (f->pages.from_lsn() != n.file.from || f->pages.to_lsn() != n.file.to ||
                   f->identity != n.header.identity || f->from_anchor != n.header.from_anchor ||
                   f->to_anchor != n.header.to_anchor)) {
      f = absl::DataLossError("it changed while it was read");
    }
    if (!f.ok()) {
      search_.Exclude(i, std::string(f.status().message()));
      return false;
    }
    if (first) {
      pages = std::move(f->pages);
      first = false;
    } else {
      pages.Append(f->pages).IgnoreError();  // contiguous: the search chained them
    }
  }
  return true;
}

TrackedLoad::Outcome TrackedLoad::Fail(const Chain& chain, const absl::Status& why) {
  Failure f{.pos = chain.end, .code = why.code()};
  if (chain.reached) {
    f.pos = o_.from_lsn;
    f.reason = absl::StrFormat(
        "the page-set files up to '%s' reach LSN %d, but the live log does not confirm their "
        "history: %s",
        search_.node(chain.files.back()).file.name, chain.end.value(), why.message());
  } else {
    f.reason = absl::StrFormat("%s; %s", chain.stop, why.message());
  }
  // Only a log that cannot supply the range refuses; anything else (the server or the file
  // cannot be reached) ends the search with its own code.
  const bool refused = why.code() == absl::StatusCode::kFailedPrecondition ||
                       why.code() == absl::StatusCode::kDataLoss;
  if (refused) f.code = absl::StatusCode::kFailedPrecondition;
  failures_.push_back(std::move(f));
  return refused ? Outcome::kFailed : Outcome::kStop;
}

absl::Status TrackedLoad::Refusal(bool more) const {
  if (failures_.empty()) return absl::InternalError("load tracked pages: no chain was tried");
  const Failure& first = failures_.front();
  std::string message = absl::StrFormat(
      "page tracking in '%s' does not cover %s: %s", o_.tracking_dir,
      o_.to_lsn ? absl::StrFormat("LSN %d up to LSN %d", first.pos.value(), o_.to_lsn->value())
                : absl::StrFormat("LSN %d", first.pos.value()),
      first.reason);
  for (size_t i = 1; i < failures_.size(); ++i) {
    absl::StrAppend(&message, "; another chain of page-set files: ", failures_[i].reason);
  }
  if (more) {
    absl::StrAppend(&message,
                    absl::StrFormat("; other chains not tried (at most %d are)", kMaxChainsTried));
  }
  return absl::Status(failures_.back().code, message);
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
  std::vector<Node> nodes =
      ReadNodes(fs, files.ok() ? *std::move(files) : std::vector<TrackedFile>());
  return TrackedLoad(fs, clock, o, ChainSearch(std::move(nodes), o.from_lsn, o.to_lsn)).Run();
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
  std::stable_sort(files.begin(), files.end(), WrittenLater);
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
