#!/usr/bin/env bash
# Times `tidemark inspect` against `innochecksum` and a plain read (cat to /dev/null) of the
# same files, on a >= 2 GB sysbench datadir, cold cache (dropped before each run, where the
# machine allows it) and warm, in one run. Prints MB/s, ratios and peak RSS.
#   bench/inspect_compare.sh [DATADIR]     (default: made by bench/make_sysbench_datadir.sh)
# Goals (issue 2): inspect >= 80% of the plain read over the datadir (files in parallel),
# never slower than innochecksum on a single file, peak RSS <= 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
tidemark=${TIDEMARK:-build/tools/tidemark}
data=${1:-$(bench/make_sysbench_datadir.sh)}
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
par=$(nproc)
mapfile -t files < <(find "$data" -name '*.ibd' -o -name 'ibdata*' | sort)
big=$(ls -S "${files[@]}" | head -1)
total=$(du -cb "${files[@]}" | tail -1 | cut -f1)
bigsize=$(stat -c %s "$big")

can_drop=0
if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then can_drop=1; fi
drop() { if ((can_drop)); then sync; echo 3 > /proc/sys/vm/drop_caches; fi; }

# run NAME BYTES CMD...: prints seconds, MB/s and peak RSS of CMD.
run() {
  local name=$1 bytes=$2; shift 2
  local t0 t1 rss
  t0=$(date +%s.%N)
  rss=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
  t1=$(date +%s.%N)
  awk -v n="$name" -v b="$bytes" -v a="$t0" -v z="$t1" -v r="$rss" \
    'BEGIN { s = z - a; printf "%-34s %8.2f s %9.0f MB/s  rss %7.1f MiB\n", n, s, b / s / 1e6, r / 1024 }'
}

echo "datadir $data: ${#files[@]} tablespaces, $((total / 1048576)) MiB; largest $big $((bigsize / 1048576)) MiB"
echo "parallel $par; page cache drop: $([ $can_drop = 1 ] && echo yes || echo 'not allowed here (cold = warm)')"
for cache in cold warm; do
  echo "--- $cache cache"
  [ $cache = cold ] && drop; run "cat, files in parallel" "$total" \
    sh -c "printf '%s\n' \"\$@\" | xargs -P $par -n 1 cat > /dev/null" _ "${files[@]}"
  [ $cache = cold ] && drop; run "tidemark inspect (datadir)" "$total" \
    "$tidemark" inspect --parallel "$par" "$data"
  [ $cache = cold ] && drop; run "tidemark inspect --buffered" "$total" \
    "$tidemark" inspect --buffered --parallel "$par" "$data"
  [ $cache = cold ] && drop; run "cat (largest file)" "$bigsize" cat "$big"
  [ $cache = cold ] && drop; run "tidemark inspect (largest file)" "$bigsize" "$tidemark" inspect "$big"
  [ $cache = cold ] && drop; run "innochecksum (largest file)" "$bigsize" innochecksum "$big"
  [ $cache = cold ] && drop; run "innochecksum -S (largest file)" "$bigsize" innochecksum -S "$big"
done
