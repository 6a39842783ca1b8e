#!/usr/bin/env bash
# Creates (once) a MariaDB 10.11 datadir filled by sysbench, for the benchmarks, and leaves
# the server stopped. Reused when DIR/data already holds a finished dataset.
#   bench/make_sysbench_datadir.sh [DIR] [TABLES] [ROWS_PER_TABLE]
# Defaults: /var/tmp/tidemark-bench, 8 tables x 1,200,000 rows (about 2.3 GB of .ibd).
set -euo pipefail
dir=${1:-/var/tmp/tidemark-bench}
tables=${2:-8}
rows=${3:-1200000}
if [ -f "$dir/data/.sysbench-done" ]; then echo "$dir/data"; exit 0; fi
rm -rf "$dir"; mkdir -p "$dir"
user=$(id -un)
mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" \
  --auth-root-authentication-method=normal >"$dir/install.log" 2>&1
mariadbd --no-defaults --user="$user" --datadir="$dir/data" --socket="$dir/sock" \
  --skip-networking --innodb-buffer-pool-size=1G --innodb-log-file-size=512M \
  --innodb-flush-log-at-trx-commit=0 >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  mariadb --no-defaults --socket="$dir/sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
  sleep 0.5
done
mariadb --no-defaults --socket="$dir/sock" -uroot -e 'CREATE DATABASE sbtest'
sysbench oltp_read_write --db-driver=mysql --mysql-socket="$dir/sock" --mysql-user=root \
  --mysql-db=sbtest --tables="$tables" --table-size="$rows" --threads=2 prepare >"$dir/prepare.log"
mariadb --no-defaults --socket="$dir/sock" -uroot -e 'SHUTDOWN'
wait $pid || true
trap - EXIT
touch "$dir/data/.sysbench-done"
echo "$dir/data"
