#!/usr/bin/env bash
# Times `tidemark backup` against `mariadb-backup --backup` at the same --parallel and against
# a plain parallel copy of the same files, in alternating runs on a >= 2 GB sysbench dataset,
# with the page cache dropped before each run where the machine allows it. A sysbench
# oltp_read_write load runs throughout; its per-second TPS inside each backup window is
# compared with the TPS outside any backup. Prints median times, ratios and peak RSS.
#   bench/backup_compare.sh [DATADIR]   (default: bench/make_sysbench_datadir.sh's dataset)
# Goals (issue 3): <= 0.5x mariadb-backup's time, <= 1.2x the plain copy, RSS <= 128 MiB,
# TPS during the backup >= 90% of baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-$PWD/build/tools/tidemark}
data=${1:-$(bench/make_sysbench_datadir.sh)}
reps=${REPS:-3}
par=${PARALLEL:-$(nproc)}
work=$(mktemp -d /var/tmp/tidemark-bkbench.XXXXXX)
source bench/lib.sh
bench_tools
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
start_server "$data" "$work"
mapfile -t files < <(find "$data" -name '*.ibd' -o -name 'ibdata*' | sort)
total=$(du -cb "${files[@]}" | tail -1 | cut -f1)

windows="$work/windows"; : > "$windows"
# backup NAME CMD...: one timed run; appends "name start end rss" to the windows file.
backup() {
  local name=$1; shift
  rm -rf "$work/target"; drop
  local t0 t1 rss
  t0=$(date +%s.%N)
  rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
  t1=$(date +%s.%N)
  echo "$name $t0 $t1 $rss" >> "$windows"
  sleep 3  # a gap of baseline load between runs
}
printf '%s\n' "${files[@]}" > "$work/files"
# The same files copied by cp, $par at a time, then synced (the backups sync their files too).
plain_copy() { mkdir -p "$work/target" && xargs -P "$par" -I{} cp {} "$work/target/" < "$work/files" && sync -f "$work/target"; }
export -f plain_copy; export work par

variants=3
for v in "${BUFFERED:-}" "${IONICE:-}" "${THROTTLE:-}"; do [ -n "$v" ] && variants=$((variants + 1)); done
duration=$(( reps * variants * 60 + 30 ))
sysbench oltp_read_write --db-driver=mysql --mysql-socket="$work/sock" --mysql-user=root \
  --mysql-db=sbtest --tables=8 --table-size=1200000 --threads=2 --time="$duration" \
  --report-interval=1 run > "$work/sysbench.log" 2>&1 &
sb=$!
sb_start=$(date +%s.%N)
sleep 10
for ((i = 0; i < reps; i++)); do
  backup tidemark "$tidemark" backup --target-dir "$work/target" --socket "$work/sock" --user root --parallel "$par"
  # Optional variants, to see what trades speed for the load's TPS:
  #   BUFFERED=1 (page cache + DONTNEED), IONICE=1 (idle I/O class), THROTTLE=MB/s.
  if [ -n "${BUFFERED:-}" ]; then
    backup tidemark-buffered "$tidemark" backup --buffered --target-dir "$work/target" --socket "$work/sock" --user root --parallel "$par"
  fi
  if [ -n "${IONICE:-}" ]; then
    backup tidemark-ionice ionice -c 3 "$tidemark" backup --target-dir "$work/target" --socket "$work/sock" --user root --parallel "$par"
  fi
  if [ -n "${THROTTLE:-}" ]; then
    backup "tidemark-throttle$THROTTLE" "$tidemark" backup --throttle "$THROTTLE" --target-dir "$work/target" --socket "$work/sock" --user root --parallel "$par"
  fi
  backup mariadb-backup mariadb-backup --backup --target-dir="$work/target" --socket="$work/sock" --user=root --parallel="$par"
  backup plain-copy bash -c plain_copy
done
kill "$sb" 2>/dev/null || true; wait "$sb" 2>/dev/null || true

python3 - "$windows" "$work/sysbench.log" "$sb_start" "$total" <<'PY'
import re, statistics, sys
windows = [l.split() for l in open(sys.argv[1])]
start = float(sys.argv[3]); total = int(sys.argv[4])
tps = {}
for l in open(sys.argv[2]):
    m = re.match(r"\[ (\d+)s \].*? tps: ([\d.]+)", l)
    if m: tps[int(m.group(1))] = float(m.group(2))
def inside(sec):
    t = start + sec
    return any(float(a) - 1 <= t <= float(b) + 1 for _, a, b, _ in windows)
base = [v for s, v in tps.items() if not inside(s)]
baseline = statistics.median(base) if base else float("nan")
print(f"data {total/2**30:.2f} GiB; baseline sysbench TPS (median, outside backups) {baseline:.0f}")
res = {}
for name, a, b, rss in windows:
    during = [v for s, v in tps.items() if float(a) <= start + s <= float(b)]
    res.setdefault(name, []).append((float(b) - float(a), int(rss) / 1024, statistics.mean(during) if during else float("nan")))
med = {}
for name, runs in res.items():
    t = statistics.median(r[0] for r in runs); med[name] = t
    print(f"{name:15s} median {t:7.2f} s  {total/t/1e6:7.0f} MB/s  peak RSS {max(r[1] for r in runs):7.1f} MiB  "
          f"TPS during {statistics.median(r[2] for r in runs)/baseline*100:5.1f}% of baseline  (runs: {' '.join(f'{r[0]:.2f}' for r in runs)})")
if "tidemark" in med:
    print(f"tidemark / mariadb-backup: {med['tidemark']/med.get('mariadb-backup', float('nan')):.2f}x (goal <= 0.5)")
    print(f"tidemark / plain copy:     {med['tidemark']/med.get('plain-copy', float('nan')):.2f}x (goal <= 1.2)")
PY
