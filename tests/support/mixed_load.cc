// The mixed tables and their load (see header).
#include "tests/support/mixed_load.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/str_format.h"
#include "innodb/base/status.h"
#include "tests/support/restore_check.h"
#include "tests/support/sql_loop.h"

namespace tidemark::testing {

absl::Status CreateMixedTables(TestServer& server, std::string_view marker) {
  return server.Query(absl::StrFormat(
      "CREATE DATABASE s;"
      "CREATE TABLE s.t (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(200), KEY (k)) "
      "ENGINE=InnoDB;"
      "INSERT INTO s.t SELECT seq, seq %% 97, CONCAT('%s', seq, REPEAT('v', 100)) FROM "
      "s.seq_1_to_20000;"
      "CREATE TABLE s.z (id INT PRIMARY KEY, b BLOB) ENGINE=InnoDB ROW_FORMAT=COMPRESSED;"
      "INSERT INTO s.z SELECT seq, REPEAT(MD5(seq), 40) FROM s.seq_1_to_500;"
      "CREATE TABLE s.m (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=MyISAM;"
      "INSERT INTO s.m SELECT seq, CONCAT('%s', seq) FROM s.seq_1_to_1000;"
      "CREATE TABLE s.a (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=Aria;"
      "INSERT INTO s.a SELECT seq, CONCAT('%s', seq) FROM s.seq_1_to_1000",
      marker, marker, marker));
}

absl::Status MixedTablesStep(SqlConnection& c, int64_t i) {
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  return c.Query(absl::StrFormat(
      "UPDATE s.t SET k = k + 1, v = CONCAT(v, 'x') WHERE id BETWEEN %1$d AND %1$d + 30;"
      "INSERT INTO s.t VALUES (100000 + %2$d, %2$d, 'new') ON DUPLICATE KEY UPDATE k = k + 1;"
      "UPDATE s.m SET v = CONCAT('m', %2$d) WHERE id = %3$d",
      1 + i * 53 % 19000, i, 1 + i % 1000));
}

absl::StatusOr<CommandResult> RunUnderMixedLoad(TestServer& server,
                                                const std::vector<std::string>& argv) {
  TM_ASSIGN_OR_RETURN(auto load, StartLoop(server, MixedTablesStep));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  TM_ASSIGN_OR_RETURN(CommandResult r, RunCommand(argv, {.timeout = std::chrono::minutes(5)}));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // writes after the command
  TM_RETURN_IF_ERROR(load->Stop());
  if (load->iterations() < 10) {
    return absl::InternalError(absl::StrFormat("the load ran only %d steps", load->iterations()));
  }
  if (r.exit_code != 0) return absl::InternalError(r.Describe());
  const size_t summary = r.err.rfind("tidemark: ");
  std::printf("[tidemark] %s; load %lld steps\n",
              summary == std::string::npos
                  ? ""
                  : r.err.substr(summary, r.err.find('\n', summary) - summary).c_str(),
              static_cast<long long>(load->iterations()));
  return r;
}

}  // namespace tidemark::testing
