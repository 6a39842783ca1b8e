// The tidemark binary: tidemark's own subcommands and the xtrabackup-style flag set
// (`tidemark --backup --target-dir=...`), parsed here and handed to one runner each.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "engine/version.h"
#include "tools/tidemark/backup_command.h"
#include "tools/tidemark/compare_command.h"
#include "tools/tidemark/decode_command.h"
#include "tools/tidemark/exit_codes.h"
#include "tools/tidemark/extract_command.h"
#include "tools/tidemark/inspect_command.h"
#include "tools/tidemark/prepare_command.h"
#include "tools/tidemark/redo_follow_command.h"
#include "tools/tidemark/restore_command.h"
#include "tools/tidemark/verify_command.h"
#include "tools/tidemark/restore_test_command.h"

namespace {

// xtrabackup-style verbs become subcommands: `--backup ...` -> `backup ...`.
std::vector<std::string> Normalize(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const char* verb : {"backup", "prepare"}) {
    const std::string flag = std::string("--") + verb;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i] == flag) {
        args.erase(args.begin() + i);
        args.insert(args.begin(), verb);
        break;
      }
    }
  }
  // Without a subcommand first (xtrabackup style): `--decrypt=AES256 [--decompress] ...` ->
  // `decrypt [--decompress] ...`; `--decompress ...` -> `decompress ...`. After one, the
  // same words are options of extract and decrypt, and are left alone.
  if (!args.empty() && args[0].starts_with("--")) {
    auto decrypt = std::find_if(args.begin(), args.end(), [](const std::string& a) {
      return a == "--decrypt" || a.starts_with("--decrypt=");
    });
    if (decrypt != args.end()) {
      const std::string value = decrypt->size() > 10 ? decrypt->substr(10) : "";
      args.erase(decrypt);
      args.insert(args.begin(), "decrypt");
      // Only AES256 is tidemark's; anything else is left for the parser to refuse.
      if (!value.empty() && value != "AES256") args.push_back("--decrypt=" + value);
      return args;
    }
    auto decompress = std::find(args.begin(), args.end(), "--decompress");
    if (decompress != args.end()) {
      args.erase(decompress);
      args.insert(args.begin(), "decompress");
      return args;
    }
  }
  // `--copy-back` / `--move-back` -> `restore` / `restore --move`.
  for (const char* verb : {"--copy-back", "--move-back"}) {
    auto it = std::find(args.begin(), args.end(), verb);
    if (it == args.end()) continue;
    const bool move = std::string(verb) == "--move-back";
    args.erase(it);
    args.insert(args.begin(), "restore");
    if (move) args.push_back("--move");
    break;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tidemark::tools;
  CLI::App app{"tidemark: physical backups of InnoDB (MariaDB 10.11, MySQL 8 read side)"};
  app.set_version_flag("--version", std::string(tidemark::engine::ProducerString()));
  app.require_subcommand(1);
  InspectFlags inspect;
  CLI::App* inspect_cmd = AddInspectCommand(app, inspect);
  BackupFlags backup;
  CLI::App* backup_cmd = AddBackupCommand(app, backup);
  CompareFlags compare;
  CLI::App* compare_cmd = AddCompareCommand(app, compare);
  RestoreFlags restore;
  CLI::App* restore_cmd = AddRestoreCommand(app, restore);
  RestoreTestFlags restore_test;
  CLI::App* restore_test_cmd = AddRestoreTestCommand(app, restore_test);
  PrepareFlags prepare;
  CLI::App* prepare_cmd = AddPrepareCommand(app, prepare);
  RedoFollowFlags redo_follow;
  CLI::App* redo_follow_cmd = AddRedoFollowCommand(app, redo_follow);
  DecodeFlags decompress;
  CLI::App* decompress_cmd = AddDecompressCommand(app, decompress);
  DecodeFlags decrypt;
  CLI::App* decrypt_cmd = AddDecryptCommand(app, decrypt);
  VerifyFlags verify;
  CLI::App* verify_cmd = AddVerifyCommand(app, verify);
  ExtractFlags extract;
  CLI::App* extract_cmd = AddExtractCommand(app, extract);
  std::vector<std::string> args = Normalize(argc, argv);
  backup.command_line.assign(argv, argv + argc);
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (inspect_cmd->parsed()) return RunInspect(inspect);
  if (backup_cmd->parsed()) return RunBackupCommand(backup);
  if (compare_cmd->parsed()) return RunCompareCommand(compare);
  if (restore_cmd->parsed()) return RunRestoreCommand(restore);
  if (restore_test_cmd->parsed()) return RunRestoreTestCommand(restore_test);
  if (prepare_cmd->parsed()) return RunPrepareCommand(prepare);
  if (redo_follow_cmd->parsed()) return RunRedoFollowCommand(redo_follow);
  if (decompress_cmd->parsed()) return RunDecompressCommand(decompress);
  if (decrypt_cmd->parsed()) return RunDecryptCommand(decrypt);
  if (verify_cmd->parsed()) return RunVerifyCommand(verify);
  if (extract_cmd->parsed()) return RunExtractCommand(extract);
  return kExitUsage;
}
