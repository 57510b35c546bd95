#!/usr/bin/env python3
"""End-to-end extraction speed of the Keras models: `probe extract` against TensorFlow-CPU's own pipeline.

    /work/venv-ref/bin/python Benchmarks/keras_compare.py [--images 200] [--repeats 2]
        [--models "keras_vgg16 keras_mobilenet_v2 keras_efficientnet_b0"]

Both sides embed the same N photos (spread evenly over the shared cats_dogs, flowers and alpaca sets,
linked into WORK/data) with the same network and weights:
- TensorFlow (the seed notebooks' pipeline): `keras.utils.image_dataset_from_directory(image_size=(S, S),
  batch_size=32, shuffle=False)`, the application's `preprocess_input`, `model.predict` of
  `keras.applications.<Model>(include_top=False, weights=None, pooling="avg")`, 2 intra-op threads and
  1 inter-op thread. The weights are a seeded random init (no download needed); this script saves them
  once to WORK/<model>.weights.h5.
- Probe: `probe extract --model <model> --weights WORK/<model>.weights.h5 --data WORK/data --threads 2`
  (its default keras-directory recipe, batch 32), into a fresh store each time.
Each side is one fresh process per run, timed from its start to its exit (so both pay for loading the
weights and, for TensorFlow, importing the library), and TensorFlow's pipeline alone (dataset + predict,
inside the process) is reported too. Within a repeat the order alternates (TensorFlow first, then Probe
first) so drifting machine load favours neither side. The timed processes run at normal priority.
Prints one JSON line per run and a table of images/s and ratios (TensorFlow time / Probe time).

Environment: PROBE (default .build/release/probe), PROBE_SHARED_DATASETS (default ../shared/datasets),
WORK (default /tmp/probe-keras-bench). Build first: swift build -c release --product probe
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = os.environ.get("PROBE", os.path.join(REPO, ".build", "release", "probe"))
DATASETS = os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets"))
WORK = os.environ.get("WORK", "/tmp/probe-keras-bench")

APPLICATIONS = {
    "keras_vgg16": ("VGG16", "vgg16"),
    "keras_mobilenet_v2": ("MobileNetV2", "mobilenet_v2"),
    "keras_efficientnet_b0": ("EfficientNetB0", "efficientnet"),
}

# The TensorFlow side, run as `python -c TF_SIDE MODEL SIZE DATA [WEIGHTS_OUT]`: prints a JSON line.
TF_SIDE = r"""
import json, os, sys, time
start = time.perf_counter()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(2)
tf.config.threading.set_inter_op_parallelism_threads(1)
import keras, numpy as np
cls, module, size, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
application = getattr(keras.applications, cls)
preprocess = getattr(keras.applications, module).preprocess_input
keras.utils.set_random_seed(0)
model = application(include_top=False, weights=None, pooling="avg", input_shape=(size, size, 3))
if len(sys.argv) > 5:
    model.save_weights(sys.argv[5])
pipeline_start = time.perf_counter()
ds = keras.utils.image_dataset_from_directory(data, image_size=(size, size), batch_size=32, shuffle=False, verbose=False)
features = model.predict(ds.map(lambda x, y: preprocess(x)), verbose=0)
end = time.perf_counter()
print(json.dumps({"rows": int(features.shape[0]), "pipeline_seconds": end - pipeline_start,
                  "in_process_seconds": end - start}))
"""


def link_photos(n):
    files = []
    for ds in ("cats_dogs", "flowers", "alpaca"):
        for cls in sorted(os.listdir(os.path.join(DATASETS, ds))):
            folder = os.path.join(DATASETS, ds, cls)
            if os.path.isdir(folder):
                files += [(f"{ds}_{cls}", os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".jpg")]
    step = max(1, len(files) // n)
    chosen = files[::step][:n]
    out = os.path.join(WORK, "data")
    shutil.rmtree(out, ignore_errors=True)
    for cls, path in chosen:
        os.makedirs(os.path.join(out, cls), exist_ok=True)
        os.symlink(path, os.path.join(out, cls, os.path.basename(path)))
    return out, len(chosen)


def run_tf(model, size, data, weights_out=None):
    cls, module = APPLICATIONS[model]
    args = [sys.executable, "-c", TF_SIDE, cls, module, str(size), data] + ([weights_out] if weights_out else [])
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"TensorFlow side failed for {model}: {result.stderr[-2000:]}")
    line = json.loads(result.stdout.strip().splitlines()[-1])
    return dict(line, wall_seconds=wall)


def run_probe(model, weights, data):
    store = tempfile.mkdtemp(prefix="store-", dir=WORK)
    shutil.rmtree(store)
    args = [PROBE, "extract", "--model", model, "--weights", weights, "--data", data, "--out", store,
            "--threads", "2", "--batch", "32", "--json"]
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True)
    wall = time.perf_counter() - start
    shutil.rmtree(store, ignore_errors=True)
    if result.returncode != 0:
        raise SystemExit(f"probe failed for {model}: {result.stderr[-2000:]}")
    summary = json.loads(result.stdout)
    return {"rows": summary["rows"], "wall_seconds": wall, "network_seconds": summary["networkSeconds"],
            "decode_seconds": summary["decodeSeconds"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--models", default="keras_vgg16 keras_mobilenet_v2 keras_efficientnet_b0")
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    data, n = link_photos(args.images)
    print(f"{n} images in {data}; load average {os.getloadavg()[0]:.1f} at the start", file=sys.stderr)
    table = []
    for model in args.models.split():
        weights = os.path.join(WORK, f"{model}.weights.h5")
        if not os.path.exists(weights):
            run_tf(model, args.size, data, weights_out=weights)   # writes the seeded weights; not timed
        runs = {"tensorflow": [], "probe": []}
        for repeat in range(args.repeats):
            order = ["tensorflow", "probe"] if repeat % 2 == 0 else ["probe", "tensorflow"]
            for side in order:
                result = run_tf(model, args.size, data) if side == "tensorflow" else run_probe(model, weights, data)
                if result["rows"] != n:
                    raise SystemExit(f"{side} embedded {result['rows']} of {n} photos for {model}")
                result.update(model=model, side=side, repeat=repeat, images=n,
                              load_average=os.getloadavg()[0])
                print(json.dumps(result), flush=True)
                runs[side].append(result)
        best_tf = min(r["wall_seconds"] for r in runs["tensorflow"])
        best_tf_pipeline = min(r["pipeline_seconds"] for r in runs["tensorflow"])
        best_probe = min(r["wall_seconds"] for r in runs["probe"])
        table.append((model, n / best_probe, n / best_tf, best_tf / best_probe, best_tf_pipeline / best_probe))
    print(f"\n{'model':24} {'probe img/s':>12} {'TF img/s':>10} {'ratio':>7} {'ratio vs TF pipeline only':>26}")
    for model, probe_rate, tf_rate, ratio, pipeline_ratio in table:
        print(f"{model:24} {probe_rate:12.1f} {tf_rate:10.1f} {ratio:6.2f}x {pipeline_ratio:25.2f}x")


if __name__ == "__main__":
    main()
