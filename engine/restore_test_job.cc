// restore-test's orchestration: scratch copy -> throwaway server -> checks -> stop -> cleanup.
// The backup directory is only ever read: a raw backup is prepared on its copy, a prepared
// one is restored (copied) from, and the scratch datadir's InnoDB directories are forced into
// the scratch directory whatever backup-my.cnf says, so nothing lands outside it.
#include "engine/restore_test_job.h"

#include <unistd.h>

#include <cstdlib>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/backup_metadata.h"
#include "engine/prepare_job.h"
#include "engine/restore_job.h"
#include "innodb/base/status.h"

namespace tidemark::engine {

namespace {

// sun_path is 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

void Note(RestoreTestEnv& env, std::string_view text) {
  if (env.on_note) env.on_note(text);
}

absl::StatusOr<std::string> MakeScratchDir(io::FileSystem& fs, const std::string& parent_flag) {
  std::string parent = parent_flag;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  const uint64_t seed = absl::ToUnixNanos(absl::Now()) ^ (uint64_t{static_cast<uint32_t>(getpid())} << 32);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string dir =
        io::JoinPath(parent, absl::StrFormat("tidemark-rt-%08x", (seed + attempt) & 0xffffffff));
    absl::Status s = fs.CreateDir(dir, 0700);
    if (s.ok()) return dir;
    if (!absl::IsAlreadyExists(s)) {
      return Annotate(s, absl::StrFormat("create a scratch directory in '%s'", parent));
    }
  }
  return absl::InternalError(absl::StrFormat("no free scratch directory name in '%s'", parent));
}

// Unparsable backup metadata is bad input, not damaged data: DataLoss would read as
// corruption (exit 3) in the tool.
absl::Status AsBadInput(const absl::Status& s) {
  if (!absl::IsDataLoss(s)) return s;
  return absl::FailedPreconditionError(s.message());
}

absl::StatusOr<BackupMyCnf> ReadCnf(io::FileSystem& fs, const std::string& backup_dir) {
  auto text = io::ReadFileToString(fs, io::JoinPath(backup_dir, kBackupMyCnfName));
  if (absl::IsNotFound(text.status())) return BackupMyCnf{};
  if (!text.ok()) return text.status();
  auto cnf = ParseBackupMyCnf(*text);
  if (!cnf.ok()) return AsBadInput(cnf.status());
  return cnf;
}

// Puts a startable datadir at `datadir`. Returns whether a prepare was needed.
absl::StatusOr<bool> MakeDatadir(const RestoreTestOptions& o, RestoreTestEnv& env,
                                 const std::string& scratch, const std::string& datadir) {
  auto checkpoints = ReadXtrabackupCheckpoints(env.fs, o.backup_dir);
  if (absl::IsNotFound(checkpoints.status())) {
    return absl::NotFoundError(absl::StrFormat("'%s' is not a backup: it has no %s", o.backup_dir,
                                               kXtrabackupCheckpointsName));
  }
  if (!checkpoints.ok()) return AsBadInput(checkpoints.status());
  const XtrabackupCheckpoints& cp = *checkpoints;
  RestoreOptions r{.backup_dir = o.backup_dir, .datadir = datadir, .parallel = 2, .sync = false,
                   .data_home_dir = datadir, .undo_dir = datadir, .log_dir = datadir};
  RestoreEnv renv{.fs = env.fs, .on_note = {}};
  if (cp.backup_type == BackupType::kIncremental) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "backup '%s' is an incremental backup: apply it to its full backup with 'tidemark "
        "prepare --incremental-dir' and test that",
        o.backup_dir));
  }
  if (cp.backup_type == BackupType::kLogApplied) {
    Note(env, absl::StrFormat("restoring the prepared backup into '%s'", datadir));
    TM_RETURN_IF_ERROR(RunRestore(r, renv).status());
    return false;
  }
  const std::string copy = io::JoinPath(scratch, "backup");
  Note(env, absl::StrFormat("copying the backup to '%s'", copy));
  TM_RETURN_IF_ERROR(CopyDirectory(env.fs, o.backup_dir, copy));
  Note(env, "preparing the copy");
  PrepareEnv penv{.fs = env.fs, .on_progress = {}, .on_note = {}};
  TM_RETURN_IF_ERROR(
      RunPrepare(PrepareOptions{.target_dir = copy, .use_memory = o.use_memory, .parallel = 2},
                 penv)
          .status());
  r.backup_dir = copy;
  r.move = true;
  TM_RETURN_IF_ERROR(RunRestore(r, renv).status());
  TM_RETURN_IF_ERROR(RemoveTree(env.fs, copy));
  return true;
}

// Checks every table on the running server and stops it unless kept.
absl::Status CheckAndStop(const RestoreTestOptions& o, RestoreTestEnv& env,
                          RunningServer& server, RestoreTestResult& result) {
  Note(env, "checking tables");
  {
    TM_ASSIGN_OR_RETURN(std::unique_ptr<SqlSession> session, server.Connect());
    TM_ASSIGN_OR_RETURN(result.report,
                        CheckAllTables(*session, TableCheckOptions{.extended = o.extended}));
  }
  if (!result.report.server_lost.empty() || !server.Running()) {
    result.server_log_tail = server.ErrorLogTail(3000);
  }
  if (o.keep && server.Running()) {
    server.Detach();
    result.kept = true;
    result.pid = server.pid();
    return absl::OkStatus();
  }
  if (absl::Status s = server.Stop(); !s.ok()) result.stop_problem = std::string(s.message());
  return absl::OkStatus();
}

absl::Status Run(const RestoreTestOptions& o, RestoreTestEnv& env, RestoreTestResult& result) {
  const std::string& scratch = result.scratch_dir;
  const std::string datadir = io::JoinPath(scratch, "data");
  TM_ASSIGN_OR_RETURN(BackupMyCnf cnf, ReadCnf(env.fs, o.backup_dir));
  TM_ASSIGN_OR_RETURN(result.prepared, MakeDatadir(o, env, scratch, datadir));
  TM_RETURN_IF_ERROR(env.fs.CreateDir(io::JoinPath(scratch, "tmp"), 0700));
  ScratchServerOptions so{.mariadbd = o.mariadbd,
                          .datadir = datadir,
                          .socket = result.socket,
                          .pid_file = io::JoinPath(scratch, "mariadbd.pid"),
                          .tmpdir = io::JoinPath(scratch, "tmp"),
                          .error_log = io::JoinPath(scratch, "mariadbd.err"),
                          .cnf = cnf,
                          .user = o.user,
                          .detach = o.keep,
                          .start_timeout = o.start_timeout};
  Note(env, "starting mariadbd on the copy");
  TM_ASSIGN_OR_RETURN(std::unique_ptr<RunningServer> server, env.start_server(so));
  return CheckAndStop(o, env, *server, result);
}

}  // namespace

absl::Status CopyDirectory(io::FileSystem& fs, const std::string& from, const std::string& to) {
  TM_RETURN_IF_ERROR(fs.CreateDir(to, 0700));
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(from));
  std::vector<uint8_t> buffer(4 << 20);
  for (const io::FileInfo& e : entries) {
    const std::string src = io::JoinPath(from, e.name), dst = io::JoinPath(to, e.name);
    const io::FileType type = io::FollowedType(fs, src, e);
    if (type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(CopyDirectory(fs, src, dst));
      continue;
    }
    if (type != io::FileType::kRegular) continue;
    TM_ASSIGN_OR_RETURN(auto in, fs.OpenForRead(src));
    TM_ASSIGN_OR_RETURN(auto out, fs.OpenForWrite(dst, {.mode = 0640, .exclusive = true}));
    for (uint64_t offset = 0;;) {
      TM_ASSIGN_OR_RETURN(size_t n, in->ReadAt(offset, MutableByteSpan(buffer.data(), buffer.size())));
      if (n == 0) break;
      TM_RETURN_IF_ERROR(out->Append(ByteSpan(buffer.data(), n)));
      offset += n;
    }
    TM_RETURN_IF_ERROR(out->Close());
  }
  return absl::OkStatus();
}

absl::Status RemoveTree(io::FileSystem& fs, const std::string& path) {
  TM_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(path));
  for (const io::FileInfo& e : entries) {
    const std::string child = io::JoinPath(path, e.name);
    if (e.type == io::FileType::kDirectory) {
      TM_RETURN_IF_ERROR(RemoveTree(fs, child));
    } else {
      TM_RETURN_IF_ERROR(fs.RemoveFile(child));
    }
  }
  return fs.RemoveDir(path);
}

absl::StatusOr<RestoreTestResult> RunRestoreTest(const RestoreTestOptions& o,
                                                 RestoreTestEnv& env) {
  TM_ASSIGN_OR_RETURN(io::FileInfo info, env.fs.Stat(o.backup_dir));
  if (info.type != io::FileType::kDirectory) {
    return absl::NotFoundError(absl::StrFormat("backup '%s' is not a directory", o.backup_dir));
  }
  RestoreTestResult result;
  TM_ASSIGN_OR_RETURN(result.scratch_dir, MakeScratchDir(env.fs, o.scratch_parent));
  if (env.on_scratch) env.on_scratch(result.scratch_dir);
  result.socket = io::JoinPath(result.scratch_dir, "mariadbd.sock");
  absl::Status status;
  if (result.socket.size() > kMaxSocketPath) {
    status = absl::InvalidArgumentError(absl::StrFormat(
        "scratch socket path '%s' is longer than %d bytes: choose a shorter --scratch-dir",
        result.socket, kMaxSocketPath));
  } else {
    status = Run(o, env, result);
  }
  if (!o.keep) {
    if (absl::Status s = RemoveTree(env.fs, result.scratch_dir); !s.ok()) {
      Note(env, absl::StrFormat("could not remove the scratch directory: %s", s.message()));
    }
  }
  if (!status.ok()) {
    return Annotate(status, absl::StrFormat("restore-test of '%s'", o.backup_dir));
  }
  return result;
}

}  // namespace tidemark::engine
