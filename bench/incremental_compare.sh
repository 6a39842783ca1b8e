#!/usr/bin/env bash
# Times incremental backups on a >= 2 GB sysbench dataset with about 1% of its pages changed:
# tidemark's scan mode against mariadb-backup's incremental (same base, same --parallel), and
# tidemark's redo mode (pages named by a `tidemark redo-follow` tracking directory) against a
# tidemark full backup. Runs alternate, the page cache dropped before each where the machine
# allows it. No load runs during the timed runs: the changes are made once, before them, then
# purged, flushed and checkpointed, so every incremental of the same base sees the same changed
# pages. Prints median times, MB/s (of the dataset's InnoDB files), peak RSS, the pages each
# incremental read and wrote, and the ratios.
#   bench/incremental_compare.sh [DATADIR]   (default: bench/make_sysbench_datadir.sh's dataset)
# Environment: TIDEMARK (default build/tools/tidemark), REPS (3), PARALLEL (nproc),
#   CHANGE_PCT (1.0: the share of pages to change), EVENTS (sysbench updates; default derived
#   from CHANGE_PCT), REDO (auto: run the redo mode when this tidemark has it; 0 or 1).
# Goals (issue): scan <= 0.6x mariadb-backup's incremental; redo <= 0.1x the full backup.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-$PWD/build/tools/tidemark}
data=${1:-$(bench/make_sysbench_datadir.sh)}
reps=${REPS:-3}
par=${PARALLEL:-$(nproc)}
change_pct=${CHANGE_PCT:-1.0}
redo=${REDO:-auto}
if [ "$redo" = auto ]; then
  redo=0; "$tidemark" backup --help 2>&1 | grep -q -- '--page-tracking-dir' && redo=1
fi
work=$(mktemp -d /var/tmp/tidemark-incbench.XXXXXX)
source bench/lib.sh
bench_tools
follower=""
cleanup() {
  [ -n "$follower" ] && kill "$follower" 2>/dev/null && wait "$follower" 2>/dev/null
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_server "$data" "$work"
q() { mariadb --no-defaults --socket="$work/sock" -uroot -N -B -e "$1"; }
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
mapfile -t files < <(find "$data" -name '*.ibd' -o -name 'ibdata*' -o -name 'undo[0-9]*' | sort)
total=$(du -cb "${files[@]}" | tail -1 | cut -f1)
tables=$(find "$data/sbtest" -name 'sbtest*.ibd' | wc -l)
rows=$(q 'SELECT MAX(id) FROM sbtest.sbtest1')

# The follower runs from the start, so that its page sets cover the base backup's LSN.
if ((redo)); then
  "$tidemark" redo-follow --tracking-dir "$work/track" --socket "$work/sock" --user root \
    --interval 0.1 --file-seconds 5 2>"$work/follow.log" &
  follower=$!
  sleep 1
fi

# The base: a tidemark full backup, before any change.
"$tidemark" backup --target-dir "$work/base" --socket "$work/sock" --user root --parallel "$par" \
  2>"$work/base.log" || { echo "base backup failed:"; tail -20 "$work/base.log"; exit 1; }

# About CHANGE_PCT% of the pages changed: uniformly random single-row updates of a non-indexed
# column touch one clustered-index leaf page each (a leaf holds ~60 sbtest rows, so collisions
# are rare at 1%), plus undo pages: measured ~1.22 changed pages per update on the default
# dataset (1220 updates, 1485-1490 pages), hence the 0.78.
events=${EVENTS:-$(python3 -c "print(round($total / 16384 * $change_pct / 100 * 0.78))")}
sysbench oltp_update_non_index --db-driver=mysql --mysql-socket="$work/sock" --mysql-user=root \
  --mysql-db=sbtest --tables="$tables" --table-size="$rows" --threads=2 --rand-type=uniform \
  --events="$events" --time=0 run > "$work/sysbench.log" 2>&1
# Purge, flush every dirty page and checkpoint, then wait for the server to be idle.
q 'SET GLOBAL innodb_max_dirty_pages_pct_lwm=0, GLOBAL innodb_max_dirty_pages_pct=0'
for _ in $(seq 600); do
  hist=$(q "SELECT count FROM information_schema.INNODB_METRICS WHERE name='trx_rseg_history_len'")
  dirty=$(q "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2)
  [ "${hist:-0}" = 0 ] && [ "$dirty" = 0 ] && break
  sleep 0.5
done
q 'SET GLOBAL innodb_log_checkpoint_now=ON' 2>/dev/null || true  # debug builds only
sleep 5
echo "dirty pages before the timed runs: $(q "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2)," \
  "history length: $(q "SELECT count FROM information_schema.INNODB_METRICS WHERE name='trx_rseg_history_len'")" > "$work/state"

# Pages in the .delta files of an incremental (mariadb-backup's format: header pages "xtra",
# the last "XTRA", each a list of page numbers ended by 0xFFFFFFFF, then those pages).
count_delta() {
  python3 - "$1" <<'PY'
import os, sys
n = 0
for root, _, names in os.walk(sys.argv[1]):
    for name in names:
        if not name.endswith(".delta"): continue
        ps = 16384
        meta = os.path.join(root, name[:-6] + ".meta")
        if os.path.exists(meta):
            for l in open(meta):
                if l.startswith("page_size"): ps = int(l.split("=")[1])
        with open(os.path.join(root, name), "rb") as f:
            while True:
                hdr = f.read(ps)
                if len(hdr) < ps or hdr[:4] not in (b"xtra", b"XTRA"): break
                k = 0
                while k + 1 < ps // 4 and hdr[4 * (k + 1):4 * (k + 2)] != b"\xff\xff\xff\xff": k += 1
                n += k
                f.seek(k * ps, 1)
                if hdr[:4] == b"XTRA": break
print(n)
PY
}

runs="$work/runs"; : > "$runs"
# run NAME CMD...: one timed run; appends "name seconds rss_kib pages_listed pages_read
# pages_changed delta_pages" to the runs file (pages_* from tidemark's summary line: "(scan
# mode): C of R pages changed" or "(redo mode, L pages listed): R pages read, C changed";
# - where a tool does not say).
run() {
  local name=$1; shift
  rm -rf "$work/target"; drop
  local t0 t1 line listed=- read=- changed=- delta=-
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$@" >"$work/out" 2>"$work/err" \
    || { echo "$name failed:"; tail -20 "$work/err"; exit 1; }
  t1=$(date +%s.%N)
  line=$(grep -h 'backup complete' "$work/err" "$work/out" | tail -1 || true)
  if [[ $line =~ ([0-9]+)\ pages\ listed\):\ ([0-9]+)\ pages\ read,\ ([0-9]+)\ changed ]]; then
    listed=${BASH_REMATCH[1]}; read=${BASH_REMATCH[2]}; changed=${BASH_REMATCH[3]}
  elif [[ $line =~ ([0-9]+)\ of\ ([0-9]+)\ pages\ changed ]]; then
    changed=${BASH_REMATCH[1]}; read=${BASH_REMATCH[2]}
  fi
  [ "$name" = full ] || delta=$(count_delta "$work/target")
  echo "$name $(python3 -c "print($t1 - $t0)") $(tail -1 "$work/rss") $listed $read $changed $delta" >> "$runs"
  cp "$work/err" "$work/last-$name.log"
}
for ((i = 0; i < reps; i++)); do
  run scan "$tidemark" backup --target-dir "$work/target" --socket "$work/sock" --user root \
    --parallel "$par" --incremental-basedir "$work/base" --incremental-mode scan
  run mariadb-backup mariadb-backup --backup --target-dir="$work/target" --socket="$work/sock" \
    --user=root --parallel="$par" --incremental-basedir="$work/base"
  if ((redo)); then
    run redo "$tidemark" backup --target-dir "$work/target" --socket "$work/sock" --user root \
      --parallel "$par" --incremental-basedir "$work/base" --incremental-mode redo \
      --page-tracking-dir "$work/track"
  fi
  run full "$tidemark" backup --target-dir "$work/target" --socket "$work/sock" --user root \
    --parallel "$par"
done

echo "load average (1/5/15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end, on $(nproc) CPUs"
echo "tidemark $("$tidemark" --version 2>&1 | head -1); $(mariadb-backup --version 2>&1 | head -1)"
echo "--parallel $par for every run; page cache dropped before each run: $([ "$can_drop" = 1 ] && echo yes || echo NO)"
echo "changes: sysbench oltp_update_non_index, $events uniformly random updates on $tables tables" \
  "x $rows rows, made before the timed runs; no load during them; $(cat "$work/state")"
for name in scan redo; do
  [ -f "$work/last-$name.log" ] && echo "$name summary (last run): $(grep -h 'backup complete' "$work/last-$name.log" | tail -1)"
done
if ((redo)); then
  echo "redo-follow (--interval 0.1 --file-seconds 5, running since before the base):" \
    "$(kill -0 "$follower" 2>/dev/null && echo running || echo STOPPED)," \
    "$(find "$work/track" -name '*.pageset' | wc -l) page-set files"
fi
((redo)) || echo "redo mode: not available in this tidemark (no --page-tracking-dir), not run"
python3 - "$runs" "$total" <<'PY'
import statistics, sys
total = int(sys.argv[2]); pages = total // 16384
res = {}
for l in open(sys.argv[1]):
    name, t, rss, ls, rd, ch, delta = l.split()
    res.setdefault(name, []).append((float(t), int(rss) / 1024, rd, ch, delta, ls))
print(f"data {total/2**30:.2f} GiB of InnoDB files ({pages} pages of 16 KiB); MB/s below = data / time")
med = {}
for name in ("scan", "mariadb-backup", "redo", "full"):
    if name not in res: continue
    runs = res[name]
    t = statistics.median(r[0] for r in runs); med[name] = t
    print(f"{name:15s} median {t:7.2f} s  {total/t/1e6:7.0f} MB/s  peak RSS {max(r[1] for r in runs):7.1f} MiB  "
          f"(runs: {' '.join(f'{r[0]:.2f}' for r in runs)})")
for name in ("scan", "mariadb-backup", "redo"):
    if name not in res: continue
    rd = {r[2] for r in res[name]}; ch = {r[3] for r in res[name]}; de = {r[4] for r in res[name]}
    ls = {r[5] for r in res[name]}
    pct = " ".join(f"{int(d)/pages*100:.2f}%" for d in sorted(de, key=int))
    listed = f"listed {'/'.join(sorted(ls))}, " if ls != {"-"} else ""
    print(f"{name:15s} pages {listed}read {'/'.join(sorted(rd))}, changed {'/'.join(sorted(ch))}, "
          f"in the .delta files {'/'.join(sorted(de, key=int))} ({pct} of the pages)")
# The ratio of the medians, and the median of the ratios within each rep (the runs of a rep are
# back to back, so this one is less sensitive to other work on the machine drifting over time).
def ratio(a, b, goal):
    if a in med and b in med:
        g = f" (goal <= {goal})" if goal else ""
        paired = [x[0] / y[0] for x, y in zip(res[a], res[b])]
        print(f"{a} / {b}: {med[a]/med[b]:.3f}x{g}; per rep {' '.join(f'{r:.3f}' for r in paired)}, "
              f"median {statistics.median(paired):.3f}x")
if "scan" in res and "redo" in res:
    sc = {r[3] for r in res["scan"]} | {r[4] for r in res["scan"]}
    rc = {r[3] for r in res["redo"]} | {r[4] for r in res["redo"]}
    print(f"changed pages, scan vs redo: {'the same' if sc == rc and len(sc) == 1 else 'DIFFERENT'} "
          f"(scan {'/'.join(sorted(sc))}, redo {'/'.join(sorted(rc))})")
ratio("scan", "mariadb-backup", 0.6)
ratio("redo", "full", 0.1)
ratio("redo", "scan", None)
ratio("scan", "full", None)
PY
