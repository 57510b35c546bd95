#!/usr/bin/env bash
# Runs every side-by-side benchmark (Probe vs its reference) one after the other and keeps
# each driver's output in $OUT (default /tmp/probe-bench). Needs the reference venv
# ($PROBE_REFERENCE_PYTHON, default /work/venv-ref/bin/python) with torch, torchvision,
# onnxruntime, Pillow, scikit-learn and efficientnet_lite_pytorch installed by pip.
# Run it on a quiet machine: the ratios in BENCHMARKS.md come from this script.
set -euo pipefail
cd "$(dirname "$0")"
python=${PROBE_REFERENCE_PYTHON:-/work/venv-ref/bin/python}
out=${OUT:-/tmp/probe-bench}
mkdir -p "$out"
(cd .. && swift build -c release >/dev/null)   # probe and the bench-* executables, one build
echo "== images";      "$python" images_bench.py --fidelity              2>&1 | tee "$out/images.txt"
echo "== formats";     "$python" formats_bench.py --no-build             2>&1 | tee "$out/formats.txt"
echo "== backbones";   "$python" backbones_compare.py                    2>&1 | tee "$out/backbones.txt"
echo "== extract";     bash extract_compare.sh --images 96 --repeats 2   2>&1 | tee "$out/extract.txt"
echo "== classifiers"; "$python" classifiers_compare.py --configs small,medium --no-build 2>&1 | tee "$out/classifiers.txt"
# The large config (100k x 1280, 100 classes) takes a few minutes per side; LinearSVC is left out there
# (scikit-learn's liblinear needs far longer on it).
echo "== classifiers (large)"; "$python" classifiers_compare.py --configs large --estimators logreg,knn --max-iter 100 --no-build 2>&1 | tee "$out/classifiers-large.txt"
