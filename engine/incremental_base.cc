// Reading the base of an incremental backup (see header). Only xtrabackup_checkpoints decides
// B, as in mariadb-backup; tidemark_manifest.json and xtrabackup_info only name the base.
#include "engine/incremental_base.h"

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include <algorithm>

#include "engine/backup_metadata.h"
#include "engine/delta_file.h"
#include "engine/manifest.h"
#include "engine/tablespace_reader.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

constexpr char kBasePrefix[] = "incremental base";

std::string BaseName(std::string_view dir) { return absl::StrFormat("%s '%s'", kBasePrefix, dir); }

// xtrabackup_info, when present and readable; a missing or garbled one only leaves the base
// unnamed (mariadb-backup never reads it).
std::optional<XtrabackupInfo> ReadInfo(io::FileSystem& fs, std::string_view dir) {
  const std::string path = io::JoinPath(dir, kXtrabackupInfoName);
  absl::StatusOr<std::string> text = io::ReadFileToString(fs, path);
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<XtrabackupInfo> info = ParseXtrabackupInfo(*text, path);
  if (!info.ok()) return std::nullopt;
  return *info;
}

// The uuid of the backup in `dir` if its records end at `to_lsn` (see IncrementalBase).
absl::StatusOr<std::string> BaseUuid(io::FileSystem& fs, std::string_view dir, Lsn to_lsn) {
  const std::optional<XtrabackupInfo> info = ReadInfo(fs, dir);
  if (fs.Stat(io::JoinPath(dir, kManifestName)).ok()) {
    TM_ASSIGN_OR_RETURN(Manifest m, ReadManifest(fs, dir));
    if (m.to_lsn == to_lsn) return m.backup_uuid;
  } else if (info && info->tool_name == "tidemark") {
    return ReadManifest(fs, dir).status();  // the "incomplete" NotFound
  }
  if (info && info->innodb_to_lsn == to_lsn) return info->uuid;
  return std::string();
}

absl::StatusOr<IncrementalBase> ReadBaseDir(io::FileSystem& fs, const std::string& dir) {
  if (absl::IsNotFound(fs.Stat(dir).status())) {
    return absl::NotFoundError(absl::StrFormat("%s does not exist", BaseName(dir)));
  }
  if (absl::IsNotFound(fs.Stat(io::JoinPath(dir, kXtrabackupCheckpointsName)).status())) {
    return absl::NotFoundError(absl::StrFormat("%s: no %s (not a backup directory)", BaseName(dir),
                                               kXtrabackupCheckpointsName));
  }
  absl::StatusOr<XtrabackupCheckpoints> checkpoints = ReadXtrabackupCheckpoints(fs, dir);
  if (!checkpoints.ok()) return Annotate(checkpoints.status(), BaseName(dir));
  IncrementalBase base{.lsn = checkpoints->to_lsn, .basedir = dir};
  absl::StatusOr<std::string> uuid = BaseUuid(fs, dir, base.lsn);
  if (!uuid.ok()) return Annotate(uuid.status(), BaseName(dir));
  base.backup_uuid = *uuid;
  return base;
}

// The space id of one base file, by its name; nullopt for files that are not data files.
absl::StatusOr<std::optional<uint32_t>> SpaceIdOf(io::FileSystem& fs, const std::string& path,
                                                  std::string_view name) {
  if (name.ends_with(kDeltaMetaSuffix)) {
    TM_ASSIGN_OR_RETURN(std::string text, io::ReadFileToString(fs, path));
    TM_ASSIGN_OR_RETURN(DeltaMeta meta, ParseDeltaMeta(text, path));
    if (!meta.space_id) return absl::DataLossError(absl::StrFormat("'%s': no space_id", path));
    return meta.space_id;
  }
  // The system tablespace (space 0, always there) may span files whose first page is not
  // page 0; its files are not read.
  const bool data = name.ends_with(".ibd") || name.ends_with(".new") || name.starts_with("undo");
  if (!data || name.ends_with(kDeltaSuffix)) return std::nullopt;
  TM_ASSIGN_OR_RETURN(auto file, fs.OpenForRead(path));
  TM_ASSIGN_OR_RETURN(innodb::FspHeader header, ReadSpaceHeader(*file));
  return header.space_id.value();
}

}  // namespace

std::optional<std::vector<uint32_t>> BaseSpaceIds(io::FileSystem& fs, const std::string& dir) {
  std::vector<uint32_t> ids = {0};
  std::vector<std::string> dirs = {dir};
  for (size_t d = 0; d < dirs.size(); ++d) {
    absl::StatusOr<std::vector<io::FileInfo>> entries = fs.ListDir(dirs[d]);
    if (!entries.ok()) return std::nullopt;
    for (const io::FileInfo& e : *entries) {
      const std::string path = io::JoinPath(dirs[d], e.name);
      const io::FileType type = io::FollowedType(fs, path, e);
      if (type == io::FileType::kDirectory) {
        if (d == 0) dirs.push_back(path);  // database directories, one level down
        continue;
      }
      if (type != io::FileType::kRegular) continue;
      absl::StatusOr<std::optional<uint32_t>> id = SpaceIdOf(fs, path, e.name);
      if (!id.ok()) return std::nullopt;
      if (*id) ids.push_back(**id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::optional<std::vector<uint32_t>> BaseSpaceIds(io::FileSystem& fs, const std::string& dir,
                                                  Lsn lsn) {
  if (fs.Stat(io::JoinPath(dir, kManifestName)).ok()) {
    absl::StatusOr<Manifest> m = ReadManifest(fs, dir);
    if (m.ok() && m->to_lsn == lsn) {
      std::vector<uint32_t> ids = {0};
      for (const ManifestFile& f : m->files) {
        if (f.tablespace) ids.push_back(f.tablespace->space_id);
      }
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      return ids;
    }
  }
  return BaseSpaceIds(fs, dir);
}

std::string_view IncrementalModeName(IncrementalMode mode) {
  switch (mode) {
    case IncrementalMode::kScan:
      return "scan";
    case IncrementalMode::kRedo:
      return "redo";
    case IncrementalMode::kAuto:
      return "auto";
  }
  return "?";
}

absl::StatusOr<IncrementalMode> ParseIncrementalMode(std::string_view name) {
  for (IncrementalMode m :
       {IncrementalMode::kScan, IncrementalMode::kRedo, IncrementalMode::kAuto}) {
    if (IncrementalModeName(m) == name) return m;
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown incremental mode '%s' (expected scan, redo or auto)", name));
}

absl::StatusOr<IncrementalBase> ResolveIncrementalBase(io::FileSystem& fs,
                                                       const IncrementalOptions& options) {
  if (!options.basedir.empty() && options.lsn) {
    return absl::InvalidArgumentError(
        "--incremental-basedir and --incremental-lsn are mutually exclusive");
  }
  if (options.basedir.empty() && !options.lsn) {
    return absl::InvalidArgumentError(
        "an incremental backup needs --incremental-basedir or --incremental-lsn");
  }
  if (!options.page_tracking_dir.empty() && options.mode == IncrementalMode::kScan) {
    return absl::InvalidArgumentError(
        "--page-tracking-dir is for --incremental-mode=redo or auto, not scan");
  }
  IncrementalBase base;
  if (options.lsn) {
    base.lsn = *options.lsn;
  } else {
    TM_ASSIGN_OR_RETURN(base, ReadBaseDir(fs, options.basedir));
    base.spaces = BaseSpaceIds(fs, options.basedir, base.lsn);
  }
  base.mode = options.mode;
  base.page_tracking_dir = options.page_tracking_dir;
  return base;
}

absl::Status CheckBaseAgainstServer(const IncrementalBase& base, Lsn server_lsn) {
  if (base.lsn <= server_lsn) return absl::OkStatus();
  const std::string what =
      base.basedir.empty()
          ? absl::StrFormat("%s: LSN %d (--incremental-lsn)", kBasePrefix, base.lsn.value())
          : absl::StrFormat("%s: its to_lsn %d", BaseName(base.basedir), base.lsn.value());
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s is ahead of the server's current LSN %d: the base is a backup of a different server "
      "(or of this one before its data was replaced); take a full backup",
      what, server_lsn.value()));
}

bool IsIncrementalBaseError(const absl::Status& status) {
  return !status.ok() && absl::StartsWith(status.message(), kBasePrefix);
}

}  // namespace tidemark::engine
