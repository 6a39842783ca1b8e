// Where the server's redo log stands, as the backup's redo copier asks for it: the LSN
// InnoDB has generated (log_sys.get_lsn(), counting log still in its buffer) and the LSN up
// to which its ib_logfile0 is durable (log_sys.get_flushed_lsn()). The copier copies only
// durable log, because the block the server is still rewriting can be read torn or stale
// and parse as valid mini-transactions that are not the log (MDEV-39468); and it compares
// the generated LSN with its own position to detect an overrun.
#pragma once

#include "absl/status/statusor.h"
#include "engine/sql_session.h"
#include "innodb/base/types.h"

namespace tidemark::engine {

struct ServerLogPosition {
  Lsn current;  // Innodb_lsn_current, "Log sequence number" in SHOW ENGINE INNODB STATUS
  Lsn flushed;  // Innodb_lsn_flushed, "Log flushed up to": durable in ib_logfile0
  bool operator==(const ServerLogPosition&) const = default;
};

// The statement ReadServerLogPosition runs; it needs no privilege and is much cheaper than
// SHOW ENGINE INNODB STATUS (no lock on the transaction system, no report text).
inline constexpr char kServerLogPositionQuery[] =
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_lsn_current', 'Innodb_lsn_flushed')";

// Runs kServerLogPositionQuery on `session`. Errors: the session's; FailedPrecondition
// "server status has no Innodb_lsn_flushed" when a variable is missing (InnoDB not loaded)
// or "server status Innodb_lsn_current = 'x' is not a number".
absl::StatusOr<ServerLogPosition> ReadServerLogPosition(SqlSession& session);

// The position in a result of kServerLogPositionQuery (columns Variable_name, Value);
// exposed for tests. Errors as above.
absl::StatusOr<ServerLogPosition> ParseServerLogPosition(const SqlResult& result);

}  // namespace tidemark::engine
