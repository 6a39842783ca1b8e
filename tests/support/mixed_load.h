// A small database of every kind of table a backup handles, and a write load on it, for the
// end-to-end tests of streams and encoded backups: database `s` with s.t (InnoDB, a secondary
// key, 20000 rows), s.z (InnoDB ROW_FORMAT=COMPRESSED), s.m (MyISAM) and s.a (Aria).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/support/test_server.h"

namespace tidemark::testing {

// Creates and fills the tables; `marker` starts the text of s.t, s.m and s.a rows (a string a
// test can look for, e.g. to show an encrypted stream holds no plaintext).
absl::Status CreateMixedTables(TestServer& server, std::string_view marker = "");

// One step of the load: updates and an upsert in s.t by primary key, an update in s.m, a few
// milliseconds apart, so pages change while they are copied and the redo copy has work.
absl::Status MixedTablesStep(SqlConnection& c, int64_t i);

// Runs `argv` (a tidemark command) while MixedTablesStep runs, starting half a second before
// and going on half a second after. Errors: the load's; Internal when the load made fewer than
// 10 steps or the command did not exit 0 (its output in the message). Prints the command's last
// "tidemark: " line and the steps made.
absl::StatusOr<CommandResult> RunUnderMixedLoad(TestServer& server,
                                                const std::vector<std::string>& argv);

}  // namespace tidemark::testing
