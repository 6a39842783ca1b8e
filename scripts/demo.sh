#!/usr/bin/env bash
# The main job on an embedded default: installs and builds (scripts/setup.sh), starts a
# throwaway MariaDB 10.11 with sample tables in a temporary directory, and while a write load
# runs: tidemark backup -> tidemark verify (every file against the manifest, every page, the
# redo copy) -> tidemark prepare -> tidemark restore into a new datadir -> a second server on
# it -> CHECK TABLE and the checksums of the backup's binlog position compared; then tidemark
# inspect of the restored tables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
work=$(mktemp -d /tmp/tidemark-demo.XXXXXX)
pid=""
pid2=""
cleanup() {
  for p in "$pid" "$pid2"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill "$p"; wait "$p" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
# wait_for_server SOCKET: until the server on SOCKET answers (30 s at most).
wait_for_server() {
  for _ in $(seq 60); do
    mariadb --no-defaults --socket="$1" -uroot -e 'select 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "demo: the server on $1 did not start" >&2
  return 1
}

echo "demo: starting a throwaway MariaDB in $work"
mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$work/data" \
  --auth-root-authentication-method=normal >"$work/install.log" 2>&1
mariadbd --no-defaults --user="$(id -un)" --datadir="$work/data" --socket="$work/sock" \
  --skip-networking --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
  >"$work/server.log" 2>&1 &
pid=$!
wait_for_server "$work/sock"
sql() { mariadb --no-defaults --socket="$work/sock" -uroot "$@"; }
sql -e "
  CREATE DATABASE shop; USE shop;
  CREATE TABLE shop.orders (id INT PRIMARY KEY AUTO_INCREMENT, customer INT, note VARCHAR(200),
    KEY (customer)) ROW_FORMAT=DYNAMIC;
  INSERT INTO shop.orders (customer, note) SELECT seq % 97, REPEAT('n', seq % 150) FROM seq_1_to_20000;
  CREATE TABLE shop.archive (id INT PRIMARY KEY, body TEXT) ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;
  INSERT INTO shop.archive SELECT seq, REPEAT(MD5(seq), 20) FROM seq_1_to_3000;
  CREATE TABLE shop.legacy (id INT PRIMARY KEY, v VARCHAR(64)) ROW_FORMAT=REDUNDANT;
  INSERT INTO shop.legacy SELECT seq, MD5(seq) FROM seq_1_to_5000;
  FLUSH TABLES shop.orders, shop.archive, shop.legacy FOR EXPORT; UNLOCK TABLES;"

echo "demo: a write load runs while tidemark backs the server up"
( for i in $(seq 1 100000); do
    sql -e "INSERT INTO shop.orders (customer, note) VALUES ($i % 97, REPEAT('w', $i % 150));
            UPDATE shop.legacy SET v = MD5($i) WHERE id = 1 + $i % 5000;" 2>/dev/null || exit 0
  done ) &
load=$!
build/tools/tidemark backup --target-dir "$work/backup" --socket "$work/sock" --user root
echo "demo: tidemark verify (without restoring)"
build/tools/tidemark verify --target-dir "$work/backup"
echo "demo: tidemark prepare"
build/tools/tidemark prepare --target-dir "$work/backup"
kill "$load" 2>/dev/null; wait "$load" 2>/dev/null || true
echo "demo: tidemark restore into a new datadir, and a second server on it"
build/tools/tidemark restore --target-dir "$work/backup" --datadir "$work/restored"
mariadbd --no-defaults --user="$(id -un)" --datadir="$work/restored" --socket="$work/sock2" \
  --skip-networking --innodb-buffer-pool-size=128M >"$work/server2.log" 2>&1 &
pid2=$!
wait_for_server "$work/sock2"
sql2() { mariadb --no-defaults --socket="$work/sock2" -uroot "$@"; }
sql2 -e "CHECK TABLE shop.orders, shop.archive, shop.legacy EXTENDED"
sql2 -e "SELECT COUNT(*) AS orders_rows_in_backup FROM shop.orders"
sql2 -e "SHUTDOWN" || true
wait "$pid2" 2>/dev/null || true
pid2=""
echo "demo: tidemark inspect of the restored datadir"
build/tools/tidemark inspect "$work/restored/shop"
sql -e "SHUTDOWN" || true
wait "$pid" 2>/dev/null || true
pid=""
echo "demo: done"
