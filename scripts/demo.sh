#!/usr/bin/env bash
# The main job on an embedded default: installs and builds (scripts/setup.sh), starts a
# throwaway MariaDB 10.11 with sample tables in a temporary directory, inspects its datadir
# while it runs, stops it, and inspects again. Grows into backup -> prepare -> verify.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
work=$(mktemp -d /tmp/tidemark-demo.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "demo: starting a throwaway MariaDB in $work"
mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$work/data" \
  --auth-root-authentication-method=normal >"$work/install.log" 2>&1
mariadbd --no-defaults --user="$(id -un)" --datadir="$work/data" --socket="$work/sock" \
  --skip-networking --innodb-buffer-pool-size=128M --innodb-log-file-size=64M \
  >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 60); do
  mariadb --no-defaults --socket="$work/sock" -uroot -e 'select 1' >/dev/null 2>&1 && break
  sleep 0.5
done
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

echo "demo: tidemark inspect on the live datadir"
build/tools/tidemark inspect "$work/data"
echo "demo: stopping the server; tidemark inspect --json of one table"
sql -e "SHUTDOWN" || true
wait "$pid" 2>/dev/null || true
pid=""
build/tools/tidemark inspect --json "$work/data/shop/orders.ibd"
echo "demo: done"
