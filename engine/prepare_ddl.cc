// Planning and running the .del/.ren/.new markers of a backup (see the header).
#include "engine/prepare_ddl.h"

#include <map>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "engine/prepare_journal.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

std::string Stem(std::string_view rel, std::string_view suffix) {
  return std::string(rel.substr(0, rel.size() - suffix.size()));
}

struct Markers {
  std::vector<std::string> del, ren, fresh;  // relative marker paths, sorted
};

// Markers at the root and in each database directory (xb_process_datadir's reach).
absl::StatusOr<Markers> FindMarkers(io::FileSystem& fs, std::string_view dir) {
  Markers m;
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> root, fs.ListDir(dir));
  auto take = [&](const std::string& rel, const io::FileInfo& e) {
    if (e.type != io::FileType::kRegular) return;
    if (rel.ends_with(".del")) m.del.push_back(rel);
    if (rel.ends_with(".ren")) m.ren.push_back(rel);
    if (rel.ends_with(".new")) m.fresh.push_back(rel);
  };
  for (const io::FileInfo& e : root) {
    if (e.type != io::FileType::kDirectory) {
      take(e.name, e);
      continue;
    }
    TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> db, fs.ListDir(io::JoinPath(dir, e.name)));
    for (const io::FileInfo& f : db) take(e.name + "/" + f.name, f);
  }
  return m;
}

bool Exists(io::FileSystem& fs, std::string_view dir, std::string_view rel) {
  return fs.Stat(io::JoinPath(dir, rel)).ok();
}

// The renames of the .ren markers: every source first to a temp name, then every temp to
// its destination, so chains and swaps need no ordering.
absl::Status PlanRenames(io::FileSystem& fs, std::string_view dir, const Markers& m,
                         const std::set<std::string>& removed, std::vector<DdlStep>& steps) {
  std::map<std::string, std::string> moves;  // source .ibd -> destination .ibd
  for (const std::string& marker : m.ren) {
    TM_ASSIGN_OR_RETURN(std::string to, io::ReadFileToString(fs, io::JoinPath(dir, marker)));
    to = std::string(absl::StripAsciiWhitespace(to));
    if (to.empty()) {
      return absl::FailedPreconditionError(absl::StrFormat("'%s' names no table", marker));
    }
    moves[Stem(marker, ".ren") + ".ibd"] = to + ".ibd";
  }
  for (const auto& [from, to] : moves) {
    if (!Exists(fs, dir, from)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s.ren' renames '%s', which is not in the backup", Stem(from, ".ibd"), from));
    }
    if (Exists(fs, dir, to) && !moves.contains(to) && !removed.contains(to)) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "'%s.ren' renames '%s' to '%s', which exists and is not renamed away", Stem(from, ".ibd"),
          from, to));
    }
  }
  for (const auto& [from, to] : moves) {
    steps.push_back({DdlStep::Kind::kRename, from, from + ".tidemark-ren"});
  }
  for (const auto& [from, to] : moves) {
    steps.push_back({DdlStep::Kind::kRename, from + ".tidemark-ren", to});
  }
  return absl::OkStatus();
}

absl::Status CopyStep(io::FileSystem& fs, std::string_view dir, const DdlStep& step) {
  const std::string to = io::JoinPath(dir, step.to);
  const std::string tmp = to + ".tidemark-tmp";
  if (const std::string parent = io::ParentDir(step.to); !parent.empty()) {
    TM_RETURN_IF_ERROR(io::CreateDirs(fs, io::JoinPath(dir, parent)));
  }
  TM_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(step.from));
  TM_ASSIGN_OR_RETURN(auto out, fs.OpenForWrite(tmp, io::WriteOptions{.mode = 0640}));
  std::vector<uint8_t> buf(size_t{1} << 20);
  for (uint64_t off = 0;;) {
    TM_ASSIGN_OR_RETURN(size_t n, in->ReadAt(off, buf));
    if (n == 0) break;
    TM_RETURN_IF_ERROR(out->Append(ByteSpan(buf.data(), n)));
    off += n;
  }
  TM_RETURN_IF_ERROR(out->Sync());
  TM_RETURN_IF_ERROR(out->Close());
  TM_RETURN_IF_ERROR(fs.Rename(tmp, to));
  return fs.SyncDir(io::JoinPath(dir, io::ParentDir(step.to)));
}

absl::Status CreateStep(io::FileSystem& fs, std::string_view dir, const DdlStep& step) {
  const std::string path = io::JoinPath(dir, step.from);
  if (fs.Stat(path).ok()) return absl::OkStatus();
  if (const std::string parent = io::ParentDir(step.from); !parent.empty()) {
    TM_RETURN_IF_ERROR(io::CreateDirs(fs, io::JoinPath(dir, parent)));  // a new database
  }
  const std::string tmp = path + ".tidemark-tmp";
  TM_ASSIGN_OR_RETURN(auto out, fs.OpenForWrite(tmp, io::WriteOptions{.mode = 0640}));
  TM_RETURN_IF_ERROR(out->Truncate(step.size));
  TM_RETURN_IF_ERROR(out->Sync());
  TM_RETURN_IF_ERROR(out->Close());
  TM_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(io::JoinPath(dir, io::ParentDir(step.from)));
}

absl::Status RunStep(io::FileSystem& fs, std::string_view dir, const DdlStep& step) {
  if (step.kind == DdlStep::Kind::kCopy) return CopyStep(fs, dir, step);
  if (step.kind == DdlStep::Kind::kCreate) return CreateStep(fs, dir, step);
  const std::string from = io::JoinPath(dir, step.from);
  if (step.kind == DdlStep::Kind::kRemove) {
    absl::Status s = fs.RemoveFile(from);
    if (!s.ok() && !absl::IsNotFound(s)) return s;
    return fs.SyncDir(io::JoinPath(dir, io::ParentDir(step.from)));
  }
  const std::string to = io::JoinPath(dir, step.to);
  if (!fs.Stat(from).ok() && fs.Stat(to).ok()) return absl::OkStatus();  // done before a crash
  if (const std::string parent = io::ParentDir(step.to); !parent.empty()) {
    TM_RETURN_IF_ERROR(io::CreateDirs(fs, io::JoinPath(dir, parent)));
  }
  TM_RETURN_IF_ERROR(fs.Rename(from, to));
  TM_RETURN_IF_ERROR(fs.SyncDir(io::JoinPath(dir, io::ParentDir(step.to))));
  return fs.SyncDir(io::JoinPath(dir, io::ParentDir(step.from)));
}

absl::Status RunPlan(io::FileSystem& fs, std::string_view dir, const std::vector<DdlStep>& steps,
                     size_t done) {
  const std::string plan = io::JoinPath(dir, kPrepareDdlPlanName);
  TM_ASSIGN_OR_RETURN(std::unique_ptr<io::WritableFile> log,
                      fs.OpenForWrite(plan, io::WriteOptions{.truncate = false}));
  for (size_t i = done; i < steps.size(); ++i) {
    TM_RETURN_IF_ERROR(Annotate(RunStep(fs, dir, steps[i]),
                                absl::StrFormat("ddl step %d of %d", i + 1, steps.size())));
    const std::string line = absl::StrFormat("done\t%d\n", i + 1);
    TM_RETURN_IF_ERROR(
        log->Append(ByteSpan(reinterpret_cast<const uint8_t*>(line.data()), line.size())));
    TM_RETURN_IF_ERROR(log->Sync());
  }
  TM_RETURN_IF_ERROR(log->Close());
  TM_RETURN_IF_ERROR(fs.RemoveFile(plan));
  return fs.SyncDir(dir);
}

}  // namespace

absl::StatusOr<std::vector<DdlStep>> PlanDdlMarkers(io::FileSystem& fs, std::string_view dir) {
  TM_ASSIGN_OR_RETURN(Markers m, FindMarkers(fs, dir));
  std::vector<DdlStep> steps;
  std::set<std::string> removed;
  for (const std::string& marker : m.del) {
    const std::string ibd = Stem(marker, ".del") + ".ibd";
    steps.push_back({DdlStep::Kind::kRemove, ibd, ""});
    removed.insert(ibd);
  }
  TM_RETURN_IF_ERROR(PlanRenames(fs, dir, m, removed, steps));
  for (const std::string& marker : m.fresh) {
    steps.push_back({DdlStep::Kind::kRename, marker, Stem(marker, ".new") + ".ibd"});
  }
  for (const auto* list : {&m.del, &m.ren}) {
    for (const std::string& marker : *list) steps.push_back({DdlStep::Kind::kRemove, marker, ""});
  }
  return steps;
}

std::string FormatDdlPlan(const std::vector<DdlStep>& steps) {
  std::string out;
  for (const DdlStep& s : steps) {
    switch (s.kind) {
      case DdlStep::Kind::kRemove: out += absl::StrFormat("remove\t%s\n", s.from); break;
      case DdlStep::Kind::kRename: out += absl::StrFormat("rename\t%s\t%s\n", s.from, s.to); break;
      case DdlStep::Kind::kCopy: out += absl::StrFormat("copy\t%s\t%s\n", s.from, s.to); break;
      case DdlStep::Kind::kCreate: out += absl::StrFormat("create\t%s\t%d\n", s.from, s.size); break;
    }
  }
  return out;
}

absl::StatusOr<std::vector<DdlStep>> ParseDdlPlan(std::string_view text, size_t* done) {
  std::vector<DdlStep> steps;
  *done = 0;
  int line_no = 0;
  size_t pos = 0;
  // Only lines ended by '\n' count: a torn last "done" line leaves that step to be
  // re-checked, which is safe because every step is idempotent.
  for (size_t nl; (nl = text.find('\n', pos)) != std::string_view::npos; pos = nl + 1) {
    ++line_no;
    const std::string_view line = text.substr(pos, nl - pos);
    std::vector<std::string> f;
    for (size_t p = 0;;) {
      const size_t tab = line.find('\t', p);
      f.emplace_back(line.substr(p, tab == std::string_view::npos ? line.npos : tab - p));
      if (tab == std::string_view::npos) break;
      p = tab + 1;
    }
    if (f[0] == "remove" && f.size() == 2) {
      steps.push_back({DdlStep::Kind::kRemove, f[1], ""});
    } else if (f[0] == "rename" && f.size() == 3) {
      steps.push_back({DdlStep::Kind::kRename, f[1], f[2]});
    } else if (f[0] == "copy" && f.size() == 3) {
      steps.push_back({DdlStep::Kind::kCopy, f[1], f[2]});
    } else if (f[0] == "create" && f.size() == 3 && !f[2].empty() && f[2].size() < 20 &&
               f[2].find_first_not_of("0123456789") == std::string::npos) {
      steps.push_back({DdlStep::Kind::kCreate, f[1], "", std::stoull(f[2])});
    } else if (f[0] == "done" && f.size() == 2 && !f[1].empty() && f[1].size() < 10 &&
               f[1].find_first_not_of("0123456789") == std::string::npos) {
      *done = std::max<size_t>(*done, std::stoul(f[1]));
    } else {
      return absl::DataLossError(
          absl::StrFormat("'%s' line %d: unexpected '%s'", kPrepareDdlPlanName, line_no, line));
    }
  }
  *done = std::min(*done, steps.size());
  return steps;
}

absl::StatusOr<DdlResolution> ResolveDdlMarkers(io::FileSystem& fs, std::string_view dir) {
  DdlResolution r;
  const std::string plan = io::JoinPath(dir, kPrepareDdlPlanName);
  absl::StatusOr<std::string> existing = io::ReadFileToString(fs, plan);
  if (existing.ok()) {
    size_t done = 0;
    TM_ASSIGN_OR_RETURN(std::vector<DdlStep> steps, ParseDdlPlan(*existing, &done));
    r.resumed = true;
    r.steps = steps.size();
    // A kill can leave a torn "done" line without its newline; appending after it would make
    // the plan unreadable for the next rerun, so the plan is first rewritten clean.
    const std::string text =
        FormatDdlPlan(steps) + (done > 0 ? absl::StrFormat("done\t%d\n", done) : "");
    TM_RETURN_IF_ERROR(ReplaceFileAtomically(
        fs, dir, kPrepareDdlPlanName,
        ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    TM_RETURN_IF_ERROR(RunPlan(fs, dir, steps, done));
    return r;
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  TM_ASSIGN_OR_RETURN(std::vector<DdlStep> steps, PlanDdlMarkers(fs, dir));
  if (steps.empty()) return r;
  r.steps = steps.size();
  for (const DdlStep& s : steps) {
    if (s.kind == DdlStep::Kind::kRemove && !s.from.ends_with(".ibd")) ++r.markers;
    if (s.from.ends_with(".new")) ++r.markers;
  }
  TM_RETURN_IF_ERROR(RunDdlPlan(fs, dir, steps));
  return r;
}

absl::Status RunDdlStep(io::FileSystem& fs, std::string_view dir, const DdlStep& step) {
  return RunStep(fs, dir, step);
}

absl::Status RunDdlPlan(io::FileSystem& fs, std::string_view dir,
                        const std::vector<DdlStep>& steps) {
  if (steps.empty()) return absl::OkStatus();
  const std::string text = FormatDdlPlan(steps);
  TM_RETURN_IF_ERROR(ReplaceFileAtomically(
      fs, dir, kPrepareDdlPlanName,
      ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return RunPlan(fs, dir, steps, 0);
}

}  // namespace tidemark::engine
