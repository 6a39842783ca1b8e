// `tidemark backup`: flags -> engine::RunBackup -> progress on stderr, a summary, and an exit
// code per outcome (docs/exit-codes.md). Passwords come from --password-file, MYSQL_PWD or an
// option file, never from the command line.
#include "tools/tidemark/backup_command.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "engine/backup_job.h"
#include "engine/backup_report.h"
#include "engine/incremental_base.h"
#include "engine/mysql_sql_session.h"
#include "engine/redo_copier.h"
#include "engine/xbstream.h"
#include "io/clock.h"
#include "io/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/note_printer.h"

namespace tidemark::tools {

namespace {

int ExitCodeFor(const absl::Status& s) {
  // Before IsRedoOverrun: the tracker's overrun means the base is out of the log's reach.
  if (engine::IsRedoModeUnavailable(s)) return kExitBadInput;
  if (engine::IsRedoOverrun(s)) return kExitRedoOverrun;
  if (engine::IsIncrementalBaseError(s)) return kExitBadInput;
  switch (s.code()) {
    case absl::StatusCode::kDataLoss: return kExitCorruptPages;
    case absl::StatusCode::kResourceExhausted: return kExitTarget;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kPermissionDenied: return kExitServer;
    case absl::StatusCode::kFailedPrecondition:
      return absl::StrContains(s.message(), "target directory") ? kExitUsage : kExitServer;
    case absl::StatusCode::kInvalidArgument: return kExitUsage;
    default: return kExitInternal;
  }
}

// The incremental options when any incremental flag was given (the engine checks them).
absl::StatusOr<std::optional<engine::IncrementalOptions>> IncrementalFrom(const BackupFlags& f) {
  if (f.incremental_basedir.empty() && !f.incremental_lsn && f.incremental_mode.empty() &&
      f.page_tracking_dir.empty()) {
    return std::nullopt;
  }
  engine::IncrementalOptions o;
  o.basedir = f.incremental_basedir;
  if (f.incremental_lsn) o.lsn = Lsn(*f.incremental_lsn);
  o.page_tracking_dir = f.page_tracking_dir;
  if (!f.incremental_mode.empty()) {
    auto mode = engine::ParseIncrementalMode(f.incremental_mode);
    if (!mode.ok()) return mode.status();
    o.mode = *mode;
  }
  return o;
}

// --compress[=zstd[:LEVEL]] and --compress-zstd-level, as zstd options; nullopt when off.
absl::StatusOr<std::optional<io::ZstdOptions>> CompressionFrom(const BackupFlags& f) {
  if (!f.compress) {
    if (f.compress_zstd_level != 0 || f.compress_threads != 0) {
      return absl::InvalidArgumentError(
          "--compress-zstd-level and --compress-threads need --compress");
    }
    return std::nullopt;
  }
  io::ZstdOptions z;
  const std::string& spec = *f.compress;
  if (spec.empty() || spec == "zstd") {
    z.level = f.compress_zstd_level != 0 ? f.compress_zstd_level : 1;
  } else if (absl::StartsWith(spec, "zstd:") &&
             absl::SimpleAtoi(spec.substr(5).c_str(), &z.level) && f.compress_zstd_level == 0) {
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--compress=%s: expected zstd or zstd:LEVEL (1..19), once (quicklz and lz4 are not "
        "supported)",
        spec));
  }
  if (z.level < 1 || z.level > 19) {
    return absl::InvalidArgumentError(
        absl::StrFormat("zstd level %d is out of range (1..19)", z.level));
  }
  z.workers = f.compress_threads > 1 ? f.compress_threads : 0;
  return z;
}

// --encrypt=AES256 with its key, or nullopt; a key source without --encrypt is refused (a
// backup the user believes encrypted must not be written in clear).
absl::StatusOr<std::optional<io::CryptKey>> EncryptionFrom(const BackupFlags& f) {
  if (f.encrypt.empty()) {
    if (!f.key.key_file.empty() || !f.key.refused_key.empty()) {
      return absl::InvalidArgumentError("--encrypt-key-file needs --encrypt=AES256");
    }
    return std::nullopt;
  }
  if (absl::AsciiStrToUpper(f.encrypt) != "AES256") {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--encrypt=%s: only AES256 is supported (AES-256-GCM, docs/encryption.md)", f.encrypt));
  }
  TM_ASSIGN_OR_RETURN(io::CryptKey key, LoadKey(f.key));
  return key;
}

void PrintProgress(const BackupFlags& f, const engine::BackupProgress& p, absl::Time start) {
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  if (f.progress == "json") {
    std::fprintf(stderr, "%s\n", engine::ProgressJson(p, secs).c_str());
  } else {
    std::fprintf(stderr, "\r%s   ", engine::ProgressLine(p, secs).c_str());
  }
}

}  // namespace

CLI::App* AddBackupCommand(CLI::App& app, BackupFlags& f) {
  CLI::App* cmd = app.add_subcommand(
      "backup", "Take a hot full or incremental backup of a running MariaDB server");
  cmd->add_option("--target-dir", f.target_dir,
                  "new or empty directory for the backup (not used with --stream)");
  cmd->add_option("--stream", f.stream,
                  "write the backup to stdout as an xbstream (`mbstream -x` or `tidemark "
                  "extract` unpack it)")
      ->check(CLI::IsMember({"xbstream", "mbstream"}));
  cmd->add_option("--compress", f.compress,
                  "compress every file with zstd (x -> x.zst): zstd or zstd:LEVEL (1..19, "
                  "default 1)")
      ->expected(0, 1);
  cmd->add_option("--compress-zstd-level", f.compress_zstd_level, "zstd level (xtrabackup's flag)");
  cmd->add_option("--compress-threads", f.compress_threads,
                  "zstd threads per file written (default: each copier thread compresses its "
                  "own file; see --parallel)")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--encrypt", f.encrypt,
                  "encrypt every file with AES-256-GCM (x -> x.tmenc): AES256; the key from "
                  "--encrypt-key-file or $" + std::string(kEncryptKeyEnv));
  AddKeyOptions(cmd, f.key);
  cmd->add_option("--extra-lsndir", f.extra_lsndir,
                  "also write xtrabackup_checkpoints, xtrabackup_info and the manifest here "
                  "(the base of a later incremental, e.g. of a stream)");
  AddConnectionOptions(cmd, f.connection);
  cmd->add_option("--parallel", f.parallel, "tablespaces copied at once (default: CPUs)")
      ->check(CLI::Range(0, 256));
  cmd->add_option("--throttle", f.throttle_mb, "cap data-file reads at this many MB/s");
  cmd->add_option("--progress", f.progress, "auto (a live line on a terminal) or json")
      ->expected(0, 1)->default_str("auto");
  cmd->add_flag("--buffered", f.buffered, "read data files through the page cache");
  cmd->add_flag("--innodb-log-checkpoint-now", f.checkpoint_now,
                "ask the server for a checkpoint first (less redo to copy; needs SUPER)");
  cmd->add_option("--incremental-basedir", f.incremental_basedir,
                  "incremental: only pages changed since this backup (full or incremental)");
  cmd->add_option("--incremental-lsn", f.incremental_lsn,
                  "incremental: only pages changed after this LSN");
  cmd->add_option("--incremental-mode", f.incremental_mode,
                  "incremental: scan (read every page), redo (read the pages the redo log "
                  "lists as changed; refused when it no longer covers the base) or auto (redo "
                  "when possible, else scan; the default)")
      ->check(CLI::IsMember({"scan", "redo", "auto"}));
  cmd->add_option("--page-tracking-dir", f.page_tracking_dir,
                  "incremental, redo/auto: the directory `tidemark redo-follow` fills, for "
                  "bases older than the live redo log");
  cmd->add_flag("--no-sync", f.no_sync,
                "do not fdatasync the backup's files before writing the manifest (unsafe)");
  return cmd;
}

int RunBackupCommand(const BackupFlags& f) {
  auto conn = ConnectionFrom(f.connection);
  if (!conn.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(conn.status().message()).c_str());
    return kExitUsage;
  }
  auto incremental = IncrementalFrom(f);
  if (!incremental.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(incremental.status().message()).c_str());
    return kExitUsage;
  }
  auto compress = CompressionFrom(f);
  if (!compress.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", std::string(compress.status().message()).c_str());
    return kExitUsage;
  }
  auto encrypt = EncryptionFrom(f);
  if (!encrypt.ok()) {
    std::fprintf(stderr, "tidemark: backup failed: %s\n",
                 std::string(encrypt.status().message()).c_str());
    // A bad --encrypt value or a key on the command line is a usage error; a key that cannot
    // be read or parsed is bad input.
    return absl::IsInvalidArgument(encrypt.status()) &&
                   absl::StartsWith(encrypt.status().message(), "--encrypt")
               ? kExitUsage
               : KeyErrorExitCode(f.key);
  }
  const bool streaming = !f.stream.empty();
  if (!streaming && f.target_dir.empty()) {
    std::fprintf(stderr, "tidemark: backup needs --target-dir DIR or --stream xbstream\n");
    return kExitUsage;
  }
  if (streaming && isatty(STDOUT_FILENO)) {
    std::fprintf(stderr,
                 "tidemark: refusing to write an xbstream to a terminal: redirect stdout to a "
                 "file or a pipe (e.g. | mbstream -x -C DIR)\n");
    return kExitUsage;
  }
  // A reader that goes away must fail the write (EPIPE), not kill us before we report it.
  if (streaming) signal(SIGPIPE, SIG_IGN);
  auto fs = io::NewPosixFileSystem();
  io::RealClock clock;
  engine::MysqlSqlSessionFactory sql(*conn);
  const absl::Time start = absl::Now();
  const bool live = f.progress == "json" || (f.progress == "auto" && isatty(STDERR_FILENO));
  engine::BackupEnv env{.fs = *fs, .clock = clock, .sql = sql};
  if (live) env.on_progress = [&](const engine::BackupProgress& p) { PrintProgress(f, p, start); };
  const bool json = f.progress == "json";
  env.on_note = NotePrinter(json, live);
  engine::BackupJobOptions o;
  o.target_dir = f.target_dir;
  o.parallel = f.parallel > 0 ? f.parallel : std::max(1u, std::thread::hardware_concurrency());
  o.throttle_bytes_per_second = static_cast<uint64_t>(f.throttle_mb * 1e6);
  o.read.direct_io = !f.buffered;
  o.read.drop_cache = f.buffered;
  o.read.before_reread = [] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); };
  o.checkpoint_now = f.checkpoint_now;
  o.command_line = f.command_line;
  o.sync_files = !f.no_sync;
  o.incremental = *incremental;
  o.compress = *compress;
  o.encrypt_key = *encrypt;
  o.extra_lsndir = f.extra_lsndir;
  std::optional<engine::XbstreamWriter> stream;
  if (streaming) {
    stream.emplace(engine::FdSink(STDOUT_FILENO, "stdout"));
    o.stream = &*stream;
  }
  auto r = engine::RunBackup(o, env);
  if (live && !json) std::fputc('\n', stderr);
  if (!r.ok()) {
    if (json) std::fprintf(stderr, "%s\n", engine::FailedJson(r.status()).c_str());
    // A broken stream is the real reason, whichever copier noticed it first.
    const absl::Status reason =
        streaming && !stream->sink_status().ok() ? stream->sink_status() : r.status();
    std::fprintf(stderr, "tidemark: backup failed: %s%s\n", std::string(reason.message()).c_str(),
                 reason.message().find("Broken pipe") != absl::string_view::npos
                     ? " (the reader of the stream went away)"
                     : "");
    int code = ExitCodeFor(r.status());
    if (streaming) {
      // The stream's own failure (the reader went away, the disk behind it is full) is the
      // target's; a stream cut short has no manifest, which extract and verify report.
      if (!stream->sink_status().ok()) code = kExitTarget;
      if (stream->bytes_written() > 0) {
        std::fprintf(stderr,
                     "tidemark: the stream on stdout is incomplete: it has no "
                     "tidemark_manifest.json\n");
      }
      return code;
    }
    // Only a directory this run wrote into is an incomplete backup (not a refused target,
    // nor one never created because the server could not be reached).
    if (code != kExitUsage && fs->Stat(f.target_dir).ok()) {
      std::fprintf(stderr, "tidemark: '%s' is incomplete: it has no tidemark_manifest.json\n",
                   f.target_dir.c_str());
    }
    return code;
  }
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  if (json) std::fprintf(stderr, "%s\n", engine::DoneJson(*r, secs).c_str());
  std::fprintf(stderr, "tidemark: %s\n", engine::SummaryLine(*r, secs).c_str());
  return kExitOk;
}

}  // namespace tidemark::tools
