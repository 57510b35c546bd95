#!/usr/bin/env python3
"""Decode throughput per image format: ProbeImages (bench-images --decode-only, 1 thread) against Pillow's
Image.open(path).convert("RGB") in one process, on the same files in the same run. One command:

    /work/venv-ref/bin/python Benchmarks/formats_bench.py [--images 100] [--repeat 3] [--no-build]

Run it with a Python that has Pillow (with WebP and libtiff, as the PyPI wheels have). It writes the first
--images photos of shared/datasets/cats_dogs (about 500x375 each) once per format into a temporary folder
with Pillow (JPEG copied as they are, the rest converted: PNG, BMP 24-bit, GIF with a 256-colour palette,
WebP lossy q80 and lossless, TIFF raw and LZW, PPM), then times both decoders on each folder: best of
--repeat passes after one warm-up pass, decode only (no resize). Ratio = Pillow time / Probe time, so > 1
means Probe is faster.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (folder name, extension, Pillow save arguments; None = copy the JPEG as it is)
FORMATS = [
    ("jpeg", "jpg", None),
    ("png", "png", {"format": "PNG"}),
    ("bmp", "bmp", {"format": "BMP"}),
    ("gif", "gif", {"format": "GIF"}),
    ("webp_lossy", "webp", {"format": "WEBP", "quality": 80}),
    ("webp_lossless", "webp", {"format": "WEBP", "lossless": True}),
    ("tiff_raw", "tif", {"format": "TIFF"}),
    ("tiff_lzw", "tif", {"format": "TIFF", "compression": "tiff_lzw"}),
    ("ppm", "ppm", {"format": "PPM"}),
]


def make_folders(photos, root):
    for name, ext, params in FORMATS:
        folder = os.path.join(root, name, "img")  # bench-images takes DATASET/<class>/<files>
        os.makedirs(folder)
        for i, path in enumerate(photos):
            target = os.path.join(folder, "%04d.%s" % (i, ext))
            if params is None:
                shutil.copyfile(path, target)
            else:
                Image.open(path).convert("RGB").save(target, **params)


def pillow_seconds(files, repeat):
    def once():
        for path in files:
            with Image.open(path) as image:
                image.convert("RGB")
    once()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    shared = os.environ.get("PROBE_SHARED_DATASETS", os.path.normpath(os.path.join(ROOT, "..", "shared", "datasets")))
    photos = []
    for cls in ("cat", "dog"):
        folder = os.path.join(shared, "cats_dogs", cls)
        photos += [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".jpg")]
    photos = sorted(photos)[:args.images]

    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "bench-images"], cwd=ROOT, check=True,
                       stdout=sys.stderr)
    bench = os.path.join(ROOT, ".build", "release", "bench-images")
    root = tempfile.mkdtemp(prefix="probe-formats-bench-")
    try:
        make_folders(photos, root)
        rows = []
        for name, ext, _ in FORMATS:
            folder = os.path.join(root, name)
            files = sorted(os.path.join(folder, "img", f) for f in os.listdir(os.path.join(folder, "img")))
            out = subprocess.run([bench, "--decode-only", "--threads", "1", "--repeat", str(args.repeat), folder],
                                 check=True, stdout=subprocess.PIPE, text=True).stdout
            probe = [json.loads(line) for line in out.splitlines() if line.startswith("{")][0]
            if probe["failures"]:
                raise SystemExit("%s: Probe failed on %d files" % (name, probe["failures"]))
            seconds = pillow_seconds(files, args.repeat)
            row = {"bench": "formats", "format": name, "images": len(files),
                   "probe_images_per_second": probe["images_per_second"],
                   "pillow_images_per_second": len(files) / seconds,
                   "ratio": probe["images_per_second"] / (len(files) / seconds)}
            print(json.dumps(row))
            rows.append(row)
        print()
        print("decode only, 1 thread each, %d cats_dogs photos per format; the machine may be shared, "
              "so compare within one run" % len(photos))
        for row in rows:
            print("  %-14s Probe %8.1f img/s   Pillow %8.1f img/s   -> %.2fx" % (
                row["format"], row["probe_images_per_second"], row["pillow_images_per_second"], row["ratio"]))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
