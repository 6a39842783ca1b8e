#!/usr/bin/env bash
# Creates a small MariaDB datadir with a few sample tables (several row formats, off-page
# TEXT, page compression, encryption) for demos and manual testing, e.g. the README's
#   scripts/make-sample-datadir.sh /tmp/tidemark-sample && tidemark inspect /tmp/tidemark-sample/data
# A throwaway server (no network, own socket) fills it and is then shut down cleanly, by its
# pid only. DIR must be absent or empty. Needs mariadb-server (mariadbd, mariadb-install-db).
set -euo pipefail

usage() {
  echo "usage: $0 DIR [--page-size 4k|8k|16k|32k|64k] [--rows N]" >&2
  exit 2
}

dir=""
page_size="16k"
rows=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --page-size) page_size="${2:?}"; shift 2 ;;
    --rows) rows="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [ -z "$dir" ] || usage; dir="$1"; shift ;;
  esac
done
[ -n "$dir" ] || usage
case "$page_size" in 4k|8k|16k|32k|64k) ;; *) usage ;; esac

find_program() {
  local p
  for p in $(command -v "$1" 2>/dev/null) /usr/local/sbin/"$1" /usr/sbin/"$1" /sbin/"$1"; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  echo "error: $1 not found (install mariadb-server)" >&2
  exit 1
}
mariadbd=$(find_program mariadbd)
install_db=$(find_program mariadb-install-db)
client=$(find_program mariadb)

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -n "$(ls -A "$dir")" ]; then
  echo "error: '$dir' is not empty" >&2
  exit 1
fi
data="$dir/data"
# sun_path is 108 bytes: keep the socket in a short directory of its own.
sock_dir=$(mktemp -d /tmp/tm-sample-sock.XXXXXX)
sock="$sock_dir/sock"
user=$(id -un)
printf '1;%s\n' 4a8e3b0f6c1d2e9a7b5c3d1e0f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6 > "$dir/keys.txt"

pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$sock_dir"
}
trap cleanup EXIT

"$install_db" --no-defaults --datadir="$data" --user="$user" --skip-test-db \
  --auth-root-authentication-method=normal --innodb-page-size="$page_size" \
  > "$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }

"$mariadbd" --no-defaults --user="$user" --datadir="$data" --socket="$sock" \
  --skip-networking --log-bin="$data/binlog" --server-id=1 --binlog-format=ROW \
  --innodb-page-size="$page_size" --innodb-buffer-pool-size=128M \
  --innodb-log-file-size=16M --plugin-load-add=file_key_management \
  --file-key-management-filename="$dir/keys.txt" --innodb-compression-algorithm=zlib \
  > "$dir/mariadbd.log" 2>&1 &
pid=$!

sql() { "$client" --no-defaults --socket="$sock" -uroot "$@"; }
for _ in $(seq 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "error: mariadbd exited while starting:" >&2
    tail -n 20 "$dir/mariadbd.log" >&2
    exit 1
  fi
  if sql -e 'SELECT 1' > /dev/null 2>&1; then break; fi
  sleep 0.1
done

# ROW_FORMAT=COMPRESSED exists only up to 16k pages.
zip_format="ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8"
case "$page_size" in 4k) zip_format="ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=4" ;;
  32k|64k) zip_format="ROW_FORMAT=DYNAMIC" ;; esac

sql <<SQL
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200),
  KEY (name)) ROW_FORMAT=DYNAMIC;
INSERT INTO customers SELECT seq, CONCAT('customer ', seq), CONCAT(MD5(seq), '@example.com')
  FROM seq_1_to_${rows};
CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2),
  placed DATETIME, KEY (customer_id), KEY (placed)) ROW_FORMAT=COMPACT;
INSERT INTO orders SELECT seq, 1 + seq * 7 % ${rows}, seq % 997 / 10,
  '2024-01-01' + INTERVAL seq MINUTE FROM seq_1_to_$((rows * 3));
CREATE TABLE documents (id INT PRIMARY KEY, body MEDIUMTEXT) ROW_FORMAT=REDUNDANT;
INSERT INTO documents SELECT seq, REPEAT(MD5(seq), 1 + seq % 700) FROM seq_1_to_$((rows / 4));
CREATE TABLE archive (id INT PRIMARY KEY, note TEXT) ${zip_format};
INSERT INTO archive SELECT seq, REPEAT(CONCAT('archived ', seq, ' '), 40) FROM seq_1_to_${rows};
CREATE TABLE events (id INT PRIMARY KEY, payload TEXT) PAGE_COMPRESSED=1;
INSERT INTO events SELECT seq, REPEAT('event ', 50) FROM seq_1_to_${rows};
CREATE TABLE secrets (id INT PRIMARY KEY, secret VARCHAR(64)) ENCRYPTED=YES;
INSERT INTO secrets SELECT seq, SHA2(seq, 256) FROM seq_1_to_${rows};
DELETE FROM orders WHERE id % 5 = 0;
SET GLOBAL innodb_max_purge_lag_wait=0;
SQL

sql -e 'SHUTDOWN'
wait "$pid" || { echo "error: mariadbd did not stop cleanly" >&2; exit 1; }
pid=""
echo "sample datadir: $data (key file $dir/keys.txt)"
