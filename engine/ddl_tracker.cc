// DdlTracker (see header).
#include "engine/ddl_tracker.h"

#include "absl/strings/str_format.h"

namespace tidemark::engine {

namespace {

std::string WithoutIbd(std::string_view path) {
  if (path.size() >= 4 && path.substr(path.size() - 4) == ".ibd") path.remove_suffix(4);
  return std::string(path);
}

}  // namespace

std::string BackupRelativeIbdPath(std::string_view name) {
  if (name.substr(0, 2) == "./") return std::string(name.substr(2));
  // An absolute DATA DIRECTORY path: keep "db/table.ibd", the last two components.
  const size_t last = name.rfind('/');
  if (last == std::string_view::npos || last == 0) return std::string(name);
  const size_t prev = name.rfind('/', last - 1);
  return std::string(prev == std::string_view::npos ? name : name.substr(prev + 1));
}

void DdlTracker::RecordCopied(SpaceId space, std::string backup_path) {
  absl::MutexLock lock(&mu_);
  Space& s = spaces_[space.value()];
  s.copied_as = std::move(backup_path);
  if (s.current_name.empty()) s.current_name = "./" + s.copied_as;
}

void DdlTracker::OnRedoEvent(const RedoEvent& e) {
  absl::MutexLock lock(&mu_);
  if (!e.names_known) {
    const bool ddl = e.kind == RedoEventKind::kFileCreate || e.kind == RedoEventKind::kFileRename ||
                     e.kind == RedoEventKind::kFileDelete;
    hidden_ddl_ += ddl;
    return;
  }
  Space& s = spaces_[e.space.value()];
  switch (e.kind) {
    case RedoEventKind::kFileCreate:
      s.created = true;
      s.deleted = false;
      s.current_name = e.name;
      break;
    case RedoEventKind::kFileRename:
      s.current_name = e.new_name;
      break;
    case RedoEventKind::kFileDelete:
      s.deleted = true;
      break;
    case RedoEventKind::kFileModify:
      if (s.current_name.empty()) s.current_name = e.name;
      break;
    case RedoEventKind::kSpaceCreated:
    case RedoEventKind::kTrimPages:
      break;
  }
}

std::optional<std::string> DdlTracker::LiveName(SpaceId space) const {
  absl::MutexLock lock(&mu_);
  auto it = spaces_.find(space.value());
  if (it == spaces_.end() || it->second.deleted || it->second.current_name.empty()) {
    return std::nullopt;
  }
  return it->second.current_name;
}

absl::StatusOr<DdlFixes> DdlTracker::Fixes() const {
  absl::MutexLock lock(&mu_);
  if (hidden_ddl_ > 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%d CREATE/RENAME/DROP operations ran during the backup, but the server's redo log is "
        "encrypted, so tidemark cannot tell which tables they changed; take the backup "
        "without concurrent DDL",
        hidden_ddl_));
  }
  DdlFixes f;
  for (const auto& [id, s] : spaces_) {
    if (s.copied_as.empty()) {
      if (s.created && !s.deleted && !s.current_name.empty()) {
        f.new_copies.push_back({SpaceId(id), s.current_name,
                                WithoutIbd(BackupRelativeIbdPath(s.current_name)) + ".new"});
      }
      continue;
    }
    const std::string copied = WithoutIbd(s.copied_as);
    if (s.deleted) {
      f.markers.push_back({copied + ".del", ""});
    } else if (WithoutIbd(BackupRelativeIbdPath(s.current_name)) != copied) {
      f.markers.push_back({copied + ".ren", WithoutIbd(BackupRelativeIbdPath(s.current_name))});
    }
  }
  return f;
}

}  // namespace tidemark::engine
