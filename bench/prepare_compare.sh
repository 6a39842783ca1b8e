#!/usr/bin/env bash
# Times `tidemark prepare` against `mariadb-backup --prepare` on the same backup (>= 300 MB of
# redo from its checkpoint to its end), in alternating runs, each on a fresh copy of the raw
# backup with the page cache dropped first where the machine allows it. Both get the same
# --use-memory; one extra pair of runs uses mariadb-backup's default (100M). Prints median
# times, the ratio, peak RSS against --use-memory, and whether both results are equal
# (`tidemark compare`, once).
#   bench/prepare_compare.sh [DATADIR]   (default: bench/make_sysbench_datadir.sh's dataset)
# The raw backup is made once and reused from $WORK/raw: a copy of DATADIR is started,
# sysbench oltp_write_only runs against it while `mariadb-backup --backup --throttle=N` copies
# it slowly enough to collect the redo. Environment: REPS (3), MEMORY (1G), PARALLEL (nproc,
# tidemark's --parallel), THROTTLE (2: about 20 MB/s of data files, 2 small files/s), MIN_REDO_MB (300),
# WORK (/var/tmp/tidemark-prepbench), TIDEMARK (build/tools/tidemark), TABLE_SIZE (rows per
# sysbench table, 1200000). REPS=0 only makes the backup.
# Goal (issue 3): tidemark <= 0.7x mariadb-backup's time, peak RSS within --use-memory.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-$PWD/build/tools/tidemark}
reps=${REPS:-3}
mem=${MEMORY:-1G}
par=${PARALLEL:-$(nproc)}
throttle=${THROTTLE:-2}
min_redo_mb=${MIN_REDO_MB:-300}
work=${WORK:-/var/tmp/tidemark-prepbench}
raw=$work/raw
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
mkdir -p "$work"
pid="" sb=""
cleanup() {
  [ -n "$sb" ] && kill "$sb" 2>/dev/null && wait "$sb" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work/server" "$work/run" "$work/peer"
}
trap cleanup EXIT

checkpoints() { sed -n "s/^$1 = //p" "$2/xtrabackup_checkpoints"; }
# The checkpoint recovery starts at is in the copied log's head (checkpoint blocks at 4096 and
# 8192); xtrabackup_checkpoints' to_lsn is a later one.
log_checkpoint() {
  python3 -c 'import struct,sys; h=open(sys.argv[1],"rb").read(12288); print(max(struct.unpack(">Q",h[o:o+8])[0] for o in (4096,8192)))' "$1/ib_logfile0"
}
redo_bytes() { echo $(( $(checkpoints last_lsn "$1") - $(log_checkpoint "$1") )); }

# make_backup: a copy of the dataset under write load, backed up slowly.
make_backup() {
  local data; data=${1:-$(bench/make_sysbench_datadir.sh)}
  rm -rf "$work/server" "$raw"; mkdir -p "$work/server"
  cp -a --reflink=auto "$data" "$work/server/data"
  mariadbd --no-defaults --user="$(id -un)" --datadir="$work/server/data" \
    --socket="$work/server/sock" --skip-networking --innodb-buffer-pool-size=1G \
    --innodb-log-file-size=1G --innodb-flush-log-at-trx-commit=0 >"$work/server/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 240); do mariadb --no-defaults --socket="$work/server/sock" -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  local tables; tables=$(ls "$work/server/data/sbtest" | grep -c '^sbtest[0-9]*\.ibd$')
  sysbench oltp_write_only --db-driver=mysql --mysql-socket="$work/server/sock" --mysql-user=root \
    --mysql-db=sbtest --tables="$tables" --table-size="${TABLE_SIZE:-1200000}" --threads=4 --time=3600 --rand-type=uniform run \
    >"$work/server/sysbench.log" 2>&1 &
  sb=$!
  sleep 10
  mariadb-backup --backup --target-dir="$raw" --socket="$work/server/sock" --user=root \
    --throttle="$throttle" >"$work/server/backup.log" 2>&1
  kill "$sb"; wait "$sb" 2>/dev/null || true; sb=""
  mariadb --no-defaults --socket="$work/server/sock" -uroot -e 'SHUTDOWN'
  wait "$pid" || true; pid=""
  cp "$work/server/backup.log" "$work/server/sysbench.log" "$work/"
  rm -rf "$work/server"
  touch "$raw/.bench-done"
}

if [ ! -f "$raw/.bench-done" ]; then make_backup "${1:-}"; fi
redo=$(redo_bytes "$raw")
echo "raw backup $raw: $(du -sb "$raw" | cut -f1 | awk '{printf "%.2f GiB", $1/2^30}'), redo to apply $((redo >> 20)) MiB (checkpoint $(log_checkpoint "$raw") .. last_lsn $(checkpoints last_lsn "$raw"))"
if (( redo < min_redo_mb << 20 )); then
  echo "redo below ${min_redo_mb} MiB: remove $raw and rerun with a lower THROTTLE" >&2
  exit 1
fi
if ((reps == 0)); then exit 0; fi

can_drop=0; if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then can_drop=1; fi
drop() { if ((can_drop)); then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }
results=$work/results; : > "$results"
# run NAME DIR CMD...: a fresh copy of the raw backup in DIR, then one timed run of CMD.
run() {
  local name=$1 dir=$2; shift 2
  rm -rf "$dir"; cp -a --reflink=auto "$raw" "$dir"; drop
  local t0 t1 rss
  t0=$(date +%s.%N)
  if ! rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1); then
    echo "$name failed: $rss" >&2; exit 1
  fi
  t1=$(date +%s.%N)
  echo "$name $(awk "BEGIN{print $t1 - $t0}") $rss" >> "$results"
}
tm() { run "tidemark@$1" "$work/run" "$tidemark" prepare --target-dir "$work/run" --use-memory "$1" --parallel "$par" --progress json; }
mb() { run "mariadb-backup@$1" "$work/peer" mariadb-backup --prepare --target-dir="$work/peer" --use-memory="$1"; }

echo "cache drop: $([ $can_drop = 1 ] && echo yes || echo 'not allowed here'); --use-memory $mem for both; tidemark --parallel $par"
for ((i = 0; i < reps; i++)); do
  if ((i % 2 == 0)); then tm "$mem"; mb "$mem"; else mb "$mem"; tm "$mem"; fi
done
"$tidemark" compare "$work/run" "$work/peer" > "$work/compare.txt" && equal=yes || equal=NO
tm 100M; mb 100M

python3 - "$results" "$redo" "$mem" "$equal" "$(cat "$work/compare.txt")" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
redo = int(sys.argv[2]); mem = sys.argv[3]
def size(s):
    return int(float(s[:-1]) * {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[s[-1].upper()]) if s[-1].isalpha() else int(s)
runs = {}
for name, t, rss in rows:
    runs.setdefault(name, []).append((float(t), int(rss) * 1024))
med = {}
for name, rs in runs.items():
    t = statistics.median(r[0] for r in rs); med[name] = t
    budget = size(name.split("@")[1]); peak = max(r[1] for r in rs)
    print(f"{name:22s} median {t:7.2f} s  {redo/t/1e6:6.1f} MB/s of redo  peak RSS {peak/2**20:7.1f} MiB "
          f"({'within' if peak <= budget else 'OVER'} --use-memory {name.split('@')[1]})  "
          f"(runs: {' '.join(f'{r[0]:.2f}' for r in rs)})")
for m in sorted({n.split('@')[1] for n in med}):
    a, b = med.get(f"tidemark@{m}"), med.get(f"mariadb-backup@{m}")
    if a and b: print(f"tidemark / mariadb-backup at --use-memory {m}: {a/b:.2f}x (goal <= 0.7)")
print(f"results equal (tidemark compare, --use-memory {mem}): {sys.argv[4]}: {sys.argv[5]}")
PY
