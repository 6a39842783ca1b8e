// Unit tests of the scratch server: its command line from backup-my.cnf settings, the
// data-versus-environment verdict on a start failure, and StartScratchServer against stand-in
// programs (a missing binary, scripts that fail the way mariadbd does) so each error code is
// exercised with a real process but without a server.
#include "engine/scratch_server.h"

#include <sys/stat.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_macros.h"
#include "tests/support/temp_dir.h"

namespace tidemark::engine {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

ScratchServerOptions Options(const std::string& dir) {
  return {.mariadbd = dir + "/mariadbd", .datadir = dir + "/data", .socket = dir + "/sock",
          .pid_file = dir + "/pid", .tmpdir = dir, .error_log = dir + "/err",
          .start_timeout = std::chrono::seconds(20)};
}

TEST(ScratchServerTest, ArgvCarriesTheBackupSettings) {
  ScratchServerOptions o = Options("/s");
  o.user = "root";
  o.cnf.innodb_page_size = 4096;
  o.cnf.innodb_data_file_path = "ibdata1:12M:autoextend";
  o.cnf.innodb_undo_tablespaces = 3;
  o.cnf.plugin_variables = {{"innodb_data_home_dir", "/var/lib/other"},
                            {"innodb_log_checksums", "ON"}};
  const std::vector<std::string> argv = ScratchServerArgv(o);
  EXPECT_EQ(argv[0], "/s/mariadbd");
  EXPECT_EQ(argv[1], "--no-defaults");
  for (const char* a : {"--datadir=/s/data", "--socket=/s/sock", "--skip-networking",
                        "--skip-grant-tables", "--user=root", "--innodb-page-size=4096",
                        "--innodb-data-file-path=ibdata1:12M:autoextend",
                        "--innodb-undo-tablespaces=3", "--loose-innodb_log_checksums=ON"}) {
    EXPECT_THAT(argv, Contains(std::string(a)));
  }
  EXPECT_THAT(argv, Not(Contains(HasSubstr("innodb_data_home_dir"))));
  EXPECT_THAT(argv, Not(Contains(HasSubstr("plugin"))));
}

TEST(ScratchServerTest, ArgvLoadsPluginsWhenNamed) {
  ScratchServerOptions o = Options("/s");
  o.cnf.plugin_dir = "/usr/lib/mysql/plugin/";
  o.cnf.plugin_load = "file_key_management=file_key_management";
  o.cnf.has_encryption_plugin = true;
  o.cnf.innodb_encrypt_log = true;
  o.cnf.innodb_encrypt_tables = "ON";
  const std::vector<std::string> argv = ScratchServerArgv(o);
  EXPECT_THAT(argv, Contains("--plugin-dir=/usr/lib/mysql/plugin/"));
  EXPECT_THAT(argv, Contains("--plugin-load-add=file_key_management=file_key_management"));
  EXPECT_THAT(argv, Contains("--innodb-encrypt-log=1"));
  EXPECT_THAT(argv, Contains("--innodb-encrypt-tables=ON"));
}

TEST(ScratchServerTest, ClassifiesStartFailures) {
  EXPECT_EQ(ClassifyStartFailure("[ERROR] mariadbd: unknown variable 'x=1'"),
            StartFailure::kEnvironment);
  EXPECT_EQ(ClassifyStartFailure("mariadbd: error while loading shared libraries: libz.so"),
            StartFailure::kEnvironment);
  EXPECT_EQ(ClassifyStartFailure("[ERROR] Can't start server: Bind on unix socket: Address "
                                 "already in use"),
            StartFailure::kEnvironment);
  EXPECT_EQ(ClassifyStartFailure("[ERROR] InnoDB: Database page corruption on disk\n"
                                 "[ERROR] Plugin 'InnoDB' init function returned error."),
            StartFailure::kData);
  EXPECT_EQ(ClassifyStartFailure(""), StartFailure::kData);
}

void WriteScript(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  chmod(path.c_str(), 0755);
}

TEST(ScratchServerTest, MissingBinaryIsUnavailable) {
  testing::TempDir dir;
  auto r = StartScratchServer(Options(dir.path()));
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("is not an executable file"));
}

TEST(ScratchServerTest, EnvironmentalExitIsUnavailable) {
  testing::TempDir dir;
  WriteScript(dir.Join("mariadbd"), "echo \"[ERROR] mariadbd: unknown variable 'foo=1'\" >&2; exit 7");
  auto r = StartScratchServer(Options(dir.path()));
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("exit status 7"));
  EXPECT_THAT(r.status().message(), HasSubstr("unknown variable 'foo=1'"));
}

TEST(ScratchServerTest, DataExitIsDataLossWithTheLogTail) {
  testing::TempDir dir;
  WriteScript(dir.Join("mariadbd"),
              "echo '[ERROR] InnoDB: Database page corruption on disk'; exit 1");
  auto r = StartScratchServer(Options(dir.path()));
  EXPECT_TRUE(absl::IsDataLoss(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("Database page corruption"));
}

TEST(ScratchServerTest, SilentServerTimesOutAndIsKilled) {
  testing::TempDir dir;
  WriteScript(dir.Join("mariadbd"), "exec sleep 60");
  ScratchServerOptions o = Options(dir.path());
  o.start_timeout = std::chrono::seconds(1);
  auto r = StartScratchServer(o);
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("did not answer within 1s"));
}

}  // namespace
}  // namespace tidemark::engine
