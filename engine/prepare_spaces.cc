// Tablespace files of a backup being prepared (see the header).
#include "engine/prepare_spaces.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_format.h"
#include "engine/ddl_tracker.h"
#include "engine/prepare_journal.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/status.h"
#include "innodb/redo/record.h"

namespace tidemark::engine {

namespace {

constexpr size_t kCopyChunk = size_t{1} << 20;

std::string Relative(std::string_view dir, const std::string& path) {
  const std::string prefix = io::JoinPath(dir, "");
  if (dir.empty() || dir == ".") return path;
  if (path.compare(0, prefix.size(), prefix) == 0) return path.substr(prefix.size());
  return path;
}

absl::StatusOr<uint64_t> FileSize(io::FileSystem& fs, const std::string& path) {
  TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(path));
  return info.size;
}

// Appends zeros to `path` from `from` up to `to` bytes, then syncs.
absl::Status ExtendWithZeros(io::FileSystem& fs, const std::string& path, uint64_t from,
                             uint64_t to) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> f,
                      fs.OpenForWrite(path, io::WriteOptions{.truncate = false}));
  const std::vector<uint8_t> zeros(kCopyChunk, 0);
  for (uint64_t at = from; at < to;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, to - at));
    TM_RETURN_IF_ERROR(f->WriteAt(at, ByteSpan(zeros).first(n)));
    at += n;
  }
  TM_RETURN_IF_ERROR(f->Sync());
  return f->Close();
}

// Cuts `path` (in `dir`) to its first `size` bytes: the FileSystem has no truncate, so the
// prefix is copied to a temp file that replaces the original.
absl::Status CutTo(io::FileSystem& fs, std::string_view dir, const std::string& rel, uint64_t size) {
  const std::string path = io::JoinPath(dir, rel);
  const std::string tmp = path + ".tidemark-tmp";
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> in, fs.OpenForRead(path));
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> out, fs.OpenForWrite(tmp));
  std::vector<uint8_t> buf(kCopyChunk);
  for (uint64_t at = 0; at < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kCopyChunk, size - at));
    TM_ASSIGN_OR_RETURN(size_t n, in->ReadAt(at, MutableByteSpan(buf).first(want)));
    if (n == 0) break;
    TM_RETURN_IF_ERROR(out->Append(ByteSpan(buf).first(n)));
    at += n;
  }
  TM_RETURN_IF_ERROR(out->Sync());
  TM_RETURN_IF_ERROR(out->Close());
  TM_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(io::JoinPath(dir, io::ParentDir(rel)));
}

// fil_space_extend_must_retry: the last file of `s` grows to (recv_size - its first page)
// pages, rounded down to 4 KiB, and at least 4 pages.
uint64_t LastFileBytes(const PrepareSpace& s, uint32_t recv_size) {
  const uint64_t file_first_page = s.size_pages() - s.file_pages.back();
  return std::max<uint64_t>(((recv_size - file_first_page) * s.physical()) & ~uint64_t{4095},
                            uint64_t{4} * s.flags.page_size.logical());
}

}  // namespace

uint64_t PrepareSpace::size_pages() const {
  uint64_t n = 0;
  for (uint64_t p : file_pages) n += p;
  return n;
}

std::pair<size_t, uint64_t> PrepareSpace::Locate(uint32_t page) const {
  uint64_t first = 0;
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    if (page < first + file_pages[i]) return {i, (page - first) * physical()};
    first += file_pages[i];
  }
  return {files.size() - 1, (page - first) * physical()};
}

absl::StatusOr<PrepareSpaces> PrepareSpaces::Discover(io::FileSystem& fs,
                                                      std::string_view target_dir) {
  PrepareSpaces out;
  absl::StatusOr<std::vector<TablespaceTarget>> found =
      FindTablespaces(fs, {std::string(target_dir)});
  if (absl::IsNotFound(found.status()) && fs.Stat(target_dir).ok()) return out;  // none at all
  if (!found.ok()) return found.status();
  for (const TablespaceTarget& t : *found) {
    TM_RETURN_IF_ERROR(t.status);
    TM_ASSIGN_OR_RETURN(std::unique_ptr<io::RandomAccessFile> f, fs.OpenForRead(t.files[0]));
    const std::string rel = Relative(target_dir, t.files[0]);
    absl::StatusOr<innodb::FspHeader> h = ReadSpaceHeader(*f);
    if (!h.ok()) {
      if (!absl::IsUnavailable(h.status()) && !absl::IsDataLoss(h.status())) return h.status();
      TM_ASSIGN_OR_RETURN(uint64_t size, FileSize(fs, t.files[0]));
      out.unreadable_[rel] = {t.kind, size};
      continue;
    }
    PrepareSpace s{.id = h->space_id, .kind = t.kind, .flags = h->flags};
    for (const std::string& file : t.files) {
      TM_ASSIGN_OR_RETURN(uint64_t size, FileSize(fs, file));
      s.files.push_back(Relative(target_dir, file));
      s.file_pages.push_back(size / s.physical());
    }
    auto [it, inserted] = out.spaces_.emplace(s.id.value(), s);
    if (!inserted) {
      return absl::DataLossError(absl::StrFormat("'%s' and '%s' both hold tablespace %d",
                                                 it->second.files[0], s.files[0], s.id.value()));
    }
  }
  return out;
}

const PrepareSpace* PrepareSpaces::Find(SpaceId id) const {
  auto it = spaces_.find(id.value());
  return it == spaces_.end() ? nullptr : &it->second;
}

std::pair<uint32_t, uint32_t> PrepareSpaces::UndoRange() const {
  uint32_t first = 0, last = 0;
  for (const auto& [id, s] : spaces_) {
    if (s.kind != TablespaceKind::kUndo) continue;
    if (first == 0 || id < first) first = id;
    last = std::max(last, id);
  }
  return first == 0 ? std::pair<uint32_t, uint32_t>{0, 0} : std::pair{first, last - first + 1};
}

uint32_t PrepareSpaces::logical_page_size() const {
  const PrepareSpace* sys = Find(SpaceId(0));
  return sys != nullptr ? sys->flags.page_size.logical() : 16384;
}

absl::Status PrepareSpaces::Resolve(const innodb::LogSurvey& survey, innodb::RecoveryScan& scan,
                                    const std::function<void(std::string_view)>& on_note) {
  for (const auto& [id, log] : survey.spaces) {
    if (log.deleted || log.page_records == 0 || Find(SpaceId(id)) != nullptr) continue;
    const std::string shown = log.name.empty() ? absl::StrFormat("space %d", id) : log.name;
    const std::string rel = log.name.empty() ? "" : BackupRelativeIbdPath(log.name);
    if (auto u = unreadable_.find(rel); !rel.empty() && u != unreadable_.end()) {
      if (!log.recv_flags) {
        return absl::DataLossError(absl::StrFormat(
            "tablespace %d ('%s'): page 0 of '%s' is unreadable and the log does not give its "
            "flags", id, shown, rel));
      }
      TM_ASSIGN_OR_RETURN(innodb::SpaceFlags flags, innodb::DecodeSpaceFlags(*log.recv_flags));
      PrepareSpace s{.id = SpaceId(id), .kind = u->second.first, .files = {rel},
                     .file_pages = {u->second.second / flags.page_size.physical()},
                     .flags = flags, .flags_from_log = true};
      spaces_.emplace(id, std::move(s));
      continue;
    }
    if (log.name.find("/#sql") != std::string::npos || log.name.rfind("#sql", 0) == 0) {
      if (on_note) {
        on_note(absl::StrFormat("tablespace %d was not found at '%s': its redo log is ignored "
                                "(an intermediate table of an ALTER, as mariadb-backup treats it)",
                                id, log.name));
      }
      scan.IgnoreSpace(SpaceId(id));
      continue;
    }
    return absl::DataLossError(absl::StrFormat(
        "tablespace %d ('%s', first record: page %d at LSN %d): no file in the backup holds it "
        "and the log does not delete it",
        id, shown, log.first_page ? log.first_page->page.value() : 0, log.first_page_lsn.value()));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> PrepareSpaces::ApplySizes(io::FileSystem& fs, std::string_view target_dir,
                                                 const innodb::LogSurvey& survey) {
  size_t changed = 0;
  for (auto& [id, s] : spaces_) {
    auto it = survey.spaces.find(id);
    if (it == survey.spaces.end() || it->second.deleted || !it->second.recv_size) continue;
    const innodb::SpaceLog& log = it->second;
    const uint32_t recv_size = *log.recv_size;
    if (log.trim_lsn && s.files.size() == 1 && s.size_pages() > recv_size) {
      // recv_sys_t::apply: os_file_truncate(recv_size pages) of a truncated undo tablespace.
      const std::string& file = s.files[0];
      TM_RETURN_IF_ERROR(Annotate(CutTo(fs, target_dir, file, uint64_t{recv_size} * s.physical()),
                                  absl::StrFormat("truncate '%s'", file)));
      s.file_pages[0] = recv_size;
      ++changed;
    }
    if (recv_size <= s.size_pages()) continue;
    const size_t last = s.files.size() - 1;
    const std::string path = io::JoinPath(target_dir, s.files[last]);
    TM_ASSIGN_OR_RETURN(uint64_t current, FileSize(fs, path));
    const uint64_t want = LastFileBytes(s, recv_size);
    if (want > current) {
      TM_RETURN_IF_ERROR(Annotate(ExtendWithZeros(fs, path, current, want),
                                  absl::StrFormat("extend '%s'", s.files[last])));
      ++changed;
    }
    s.file_pages[last] = std::max<uint64_t>(s.file_pages[last], want / s.physical());
  }
  return changed;
}

std::map<uint32_t, uint64_t> PrepareSpaces::PageCounts() const {
  std::map<uint32_t, uint64_t> out;
  for (const auto& [id, s] : spaces_) out[id] = s.size_pages();
  return out;
}

absl::Status TailPages::Add(const innodb::Mtr& mtr) {
  innodb::RecordReader reader(mtr.records().Contiguous(scratch_), innodb::LogEncryption::kNone);
  uint32_t cached_space = ~uint32_t{0};
  uint64_t threshold = 0;
  for (innodb::RedoRecord r; reader.Next(r);) {
    if (r.kind != innodb::RecordKind::kPage || r.IsTrimPages()) continue;
    const uint32_t space = r.page.space.value(), page = r.page.page.value();
    if (space != cached_space) {
      auto it = file_pages_.find(space);
      threshold = it == file_pages_.end() ? 0 : it->second;
      cached_space = space;
    }
    if (page < threshold) continue;
    const innodb::PageRecordType type = r.page_type();
    auto [it, fresh] = pages_[space].try_emplace(page);
    if (fresh) it->second.first_lsn = mtr.start_lsn();
    it->second.initialised |= type == innodb::PageRecordType::kInitPage ||
                              type == innodb::PageRecordType::kFreePage;
  }
  return reader.status();
}

absl::Status TailPages::Check(const PrepareSpaces& spaces, const innodb::LogSurvey& survey) const {
  for (const auto& [id, pages] : pages_) {
    auto log = survey.spaces.find(id);
    const PrepareSpace* s = spaces.Find(SpaceId(id));
    if (s == nullptr || log == survey.spaces.end() || log->second.deleted || log->second.trim_lsn) {
      continue;
    }
    // Not the size after ApplySizes: a page past the end of the file as copied reads as zeros
    // once the file is extended, and a record that does not initialise it, applied to zeros,
    // would make a silently wrong page. A page added to the file after the backup opened it was allocated
    // after the checkpoint, so the log initialises it (fsp_page_create writes INIT_PAGE).
    const uint64_t size = s->size_pages();
    for (auto it = pages.lower_bound(static_cast<uint32_t>(std::min<uint64_t>(size, ~uint32_t{0})));
         it != pages.end(); ++it) {
      if (it->second.initialised) continue;
      return absl::DataLossError(absl::StrFormat(
          "tablespace %d page %d ('%s'): beyond the end of the file (%d pages) and not "
          "initialised by the log (first record at LSN %d)",
          id, it->first, s->files[s->Locate(it->first).first], size, it->second.first_lsn.value()));
    }
  }
  return absl::OkStatus();
}

size_t TailPages::bytes() const {
  size_t n = 0;
  for (const auto& [id, pages] : pages_) n += pages.size() * 48;
  return n;
}

}  // namespace tidemark::engine
