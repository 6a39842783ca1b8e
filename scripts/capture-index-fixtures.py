#!/usr/bin/env python3
"""Cuts the index-page redo oracle out of a capture (scripts/capture-index-fixtures.sh).

usage: capture-index-fixtures.py BEFORE_DIR AFTER_DIR IB_LOGFILE0 START_LSN END_LSN OUT_DIR

BEFORE_DIR and AFTER_DIR hold the database's .ibd files at the two clean shutdowns.
Writes, all integers big-endian:
  OUT_DIR/index.txt    "key value" lines: page_size, start_lsn, end_lsn, log_first_lsn,
                       log_file_size, then "file NAME space ID pages N" per tablespace.
  OUT_DIR/index.log    the logical redo bytes for LSNs [start_lsn, end_lsn).
  OUT_DIR/index.pages  per index page that differs between the two states: space u32, page u32,
                       the before image (zeros past the old end of the file), the after image.
"""
import os
import sys

START = 12288
PAGE_SIZE = 4096


def be(data, off, n):
    return int.from_bytes(data[off:off + n], "big")


def cut_log(path, start, end):
    log = open(path, "rb").read()
    first_lsn = be(log, 8, 8)
    capacity = len(log) - START
    assert end - start <= capacity, "log region larger than the file"
    out = bytearray()
    lsn = start
    while lsn < end:
        off = START + (lsn - first_lsn) % capacity
        n = min(end - lsn, len(log) - off)
        out += log[off:off + n]
        lsn += n
    return bytes(out), first_lsn, len(log)


def main():
    before_dir, after_dir, log_path, start, end, out_dir = sys.argv[1:7]
    start, end = int(start), int(end)
    log, first_lsn, file_size = cut_log(log_path, start, end)
    manifest = [f"page_size {PAGE_SIZE}", f"start_lsn {start}", f"end_lsn {end}",
                f"log_first_lsn {first_lsn}", f"log_file_size {file_size}"]
    pages = bytearray()
    count = 0
    for name in sorted(os.listdir(after_dir)):
        if not name.endswith(".ibd"):
            continue
        after = open(os.path.join(after_dir, name), "rb").read()
        before_path = os.path.join(before_dir, name)
        before = open(before_path, "rb").read() if os.path.exists(before_path) else b""
        space = be(after, 34, 4)
        n = len(after) // PAGE_SIZE
        manifest.append(f"file {name} space {space} pages {n}")
        for p in range(n):
            a = after[p * PAGE_SIZE:(p + 1) * PAGE_SIZE]
            b = before[p * PAGE_SIZE:(p + 1) * PAGE_SIZE].ljust(PAGE_SIZE, b"\0")
            # Only index pages (INDEX, RTREE, TYPE_INSTANT) before or after.
            if a == b or not ({be(a, 24, 2), be(b, 24, 2)} & {17855, 17854, 18}):
                continue
            pages += space.to_bytes(4, "big") + p.to_bytes(4, "big") + b + a
            count += 1
    with open(os.path.join(out_dir, "index.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    with open(os.path.join(out_dir, "index.log"), "wb") as f:
        f.write(log)
    with open(os.path.join(out_dir, "index.pages"), "wb") as f:
        f.write(pages)
    print("\n".join(manifest))
    print(f"log bytes {len(log)}, changed pages {count}, pages bytes {len(pages)}")


if __name__ == "__main__":
    main()
