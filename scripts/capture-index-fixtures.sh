#!/bin/bash
# Regenerates fixtures/apply/index/ (README.md there says what each file is): the byte-exact
# oracle for the index-page redo appliers (innodb/apply/index_page_apply.cc).
# A throw-away MariaDB 10.11 server with 4 KiB pages (--no-defaults, its own socket, no
# network) creates REDUNDANT, COMPACT and DYNAMIC tables with a secondary index, loads them
# and stops after a slow shutdown: its .ibd files are the "before" state. It is started
# again; at a noted LSN it runs inserts (ascending, descending, into freed space), deletes,
# size-changing updates, secondary-key updates, page and root splits and an instant ADD
# COLUMN, waits for purge and stops cleanly: its .ibd files are the "after" state.
# capture-index-fixtures.py cuts the log from the noted LSN to the shutdown LSN and the pages that
# changed. Usage: capture-index-fixtures.sh [OUT_DIR]. KEEP=1 keeps the work directory.
# Needs mariadbd, mariadb-install-db and mariadb (Debian package mariadb-server).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/fixtures/apply/index}
W=$(mktemp -d /tmp/tidemark-index-XXXXXX)
SERVER=

cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then kill "$SERVER"; wait "$SERVER" || true; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$W"; else echo "work directory kept: $W"; fi
}
trap cleanup EXIT

OPTS=(--no-defaults --user="$(id -un)" --datadir="$W/data" --innodb-page-size=4k
      --innodb-log-file-size=16M --innodb-buffer-pool-size=32M)

start_server() {
  mariadbd "${OPTS[@]}" --socket="$W/sock" --skip-networking --pid-file="$W/pid" \
    --log-error="$W/err.log" &
  SERVER=$!
  for _ in $(seq 300); do q "SELECT 1" > /dev/null 2>&1 && return; sleep 0.1; done
  echo "server did not start" >&2
  exit 1
}
# Slow shutdown (purge everything, flush every page), then wait for our pid only.
stop_server() {
  q "SET GLOBAL innodb_fast_shutdown = 0; SHUTDOWN" || true
  wait "$SERVER" || true
  SERVER=
}
q() { mariadb --no-defaults -uroot --socket="$W/sock" -D mysql -N -B -e "$1"; }
lsn() { q "SHOW ENGINE INNODB STATUS" | grep -o 'Log sequence number [0-9]*' | awk '{print $4}'; }

mariadb-install-db "${OPTS[@]}" --auth-root-authentication-method=normal > "$W/install.log"
start_server

# t_* are loaded before the snapshot; n_* start empty so that their root pages split
# (min-rec node pointers) during the captured DML.
schema=""
for fmt in REDUNDANT COMPACT DYNAMIC; do
  s=$(echo "$fmt" | tr 'A-Z' 'a-z' | cut -c1-3)
  schema+="CREATE TABLE ix.t_$s (id INT PRIMARY KEY, k INT NOT NULL, v VARCHAR(60),
             KEY (k)) ENGINE=InnoDB ROW_FORMAT=$fmt;
           INSERT INTO ix.t_$s SELECT seq * 10, seq % 37, REPEAT(CHAR(65 + seq % 26), seq % 40)
             FROM seq_1_to_150;
           CREATE TABLE ix.n_$s (id INT PRIMARY KEY, v VARCHAR(40)) ENGINE=InnoDB
             ROW_FORMAT=$fmt;"
done
q "CREATE DATABASE ix; $schema"
stop_server
cp -a "$W/data/ix" "$W/before"

start_server
start_lsn=$(lsn)
for s in red com dyn; do
  q "USE ix;
     INSERT INTO t_$s SELECT 1500 + seq * 10, seq % 11, REPEAT('r', 20) FROM seq_1_to_40;
     INSERT INTO t_$s SELECT 1000 - seq * 10 + 5, seq % 13, REPEAT('l', 10) FROM seq_1_to_30;
     DELETE FROM t_$s WHERE id % 30 = 0 AND id < 1000;
     SET GLOBAL innodb_max_purge_lag_wait = 0;
     INSERT INTO t_$s SELECT seq * 30, 5, REPEAT('u', 5) FROM seq_1_to_20;
     UPDATE t_$s SET v = REPEAT('w', 35) WHERE id % 70 = 0;
     UPDATE t_$s SET v = 'x' WHERE id % 110 = 0;
     UPDATE t_$s SET k = k + 100 WHERE id % 90 = 0;
     DELETE FROM t_$s WHERE id BETWEEN 400 AND 520;
     INSERT INTO n_$s SELECT seq, REPEAT('n', 30) FROM seq_1_to_200;
     DELETE FROM n_$s WHERE id % 3 = 0;"
done
q "ALTER TABLE ix.t_dyn ADD COLUMN c INT NOT NULL DEFAULT 7, ALGORITHM=INSTANT;
   INSERT INTO ix.t_dyn (id, k, v, c) SELECT 3000 + seq, seq, 'i', seq FROM seq_1_to_20;
   SET GLOBAL innodb_max_purge_lag_wait = 0;"
stop_server
end_lsn=$(grep -o 'Shutdown completed; log sequence number [0-9]*' "$W/err.log" | tail -1 | awk '{print $6}')

mkdir -p "$OUT"
python3 "$ROOT/scripts/capture-index-fixtures.py" "$W/before" "$W/data/ix" "$W/data/ib_logfile0" \
  "$start_lsn" "$end_lsn" "$OUT"
mariadbd --version
