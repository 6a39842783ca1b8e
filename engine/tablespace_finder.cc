// Tablespace discovery. What counts follows what mariadb-backup enumerates
// (enumerate_ibd_files and xb_load_tablespaces in extra/mariabackup/xtrabackup.cc;
// INNODB_FORMATS.md §2.7) plus MySQL 8's root-level files; ibtmp1 is never a target.
#include "engine/tablespace_finder.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_format.h"
#include "absl/strings/ascii.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); });
}

// Number of an "ibdataN" file, or -1.
int IbdataNumber(std::string_view name) {
  if (name.substr(0, 6) != "ibdata" || !AllDigits(name.substr(6))) return -1;
  return std::stoi(std::string(name.substr(6)));
}

// An .isl file holds the path of a DATA DIRECTORY tablespace.
TablespaceTarget FromIsl(io::FileSystem& fs, const std::string& isl_path) {
  TablespaceTarget t{.path = isl_path, .files = {}, .kind = TablespaceKind::kFilePerTable};
  auto text = io::ReadFileToString(fs, isl_path);
  if (!text.ok()) {
    t.status = text.status();
    return t;
  }
  std::string target(absl::StripAsciiWhitespace(*text));
  t.path = target;
  t.files = {target};
  return t;
}

void AddDatabaseDir(io::FileSystem& fs, const std::string& dir,
                    const std::vector<io::FileInfo>& entries, std::vector<TablespaceTarget>& out) {
  for (const io::FileInfo& e : entries) {
    const std::string p = io::JoinPath(dir, e.name);
    if (e.name.ends_with(".ibd") && io::FollowedType(fs, p, e) == io::FileType::kRegular) {
      out.push_back({.path = p, .files = {p}, .kind = TablespaceKind::kFilePerTable});
    } else if (e.name.ends_with(".isl") && io::FollowedType(fs, p, e) == io::FileType::kRegular) {
      out.push_back(FromIsl(fs, p));
    }
  }
}

absl::Status AddDirectory(io::FileSystem& fs, const std::string& dir,
                          std::vector<TablespaceTarget>& out) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  const size_t before = out.size();
  std::vector<std::pair<int, std::string>> ibdata;
  std::vector<TablespaceTarget> undo, root, dbs;
  for (const io::FileInfo& e : entries) {
    const std::string p = io::JoinPath(dir, e.name);
    if (io::FollowedType(fs, p, e) == io::FileType::kDirectory) {
      auto sub = fs.ListDir(p);
      if (sub.ok()) AddDatabaseDir(fs, p, *sub, dbs);
      continue;
    }
    if (io::FollowedType(fs, p, e) != io::FileType::kRegular) continue;
    if (int n = IbdataNumber(e.name); n >= 0) {
      ibdata.emplace_back(n, p);
    } else if (KindFromName(e.name) == TablespaceKind::kUndo) {
      undo.push_back({.path = p, .files = {p}, .kind = TablespaceKind::kUndo});
    } else if (e.name.ends_with(".ibd")) {
      root.push_back({.path = p, .files = {p}, .kind = TablespaceKind::kOther});
    }
  }
  std::sort(ibdata.begin(), ibdata.end());
  if (!ibdata.empty()) {
    TablespaceTarget sys{.path = ibdata[0].second, .files = {}, .kind = TablespaceKind::kSystem};
    for (auto& [n, p] : ibdata) sys.files.push_back(p);
    out.push_back(std::move(sys));
  }
  for (auto* group : {&undo, &root, &dbs}) {
    for (auto& t : *group) out.push_back(std::move(t));
  }
  if (out.size() == before) {
    return absl::NotFoundError(absl::StrFormat("no tablespace found in '%s'", dir));
  }
  return absl::OkStatus();
}

}  // namespace

TablespaceKind KindFromName(std::string_view name) {
  if (IbdataNumber(name) >= 0) return TablespaceKind::kSystem;
  if (name.substr(0, 4) == "undo") {
    std::string_view rest = name.substr(4);
    if (!rest.empty() && rest[0] == '_') rest.remove_prefix(1);
    if (AllDigits(rest)) return TablespaceKind::kUndo;
  }
  if (name.ends_with(".ibu")) return TablespaceKind::kUndo;
  return name.ends_with(".ibd") ? TablespaceKind::kFilePerTable : TablespaceKind::kOther;
}

absl::StatusOr<std::vector<TablespaceTarget>> FindTablespaces(
    io::FileSystem& fs, const std::vector<std::string>& paths) {
  std::vector<TablespaceTarget> out;
  for (const std::string& path : paths) {
    TM_ASSIGN_OR_RETURN(io::FileInfo info, fs.Stat(path));
    if (info.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(AddDirectory(fs, path, out));
    } else {
      std::string_view base = path;
      if (size_t slash = base.rfind('/'); slash != base.npos) base.remove_prefix(slash + 1);
      out.push_back({.path = path, .files = {path}, .kind = KindFromName(base)});
    }
  }
  return out;
}

}  // namespace tidemark::engine
