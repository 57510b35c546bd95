#!/usr/bin/env bash
# What `--part I/N` buys on one machine: the same photos extracted by one process (all
# cores), then as N parts run at once (cores split between them), then merged.
#
#   bash Benchmarks/parts_scaling.sh [PHOTOS=400] [N=2]
#
# Uses the first PHOTOS/2 photos of each class of the shared cats_dogs set and the real
# EfficientNet-Lite0 weights. Prints wall seconds and images/s of each way. On a machine
# with C cores, N parts of C/N threads each compare with one process of C threads.
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-400}
parts=${2:-2}
probe=.build/release/probe
shared=${PROBE_SHARED_DATASETS:-../shared/datasets}
"$probe" models fetch efficientnet_lite0 >/dev/null
weights=${XDG_CACHE_HOME:-$HOME/.cache}/probe/models/efficientnet-lite0-57934424.pth
cores=$(nproc)
threads=$(( cores / parts > 0 ? cores / parts : 1 ))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for class in cat dog; do
    mkdir -p "$work/photos/$class"
    find "$shared/cats_dogs/$class" -name '*.jpg' | sort | head -n $(( photos / 2 )) | xargs cp -t "$work/photos/$class"
done
run() { "$probe" extract --model efficientnet_lite0 --weights "$weights" --data "$work/photos" --json "$@" >/dev/null; }
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }

start=$(now)
run --out "$work/single" --threads "$cores"
single=$(calc "$(now) - $start")

start=$(now)
pids=()
for ((i = 0; i < parts; i++)); do
    run --out "$work/part-$i" --part "$i/$parts" --threads "$threads" & pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
split=$(calc "$(now) - $start")
start=$(now)
inputs=()
for ((i = 0; i < parts; i++)); do inputs+=("$work/part-$i"); done
"$probe" merge "$work/all" "${inputs[@]}" >/dev/null
merge=$(calc "$(now) - $start")
python3 scripts/compare-stores "$work/all" "$work/single" >/dev/null

printf 'photos %d, cores %d\n' "$photos" "$cores"
printf '1 process, %d threads:            %6.1f s  %6.1f img/s\n' "$cores" "$single" "$(calc "$photos / $single")"
printf '%d parts at once, %d thread(s) each: %6.1f s  %6.1f img/s (merge %.2f s; same rows as 1 process)\n' \
    "$parts" "$threads" "$split" "$(calc "$photos / $split")" "$merge"
printf 'ratio (1 process / %d parts):       %6.2f\n' "$parts" "$(calc "$single / $split")"
