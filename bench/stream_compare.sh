#!/usr/bin/env bash
# Times full backups streamed to a file on a >= 2 GB sysbench dataset:
#   plain       tidemark backup --stream xbstream
#   zstd+aes    tidemark backup --stream xbstream --compress --encrypt=AES256 (zstd level 1,
#               AES-256-GCM, in the copier threads)
#   peer        mariadb-backup --backup --stream=xbstream | zstd -1 | openssl enc -aes-256-ctr
#               (the pipeline operators run today at our level; zstd and openssl one thread each)
#   peer-zstd3  the same with `zstd` at its default level (3), as the pipeline is usually written
# Each stream goes through a pipe into `cat > FILE` on the same disk as the data, as a
# pipeline to `aws s3 cp -` or ssh would read it. Runs alternate, the page cache dropped before
# each where the machine allows it; no load on the server. Prints median times, MB/s of the
# dataset's files, stream sizes, peak RSS and the ratios.
#   bench/stream_compare.sh [DATADIR]   (default: bench/make_sysbench_datadir.sh's dataset)
# Environment: TIDEMARK (default build/tools/tidemark), REPS (3), PARALLEL (nproc),
#   PEER_ZSTD (zstd flags of the peer pipeline, default "-1"), SINK (a directory for the
#   streams; default: the work directory, next to the data).
# Goals (issue 6): zstd+aes throughput >= 0.8x plain (time <= 1.25x); zstd+aes <= 0.5x the
#   peer pipeline's time.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-$PWD/build/tools/tidemark}
data=${1:-$(bench/make_sysbench_datadir.sh)}
reps=${REPS:-3}
par=${PARALLEL:-$(nproc)}
peer_zstd=${PEER_ZSTD:--1}
work=$(mktemp -d /var/tmp/tidemark-streambench.XXXXXX)
sink=${SINK:-$work}
source bench/lib.sh
bench_tools zstd
cleanup() {
  stop_server
  rm -rf "$work" "$sink/stream.out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_server "$data" "$work"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
total=$(du -sb --exclude=ib_logfile0 "$data" | cut -f1)
mkdir -p "$work/mbtmp"
key=$work/key; openssl rand -hex 32 > "$key"; chmod 600 "$key"

runs="$work/runs"; : > "$runs"
# run NAME PIPELINE: one timed run of a shell pipeline writing the stream to stdout; appends
# "name seconds rss_kib stream_bytes" (RSS of the whole pipeline's largest process).
run() {
  local name=$1 pipeline=$2
  rm -f "$sink/stream.out"; drop
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" bash -o pipefail -c "$pipeline | cat > '$sink/stream.out'" \
    2>"$work/err" || { echo "$name failed:"; tail -20 "$work/err"; exit 1; }
  t1=$(date +%s.%N)
  echo "$name $(python3 -c "print($t1 - $t0)") $(tail -1 "$work/rss") $(stat -c %s "$sink/stream.out")" >> "$runs"
  cp "$work/err" "$work/last-$name.log"
}
conn="--socket $work/sock --user root"
for ((i = 0; i < reps; i++)); do
  run plain "'$tidemark' backup --stream xbstream $conn --parallel $par --no-sync"
  run zstd+aes "'$tidemark' backup --stream xbstream $conn --parallel $par --no-sync --compress --encrypt=AES256 --encrypt-key-file '$key'"
  run peer "mariadb-backup --backup --stream=xbstream --target-dir='$work/mbtmp' --socket='$work/sock' --user=root --parallel=$par 2>>'$work/mb.log' | zstd -q $peer_zstd -c | openssl enc -aes-256-ctr -pbkdf2 -pass 'file:$key'"
  run peer-zstd3 "mariadb-backup --backup --stream=xbstream --target-dir='$work/mbtmp' --socket='$work/sock' --user=root --parallel=$par 2>>'$work/mb.log' | zstd -q -c | openssl enc -aes-256-ctr -pbkdf2 -pass 'file:$key'"
done
# The streams are whole: the last tidemark one unpacks and verifies after decrypt+decompress.
check=$work/check; mkdir -p "$check"
"$tidemark" backup --stream xbstream $conn --parallel "$par" --no-sync --compress \
  --encrypt=AES256 --encrypt-key-file "$key" 2>/dev/null \
  | "$tidemark" extract -C "$check" --no-sync 2>/dev/null
"$tidemark" decrypt --target-dir "$check" --encrypt-key-file "$key" --remove-original >/dev/null 2>&1
"$tidemark" decompress --target-dir "$check" --remove-original >/dev/null 2>&1
verify=$("$tidemark" verify --target-dir "$check" 2>&1 | tail -1)
rm -rf "$check"

echo "load average (1/5/15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end, on $(nproc) CPUs"
echo "tidemark $("$tidemark" --version 2>&1 | head -1); $(mariadb-backup --version 2>&1 | head -1); $(zstd --version); $(openssl version)"
echo "--parallel $par for every run; page cache dropped before each run: $([ "$can_drop" = 1 ] && echo yes || echo NO); streams written to $sink"
echo "peer pipeline: mariadb-backup --stream=xbstream | zstd $peer_zstd | openssl enc -aes-256-ctr -pbkdf2"
echo "round trip of a zstd+aes stream (extract, decrypt, decompress, verify): $verify"
for name in plain zstd+aes; do
  echo "$name summary (last run): $(grep -h 'backup complete' "$work/last-$name.log" | tail -1)"
done
python3 - "$runs" "$total" <<'PY'
import statistics, sys
total = int(sys.argv[2])
res = {}
for l in open(sys.argv[1]):
    name, t, rss, size = l.split()
    res.setdefault(name, []).append((float(t), int(rss) / 1024, int(size)))
print(f"data {total/2**30:.2f} GiB (the datadir without ib_logfile0); MB/s below = data / time")
med = {}
for name in ("plain", "zstd+aes", "peer", "peer-zstd3"):
    runs = res[name]
    t = statistics.median(r[0] for r in runs); med[name] = t
    size = statistics.median(r[2] for r in runs)
    print(f"{name:10s} median {t:7.2f} s  {total/t/1e6:7.0f} MB/s  stream {size/2**20:8.1f} MiB "
          f"({size/total:.3f} of the data)  peak RSS {max(r[1] for r in runs):7.1f} MiB  "
          f"(runs: {' '.join(f'{r[0]:.2f}' for r in runs)})")
def ratio(a, b, what):
    paired = [x[0] / y[0] for x, y in zip(res[a], res[b])]
    print(f"{a} / {b} time: {med[a]/med[b]:.3f}x; per rep {' '.join(f'{r:.3f}' for r in paired)}, "
          f"median {statistics.median(paired):.3f}x  {what}")
ratio("zstd+aes", "plain", f"(throughput {med['plain']/med['zstd+aes']:.2f}x plain; goal >= 0.8x)")
ratio("zstd+aes", "peer", "(goal <= 0.5x; same zstd level)")
ratio("zstd+aes", "peer-zstd3", "(goal <= 0.5x; the peer pipeline with zstd's default level)")
PY
