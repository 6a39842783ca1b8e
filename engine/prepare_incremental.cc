// Incremental apply (see the header and ../shared/docs/INNODB_FORMATS.md §6.4).
#include "engine/prepare_incremental.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/manifest.h"
#include "engine/prepare_journal.h"
#include "engine/prepare_spaces.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/endian.h"
#include "innodb/base/status.h"
#include "innodb/fsp/fsp_header.h"
#include "innodb/page/page_verdict.h"

namespace tidemark::engine {

namespace {

constexpr size_t kFilPageLsn = 16;
constexpr size_t kFilPageSpaceId = 34;
constexpr size_t kFspSize = 38 + 8;

std::string Stem(std::string_view s, std::string_view suffix) {
  return std::string(s.substr(0, s.size() - suffix.size()));
}
ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Regular files at the root ("name") and in each first-level directory ("db/name"), sorted:
// xb_process_datadir's reach. `dirs` receives the first-level directories.
absl::StatusOr<std::vector<std::string>> ListBackupFiles(io::FileSystem& fs, std::string_view dir,
                                                         std::vector<std::string>* dirs = nullptr) {
  std::vector<std::string> out;
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> root, fs.ListDir(dir));
  for (const io::FileInfo& e : root) {
    if (e.type == io::FileType::kRegular) out.push_back(e.name);
    if (e.type != io::FileType::kDirectory) continue;
    if (dirs) dirs->push_back(e.name);
    TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> db, fs.ListDir(io::JoinPath(dir, e.name)));
    for (const io::FileInfo& f : db) {
      if (f.type == io::FileType::kRegular) out.push_back(e.name + "/" + f.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ------------------------------------------------------------------------------ the chain

std::string FormatChain(const BackupChain& chain) {
  std::string out = "# tidemark: the backups applied to this directory, oldest first\n";
  for (const ChainLink& l : chain.links) {
    out += absl::StrFormat("%s\tuuid=%s\tbase=%s\tfrom=%d\tto=%d\tlast=%d\n",
                           l.incremental ? "incremental" : "full", l.uuid.empty() ? "-" : l.uuid,
                           l.base_uuid.empty() ? "-" : l.base_uuid, l.from_lsn.value(),
                           l.to_lsn.value(), l.last_lsn.value());
  }
  if (chain.closed) out += "closed\n";
  return out;
}

absl::StatusOr<BackupChain> ParseChain(std::string_view text) {
  BackupChain chain;
  int line_no = 0;
  for (size_t pos = 0, nl; pos < text.size(); pos = nl + 1) {
    nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    ++line_no;
    const std::string_view line = text.substr(pos, nl - pos);
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&] {
      return absl::DataLossError(
          absl::StrFormat("'%s' line %d: unexpected '%s'", kChainName, line_no, line));
    };
    if (line == "closed") {
      chain.closed = true;
      continue;
    }
    std::vector<std::string> f;
    for (size_t p = 0;;) {
      const size_t tab = line.find('\t', p);
      f.emplace_back(line.substr(p, tab == std::string_view::npos ? line.npos : tab - p));
      if (tab == std::string_view::npos) break;
      p = tab + 1;
    }
    if (f.size() != 6 || (f[0] != "full" && f[0] != "incremental")) return bad();
    ChainLink l{.incremental = f[0] == "incremental"};
    std::string* strs[] = {&l.uuid, &l.base_uuid};
    Lsn* lsns[] = {&l.from_lsn, &l.to_lsn, &l.last_lsn};
    const char* keys[] = {"uuid=", "base=", "from=", "to=", "last="};
    for (int i = 0; i < 5; ++i) {
      if (!f[i + 1].starts_with(keys[i])) return bad();
      const std::string v = f[i + 1].substr(std::string_view(keys[i]).size());
      if (i < 2) {
        *strs[i] = v == "-" ? "" : v;
      } else {
        if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
          return bad();
        }
        *lsns[i - 2] = Lsn(std::stoull(v));
      }
    }
    chain.links.push_back(std::move(l));
  }
  return chain;
}

BackupIdentity ReadBackupIdentity(io::FileSystem& fs, std::string_view dir) {
  BackupIdentity id;
  if (auto m = ReadManifest(fs, dir); m.ok()) {
    id.uuid = m->backup_uuid;
    id.base_uuid = m->base_backup_uuid;
    return id;
  }
  if (auto text = io::ReadFileToString(fs, io::JoinPath(dir, kXtrabackupInfoName)); text.ok()) {
    if (auto info = ParseXtrabackupInfo(*text); info.ok()) id.uuid = info->uuid;
  }
  return id;
}

absl::StatusOr<BackupChain> ReadChain(io::FileSystem& fs, std::string_view dir,
                                      const XtrabackupCheckpoints& cp) {
  absl::StatusOr<std::string> text = io::ReadFileToString(fs, io::JoinPath(dir, kChainName));
  if (text.ok()) return ParseChain(*text);
  if (!absl::IsNotFound(text.status())) return text.status();
  const BackupIdentity id = ReadBackupIdentity(fs, dir);
  BackupChain chain;
  chain.links.push_back({.incremental = cp.backup_type == BackupType::kIncremental,
                         .uuid = id.uuid,
                         .base_uuid = id.base_uuid,
                         .from_lsn = cp.from_lsn,
                         .to_lsn = cp.to_lsn,
                         .last_lsn = cp.last_lsn});
  return chain;
}

absl::Status WriteChain(io::FileSystem& fs, std::string_view dir, const BackupChain& chain) {
  return ReplaceFileAtomically(fs, dir, kChainName, AsBytes(FormatChain(chain)));
}

absl::Status CheckChain(std::string_view full_dir, const XtrabackupCheckpoints& full_cp,
                        const BackupChain& chain, std::string_view inc_dir,
                        const XtrabackupCheckpoints& inc_cp, const BackupIdentity& inc) {
  if (full_cp.backup_type == BackupType::kFullBackuped) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not prepared yet: prepare it first with --apply-log-only, then apply the "
        "incrementals in order",
        full_dir));
  }
  if (full_cp.backup_type == BackupType::kIncremental) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is an incremental backup: the target of --incremental-dir must be a full backup",
        full_dir));
  }
  if (chain.closed) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' was prepared without --apply-log-only: its chain is closed and no incremental can "
        "be applied to it any more (prepare a fresh copy of the full backup with "
        "--apply-log-only)",
        full_dir));
  }
  if (inc_cp.backup_type != BackupType::kIncremental) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' is not an incremental backup (backup_type = %s)", inc_dir,
        BackupTypeName(inc_cp.backup_type)));
  }
  if (inc_cp.from_lsn != full_cp.to_lsn) {
    std::string why;
    if (inc_cp.from_lsn > full_cp.to_lsn) {
      why = absl::StrFormat(
          "a link is missing: apply the incremental(s) covering LSN %d to %d first",
          full_cp.to_lsn.value(), inc_cp.from_lsn.value());
    } else if (inc_cp.to_lsn <= full_cp.to_lsn) {
      why = "it is older than what the target holds: already applied, or applied out of order";
    } else {
      why = "it was taken on another base";
    }
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' does not continue '%s': it starts at LSN %d (from_lsn) but the target ends at "
        "LSN %d (to_lsn): %s",
        inc_dir, full_dir, inc_cp.from_lsn.value(), full_cp.to_lsn.value(), why));
  }
  const std::string last = chain.links.empty() ? "" : chain.links.back().uuid;
  if (!inc.base_uuid.empty() && !last.empty() && inc.base_uuid != last) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "'%s' was taken on top of backup %s, but the last backup applied to '%s' is %s: a "
        "foreign base",
        inc_dir, inc.base_uuid, full_dir, last));
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------------------- planning

namespace {

// INC's deltas and .new files after its own markers, keyed by the data file they are for.
struct IncView {
  std::map<std::string, std::string> deltas;  // data file (db/t.ibd, ibdata1) -> .delta in INC
  std::vector<std::string> fresh;             // db/t of each INC db/t.new, sorted
};

absl::StatusOr<IncView> ViewIncremental(io::FileSystem& fs, std::string_view inc_dir) {
  TM_ASSIGN_OR_RETURN(std::vector<std::string> files, ListBackupFiles(fs, inc_dir));
  IncView v;
  std::vector<std::string> del, ren;
  for (const std::string& f : files) {
    if (f.ends_with(".new.delta") || f.ends_with(".new.meta")) {
      // Legacy XtraBackup names: .new.delta is applied as .ibd.delta.
      if (f.ends_with(".delta")) v.deltas[Stem(f, ".new.delta") + ".ibd"] = f;
    } else if (f.ends_with(".delta")) {
      v.deltas[Stem(f, ".delta")] = f;
    } else if (f.ends_with(".del")) {
      del.push_back(Stem(f, ".del"));
    } else if (f.ends_with(".ren")) {
      ren.push_back(Stem(f, ".ren"));
    } else if (f.ends_with(".new")) {
      v.fresh.push_back(Stem(f, ".new"));
    }
  }
  for (const std::string& t : del) v.deltas.erase(t + ".ibd");
  std::map<std::string, std::string> moves;  // db/t -> db/u
  for (const std::string& t : ren) {
    TM_ASSIGN_OR_RETURN(std::string to, io::ReadFileToString(fs, io::JoinPath(inc_dir, t + ".ren")));
    to = std::string(absl::StripAsciiWhitespace(to));
    if (to.empty()) {
      return absl::FailedPreconditionError(
          absl::StrFormat("'%s': '%s.ren' names no table", inc_dir, t));
    }
    moves[t] = to;
  }
  std::map<std::string, std::string> moved;
  for (const auto& [from, to] : moves) {
    auto it = v.deltas.find(from + ".ibd");
    if (it == v.deltas.end()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s': '%s.ren' renames '%s', which has no delta in the incremental backup", inc_dir,
          from, from));
    }
    if (v.deltas.contains(to + ".ibd") && !moves.contains(to)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s': '%s.ren' renames '%s' to '%s', whose delta exists and is not renamed away",
          inc_dir, from, from, to));
    }
    moved[to + ".ibd"] = it->second;
  }
  for (const auto& [from, to] : moves) v.deltas.erase(from + ".ibd");
  for (auto& [name, src] : moved) v.deltas[name] = src;
  for (const std::string& t : v.fresh) v.deltas.erase(t + ".ibd");
  return v;
}

// Reads the pages of `entries` from `file` in runs of adjacent images, at most `max_bytes` at
// a time, and calls `fn(entry index, page)` for each.
absl::Status ForEachDeltaPage(io::RandomAccessFile& file, const std::vector<DeltaEntry>& entries,
                              uint32_t page_size, size_t max_bytes,
                              const std::function<absl::Status(size_t, ByteSpan)>& fn) {
  std::vector<uint8_t> buf;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i + 1;
    while (j < entries.size() && entries[j].offset == entries[j - 1].offset + page_size &&
           (j - i + 1) * page_size <= max_bytes) {
      ++j;
    }
    buf.resize((j - i) * page_size);
    TM_ASSIGN_OR_RETURN(size_t n, file.ReadAt(entries[i].offset, buf));
    if (n != buf.size()) {
      return absl::DataLossError(
          absl::StrFormat("'%s': the file shrank while being read", file.path()));
    }
    for (size_t k = i; k < j; ++k) {
      TM_RETURN_IF_ERROR(fn(k, ByteSpan(buf).subspan((k - i) * page_size, page_size)));
    }
    i = j;
  }
  return absl::OkStatus();
}

class Planner {
 public:
  Planner(io::FileSystem& fs, std::string_view full_dir, std::string_view inc_dir,
          const XtrabackupCheckpoints& inc_cp, bool resuming)
      : fs_(fs), full_(full_dir), inc_(inc_dir), inc_cp_(inc_cp), resuming_(resuming) {}

  absl::StatusOr<IncrementalPlan> Run() {
    TM_ASSIGN_OR_RETURN(PrepareSpaces spaces, PrepareSpaces::Discover(fs_, full_));
    plan_.logical_page_size = spaces.logical_page_size();
    std::tie(undo_first_, undo_count_) = spaces.UndoRange();
    for (const auto& [id, s] : spaces.spaces()) {
      if (id == 0) {
        plan_.system_files = s.files;
        system_pages_ = s.file_pages;
        system_flags_ = s.flags;
        continue;
      }
      flags_[id] = s.flags;
      if (s.kind == TablespaceKind::kFilePerTable) {
        path_of_[id] = s.files[0];
        id_at_[s.files[0]] = id;
      } else {
        other_files_.insert(s.files.begin(), s.files.end());
      }
    }
    TM_ASSIGN_OR_RETURN(std::vector<std::string> full_files, ListBackupFiles(fs_, full_));
    for (const std::string& f : full_files) {
      if (f.ends_with(".ibd") && !id_at_.contains(f)) unreadable_.insert(f);
    }
    TM_ASSIGN_OR_RETURN(IncView view, ViewIncremental(fs_, inc_));
    for (const auto& [name, source] : view.deltas) {
      TM_ASSIGN_OR_RETURN(DeltaMeta meta, ReadMeta(source));
      metas_[name] = meta;
      if (meta.space_id) delta_of_id_[*meta.space_id] = name;
    }
    for (const std::string& t : view.fresh) TM_RETURN_IF_ERROR(CopyNew(t));
    for (const auto& [name, source] : view.deltas) TM_RETURN_IF_ERROR(Match(name, source));
    RemoveDropped();
    return std::move(plan_);
  }

 private:
  // An INC .new file replaces FULL's file of that name (prepare_handle_new_files).
  absl::Status CopyNew(const std::string& table) {
    const std::string name = table + ".ibd";
    const std::string source = io::JoinPath(inc_, table + ".new");
    if (auto it = id_at_.find(name); it != id_at_.end()) {
      // FULL's file of that name is a tablespace a delta continues under another name (renamed,
      // then the name reused): moved aside rather than overwritten, to be found by its id.
      // (mariadb-backup overwrites it, and then creates the renamed table from its delta
      // alone.)
      auto d = delta_of_id_.find(it->second);
      if (d != delta_of_id_.end() && d->second != name) {
        const uint32_t old = it->second;
        const std::string aside =
            io::JoinPath(io::ParentDir(name), absl::StrFormat("xtrabackup_tmp_#%d", old));
        plan_.steps.push_back({DdlStep::Kind::kRename, name, aside});
        id_at_.erase(it);
        path_of_[old] = aside;
        id_at_[aside] = old;
      }
    }
    plan_.steps.push_back({DdlStep::Kind::kCopy, source, name});
    names_in_inc_.insert(table);
    if (auto it = id_at_.find(name); it != id_at_.end()) {
      path_of_.erase(it->second);
      id_at_.erase(it);
    }
    unreadable_.erase(name);
    // Its space id, for deltas matched by id (a page 0 not written yet has none).
    TM_ASSIGN_OR_RETURN(auto file, fs_.OpenForRead(source));
    if (auto h = ReadSpaceHeader(*file); h.ok() && h->space_id.value() != 0) {
      if (auto old = path_of_.find(h->space_id.value()); old != path_of_.end()) {
        id_at_.erase(old->second);
      }
      path_of_[h->space_id.value()] = name;
      id_at_[name] = h->space_id.value();
      flags_[h->space_id.value()] = h->flags;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<DeltaMeta> ReadMeta(const std::string& source_rel) {
    const std::string meta_rel = Stem(source_rel, ".delta") + ".meta";
    absl::StatusOr<std::string> meta_text = io::ReadFileToString(fs_, io::JoinPath(inc_, meta_rel));
    if (absl::IsNotFound(meta_text.status())) {
      return absl::DataLossError(absl::StrFormat(
          "'%s': '%s' has no '%s': the incremental backup is incomplete", inc_, source_rel,
          meta_rel));
    }
    TM_RETURN_IF_ERROR(meta_text.status());
    TM_ASSIGN_OR_RETURN(DeltaMeta meta, ParseDeltaMeta(*meta_text, io::JoinPath(inc_, meta_rel)));
    if (!meta.space_id) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s' has no space_id (XtraBackup 2.0.1 or older): not supported",
          io::JoinPath(inc_, meta_rel)));
    }
    return meta;
  }

  absl::Status Match(const std::string& name, const std::string& source_rel) {
    const std::string source = io::JoinPath(inc_, source_rel);
    const DeltaMeta& meta = metas_.at(name);
    PlannedDelta d{.source = source, .dest = name, .meta = meta};
    TM_ASSIGN_OR_RETURN(auto file, fs_.OpenForRead(source));
    TM_ASSIGN_OR_RETURN(d.entries, ReadDeltaIndex(*file, meta.page_size, source));
    const uint32_t id = *meta.space_id;
    std::optional<innodb::SpaceFlags> flags;
    uint32_t first_page = 0;
    if (id == 0) {
      auto it = std::find(plan_.system_files.begin(), plan_.system_files.end(), name);
      if (it == plan_.system_files.end()) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "'%s': the full backup has no system tablespace file '%s'", source_rel, name));
      }
      d.system_file = static_cast<int>(it - plan_.system_files.begin());
      for (int i = 0; i < d.system_file; ++i) first_page += system_pages_[i];
      flags = system_flags_;
    } else if (id >= undo_first_ && id < undo_first_ + undo_count_) {
      if (!other_files_.contains(name)) {
        return absl::FailedPreconditionError(absl::StrFormat(
            "'%s': the full backup has no undo tablespace file '%s'", source_rel, name));
      }
      flags = flags_[id];
    } else {
      TM_RETURN_IF_ERROR(MatchUserSpace(name, id, d));
      if (auto it = flags_.find(id); it != flags_.end()) flags = it->second;
    }
    TM_RETURN_IF_ERROR(CheckPages(*file, d, flags, first_page));
    plan_.delta_pages += d.entries.size();
    plan_.deltas.push_back(std::move(d));
    return absl::OkStatus();
  }

  // xb_delta_open_matching_space for a file-per-table tablespace.
  absl::Status MatchUserSpace(const std::string& name, uint32_t id, PlannedDelta& d) {
    names_in_inc_.insert(Stem(name, ".ibd"));
    if (auto it = id_at_.find(name); it != id_at_.end() && it->second != id) {
      // Same name, another tablespace: moved aside; reclaimed by its own delta, else removed.
      const uint32_t old = it->second;
      const std::string aside = io::JoinPath(io::ParentDir(name), absl::StrFormat("xtrabackup_tmp_#%d", old));
      plan_.steps.push_back({DdlStep::Kind::kRename, name, aside});
      id_at_.erase(it);
      path_of_[old] = aside;
      id_at_[aside] = old;
    }
    if (auto it = path_of_.find(id); it != path_of_.end()) {
      if (it->second != name) {
        plan_.steps.push_back({DdlStep::Kind::kRename, it->second, name});
        id_at_.erase(it->second);
        it->second = name;
        id_at_[name] = id;
      }
      return absl::OkStatus();
    }
    // Resuming, a file of that name whose page 0 is not written is this one, created by the
    // interrupted run.
    if (id_at_.contains(name) || (unreadable_.contains(name) && !resuming_)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s': cannot create '%s' for tablespace %d: a file of that name exists in the full "
          "backup and is not that tablespace",
          d.source, name, id));
    }
    // A tablespace created since the base: a new file of 4 pages (fil_ibd_create's size).
    plan_.steps.push_back({DdlStep::Kind::kCreate, name, "", 4 * uint64_t{plan_.logical_page_size}});
    path_of_[id] = name;
    id_at_[name] = id;
    return absl::OkStatus();
  }

  // Every page of the delta: its checksum (when the tablespace's flags are known), its space id,
  // and no LSN beyond INC's end.
  absl::Status CheckPages(io::RandomAccessFile& file, const PlannedDelta& d,
                          std::optional<innodb::SpaceFlags> flags, uint32_t first_page) {
    const uint32_t id = *d.meta.space_id;
    if (!d.entries.empty() && d.entries[0].page_no == 0 && id != 0) {
      std::vector<uint8_t> page0(d.meta.page_size);
      TM_ASSIGN_OR_RETURN(size_t n, file.ReadAt(d.entries[0].offset, page0));
      if (n == page0.size()) {
        if (auto h = innodb::ParseFspHeader(page0); h.ok()) flags = h->flags;
      }
    }
    if (flags && flags->page_size.physical() != d.meta.page_size) {
      return absl::DataLossError(absl::StrFormat(
          "'%s': page_size %d in its .meta, but the tablespace's pages are %d bytes", d.source,
          d.meta.page_size, flags->page_size.physical()));
    }
    const Lsn end = inc_cp_.last_lsn != Lsn(0) ? inc_cp_.last_lsn : inc_cp_.to_lsn;
    return ForEachDeltaPage(file, d.entries, d.meta.page_size, size_t{4} << 20,
                            [&](size_t i, ByteSpan page) -> absl::Status {
      const uint32_t page_no = d.entries[i].page_no;
      const uint32_t page_space = ReadBe32(page, kFilPageSpaceId);
      const Lsn lsn(ReadBe64(page, kFilPageLsn));
      if (id != 0 && page_space != id) {
        return absl::DataLossError(absl::StrFormat(
            "'%s' page %d: space id %d, but the .meta says %d", d.source, page_no, page_space, id));
      }
      if (lsn > end) {
        return absl::DataLossError(absl::StrFormat(
            "'%s' page %d: LSN %d is newer than the incremental backup's end (%d)", d.source,
            page_no, lsn.value(), end.value()));
      }
      if (!flags) return absl::OkStatus();
      const innodb::SpaceContext ctx{.flags = *flags, .space_id = SpaceId(id)};
      const innodb::PageVerdict v = innodb::ValidatePage(page, ctx, first_page + page_no);
      // The system tablespace's doublewrite slots hold copies of other pages.
      if (id == 0 && v == innodb::PageVerdict::kBadHeader) return absl::OkStatus();
      if (innodb::IsFailure(v)) {
        return absl::DataLossError(absl::StrFormat("'%s' page %d: %s", d.source, page_no,
                                                   innodb::PageVerdictName(v)));
      }
      return absl::OkStatus();
    });
  }

  // rm_if_not_found: FULL's .ibd files whose table has neither a delta nor a .new in INC were
  // dropped since the base.
  void RemoveDropped() {
    std::set<std::string> files;
    for (const auto& [path, id] : id_at_) files.insert(path);
    files.insert(unreadable_.begin(), unreadable_.end());
    for (const std::string& f : files) {
      if (!f.ends_with(".ibd") || names_in_inc_.contains(Stem(f, ".ibd"))) continue;
      plan_.steps.push_back({DdlStep::Kind::kRemove, f, ""});
    }
  }

  io::FileSystem& fs_;
  const std::string full_, inc_;
  const XtrabackupCheckpoints& inc_cp_;
  const bool resuming_;
  IncrementalPlan plan_;
  uint32_t undo_first_ = 0, undo_count_ = 0;
  std::vector<uint64_t> system_pages_;
  innodb::SpaceFlags system_flags_;
  std::map<uint32_t, innodb::SpaceFlags> flags_;
  std::map<uint32_t, std::string> path_of_;  // file-per-table space id -> its file now
  std::map<std::string, uint32_t> id_at_;    // and back
  std::set<std::string> unreadable_;         // .ibd files whose page 0 gave no id
  std::set<std::string> other_files_;        // undo files
  std::set<std::string> names_in_inc_;       // db/t with a delta or a .new in INC
  std::map<std::string, DeltaMeta> metas_;    // data file -> its delta's .meta
  std::map<uint32_t, std::string> delta_of_id_;  // space id -> the data file its delta is for
};

}  // namespace

absl::StatusOr<IncrementalPlan> PlanIncremental(io::FileSystem& fs, std::string_view full_dir,
                                                std::string_view inc_dir,
                                                const XtrabackupCheckpoints& inc_cp,
                                                bool resuming) {
  return Planner(fs, full_dir, inc_dir, inc_cp, resuming).Run();
}

// ------------------------------------------------------------------------------- applying

namespace {

// Grows `file` (now `size` bytes) to `bytes`; never shrinks.
absl::Status Grow(io::WritableFile& file, uint64_t size, uint64_t bytes) {
  return size < bytes ? file.Truncate(bytes) : absl::OkStatus();
}

class DeltaApplier {
 public:
  DeltaApplier(io::FileSystem& fs, std::string_view full_dir, const IncrementalPlan& plan,
               std::atomic<uint64_t>& pages)
      : fs_(fs), full_(full_dir), plan_(plan), pages_(pages) {}

  absl::Status Apply(const PlannedDelta& d) {
    const std::string dest = io::JoinPath(full_, d.dest);
    TM_ASSIGN_OR_RETURN(auto in, fs_.OpenForRead(d.source));
    TM_ASSIGN_OR_RETURN(auto out, fs_.OpenForWrite(dest, io::WriteOptions{.truncate = false}));
    TM_ASSIGN_OR_RETURN(io::FileInfo info, fs_.Stat(dest));
    uint64_t size = info.size;
    const uint32_t p = d.meta.page_size;
    // Runs of adjacent page numbers are written with one call.
    std::vector<uint8_t> run;
    uint32_t run_first = 0;
    auto flush = [&]() -> absl::Status {
      if (run.empty()) return absl::OkStatus();
      TM_RETURN_IF_ERROR(out->WriteAt(uint64_t{run_first} * p, run));
      size = std::max(size, uint64_t{run_first} * p + run.size());
      pages_ += run.size() / p;
      run.clear();
      return absl::OkStatus();
    };
    TM_RETURN_IF_ERROR(ForEachDeltaPage(*in, d.entries, p, size_t{4} << 20,
                                        [&](size_t i, ByteSpan page) -> absl::Status {
      const uint32_t page_no = d.entries[i].page_no;
      if (page_no == 0) {
        TM_RETURN_IF_ERROR(flush());
        const uint64_t n_pages = ReadBe32(page, kFspSize);
        if (ReadBe32(page, kFilPageSpaceId) != 0) {
          TM_RETURN_IF_ERROR(Grow(*out, size, n_pages * p));
          size = std::max(size, n_pages * p);
        } else if (d.system_file == 0) {
          TM_RETURN_IF_ERROR(GrowSystem(n_pages, p, d.dest, *out, size));
        }
      }
      if (!run.empty() && page_no != run_first + run.size() / p) TM_RETURN_IF_ERROR(flush());
      if (run.empty()) run_first = page_no;
      run.insert(run.end(), page.begin(), page.end());
      return run.size() >= (size_t{4} << 20) ? flush() : absl::OkStatus();
    }));
    TM_RETURN_IF_ERROR(flush());
    TM_RETURN_IF_ERROR(out->Sync());
    return out->Close();
  }

 private:
  // fil_space_extend(sys_space, n): the last system file grows until the files hold n pages.
  absl::Status GrowSystem(uint64_t n_pages, uint32_t p, const std::string& first,
                          io::WritableFile& first_out, uint64_t& first_size) {
    uint64_t total = 0;
    std::vector<uint64_t> sizes;
    for (const std::string& f : plan_.system_files) {
      TM_ASSIGN_OR_RETURN(io::FileInfo info, fs_.Stat(io::JoinPath(full_, f)));
      sizes.push_back(f == first ? first_size : info.size);
      total += sizes.back() / p;
    }
    if (total >= n_pages) return absl::OkStatus();
    const uint64_t grow = (n_pages - total) * p;
    const std::string& last = plan_.system_files.back();
    if (last == first) {
      TM_RETURN_IF_ERROR(first_out.Truncate(first_size + grow));
      first_size += grow;
      return absl::OkStatus();
    }
    TM_ASSIGN_OR_RETURN(auto out, fs_.OpenForWrite(io::JoinPath(full_, last),
                                                   io::WriteOptions{.truncate = false}));
    TM_RETURN_IF_ERROR(out->Truncate(sizes.back() + grow));
    TM_RETURN_IF_ERROR(out->Sync());
    return out->Close();
  }

  io::FileSystem& fs_;
  const std::string full_;
  const IncrementalPlan& plan_;
  std::atomic<uint64_t>& pages_;
};

}  // namespace

absl::Status ApplyDeltas(io::FileSystem& fs, std::string_view full_dir, const IncrementalPlan& plan,
                         size_t parallel, const std::function<void(uint64_t)>& on_pages) {
  // Tasks: every delta on its own, except the system tablespace's, applied in file order by
  // one task (page 0 of the first file may grow the last). Largest first.
  std::vector<std::vector<const PlannedDelta*>> tasks;
  std::vector<const PlannedDelta*> system;
  for (const PlannedDelta& d : plan.deltas) {
    if (d.system_file >= 0) {
      system.push_back(&d);
    } else {
      tasks.push_back({&d});
    }
  }
  std::sort(system.begin(), system.end(),
            [](auto* a, auto* b) { return a->system_file < b->system_file; });
  if (!system.empty()) tasks.push_back(system);
  auto weight = [](const std::vector<const PlannedDelta*>& t) {
    size_t n = 0;
    for (auto* d : t) n += d->entries.size();
    return n;
  };
  std::stable_sort(tasks.begin(), tasks.end(),
                   [&](const auto& a, const auto& b) { return weight(a) > weight(b); });
  std::atomic<uint64_t> pages{0};
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  absl::Status first_error;
  auto work = [&] {
    DeltaApplier applier(fs, full_dir, plan, pages);
    for (size_t i; (i = next.fetch_add(1)) < tasks.size();) {
      for (const PlannedDelta* d : tasks[i]) {
        absl::Status s = Annotate(applier.Apply(*d), absl::StrFormat("applying '%s'", d->source));
        if (s.ok()) continue;
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = s;
        next = tasks.size();
        return;
      }
      if (on_pages) {
        absl::MutexLock lock(&mu);
        on_pages(pages.load());
      }
    }
  };
  {
    std::vector<std::jthread> workers;
    for (size_t i = 1; i < std::max<size_t>(1, parallel); ++i) workers.emplace_back(work);
    work();
  }
  TM_RETURN_IF_ERROR(first_error);
  return fs.SyncDir(full_dir);
}

// ------------------------------------------------------------------------- non-InnoDB files

namespace {

// ibx_copy_incremental_over_full's lists (backup_copy.cc, MariaDB 10.11).
constexpr std::string_view kCopiedExtensions[] = {"frm", "isl", "MYD", "MYI", "MAD",
                                                  "MAI", "MRG", "TRG", "TRN", "ARM",
                                                  "ARZ", "CSM", "CSV", "opt", "par"};
constexpr std::string_view kSupplementaryFiles[] = {
    "xtrabackup_binlog_info", "xtrabackup_galera_info", "donor_galera_info",
    "xtrabackup_slave_info",  "xtrabackup_info",        "ib_lru_dump"};

bool KeptInCleanup(std::string_view name) {
  return name.ends_with("delta") || name.ends_with("meta") || name.ends_with("ibd");
}

bool CopiedFromIncremental(std::string_view rel) {
  const size_t slash = rel.find('/');
  if (slash == std::string_view::npos) {  // the root
    for (std::string_view s : kSupplementaryFiles) {
      if (rel == s) return true;
    }
    return rel.starts_with("aria_log") || rel.starts_with("aws-kms-key") ||
           rel.find(".mrn") != std::string_view::npos;
  }
  for (std::string_view ext : kCopiedExtensions) {
    if (rel.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace

absl::Status ReplaceNonInnodbFiles(io::FileSystem& fs, std::string_view full_dir,
                                   std::string_view inc_dir) {
  // ibx_cleanup_full_backup: in every first-level directory, files other than InnoDB's go;
  // a directory already empty goes.
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> root, fs.ListDir(full_dir));
  for (const io::FileInfo& e : root) {
    if (e.type != io::FileType::kDirectory) continue;
    const std::string dir = io::JoinPath(full_dir, e.name);
    TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> files, fs.ListDir(dir));
    if (files.empty()) {
      TM_RETURN_IF_ERROR(fs.RemoveDir(dir));
      continue;
    }
    for (const io::FileInfo& f : files) {
      if (f.type == io::FileType::kDirectory || KeptInCleanup(f.name)) continue;
      absl::Status s = fs.RemoveFile(io::JoinPath(dir, f.name));
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
    TM_RETURN_IF_ERROR(fs.SyncDir(dir));
  }
  // ibx_copy_incremental_over_full.
  std::vector<std::string> inc_dirs;
  TM_ASSIGN_OR_RETURN(std::vector<std::string> inc_files, ListBackupFiles(fs, inc_dir, &inc_dirs));
  std::vector<DdlStep> copies;
  for (const std::string& rel : inc_files) {
    if (!CopiedFromIncremental(rel)) continue;
    copies.push_back({DdlStep::Kind::kCopy, io::JoinPath(inc_dir, rel), rel});
  }
  // Each copy is atomic and idempotent: a rerun after a kill copies again. A compressed or
  // encrypted FULL may still hold the file encoded (root files are not cleaned up above):
  // that older form goes, or restore would find two forms of one file.
  for (const DdlStep& c : copies) {
    TM_RETURN_IF_ERROR(RunDdlStep(fs, full_dir, c));
    for (std::string_view suffix : {".zst", ".tmenc", ".zst.tmenc"}) {
      absl::Status s = fs.RemoveFile(io::JoinPath(full_dir, c.to + std::string(suffix)));
      if (!s.ok() && !absl::IsNotFound(s)) return s;
    }
  }
  // ibx_incremental_drop_databases: directories empty now and absent from INC.
  TM_ASSIGN_OR_RETURN(root, fs.ListDir(full_dir));
  for (const io::FileInfo& e : root) {
    if (e.type != io::FileType::kDirectory) continue;
    if (std::find(inc_dirs.begin(), inc_dirs.end(), e.name) != inc_dirs.end()) continue;
    TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> files, fs.ListDir(io::JoinPath(full_dir, e.name)));
    if (files.empty()) TM_RETURN_IF_ERROR(fs.RemoveDir(io::JoinPath(full_dir, e.name)));
  }
  return fs.SyncDir(full_dir);
}

}  // namespace tidemark::engine
