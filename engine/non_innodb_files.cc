// Non-InnoDB file listing (see header).
#include "engine/non_innodb_files.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

constexpr std::array<std::string_view, 6> kMetaExt = {".frm", ".isl", ".TRG", ".TRN", ".opt", ".par"};
constexpr std::array<std::string_view, 7> kNonTransactionalExt = {".MYD", ".MYI", ".MRG", ".ARM",
                                                                  ".ARZ", ".CSM", ".CSV"};
constexpr std::array<std::string_view, 2> kAriaExt = {".MAI", ".MAD"};

template <size_t N>
bool HasExt(std::string_view name, const std::array<std::string_view, N>& exts) {
  return std::any_of(exts.begin(), exts.end(), [&](std::string_view e) {
    return name.size() > e.size() && name.substr(name.size() - e.size()) == e;
  });
}

void AddDatabase(io::FileSystem& fs, const std::string& dir, const std::string& db,
                 NonInnodbListing& out) {
  auto entries = fs.ListDir(dir);
  const size_t before = out.files.size();
  if (entries.ok()) {
    for (const io::FileInfo& e : *entries) {
      if (e.type == io::FileType::kDirectory) continue;
      const std::string rel = db + "/" + e.name;
      if (HasExt(e.name, kMetaExt) || HasExt(e.name, kNonTransactionalExt)) {
        out.files.push_back({io::JoinPath(dir, e.name), rel, CopyStage::kBlockDdl});
      } else if (HasExt(e.name, kAriaExt)) {
        out.files.push_back({io::JoinPath(dir, e.name), rel, CopyStage::kBlockCommit});
      }
    }
  }
  if (out.files.size() == before) out.empty_databases.push_back(db);
}

bool IsAriaLog(std::string_view name) {
  return name == "aria_log_control" || name.substr(0, 9) == "aria_log.";
}

}  // namespace

absl::StatusOr<NonInnodbListing> ListNonInnodbFiles(io::FileSystem& fs, const std::string& datadir,
                                                    const std::string& aria_log_dir) {
  NonInnodbListing out;
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> root, fs.ListDir(datadir));
  for (const io::FileInfo& e : root) {
    const std::string path = io::JoinPath(datadir, e.name);
    if (io::FollowedType(fs, path, e) == io::FileType::kDirectory) {
      if (e.name[0] != '#' && e.name != "lost+found") AddDatabase(fs, path, e.name, out);
    } else if (e.name.substr(0, 11) == "aws-kms-key") {
      out.files.push_back({path, e.name, CopyStage::kBlockDdl});
    }
  }
  const std::string aria_dir = aria_log_dir.empty() ? datadir : aria_log_dir;
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> aria, fs.ListDir(aria_dir));
  for (const io::FileInfo& e : aria) {
    if (e.type == io::FileType::kRegular && IsAriaLog(e.name)) {
      out.files.push_back({io::JoinPath(aria_dir, e.name), e.name, CopyStage::kBlockCommit});
    }
  }
  return out;
}

}  // namespace tidemark::engine
