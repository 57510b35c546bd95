#!/usr/bin/env python3
"""Reference timing for bench-images: Pillow + torchvision transforms on the same photos.

For every image: Image.open(p).convert("RGB") -> Resize(256) -> CenterCrop(224) -> ToTensor -> Normalize,
the torchvision ImageFolder pipeline. Timed in-process (1 worker) and with a torch DataLoader over
N worker processes (default 2, the fair comparison on 2 cores). Prints one JSON object per measurement.

    /work/venv-ref/bin/python Benchmarks/images_reference.py [--workers 2] [--repeat 3] [--limit N]
                                                              [--dump DIR] [DATASET_DIR ...]
--dump DIR writes each 224x224 uint8 crop as DIR/<dataset>/<relative path>.rgb for
`bench-images --compare-dir DIR` (fidelity over every photo).
"""
import argparse
import json
import os
import sys
import time

import torch
import torchvision.transforms as T
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
EXTENSIONS = (".jpg", ".jpeg", ".png")


def list_images(directory):
    """The same files, in the same order, as DatasetScanner (byte-wise sorted, hidden ignored, recursive)."""
    name = os.path.basename(os.path.normpath(directory))
    classes = sorted((c for c in os.listdir(directory) if not c.startswith(".") and os.path.isdir(os.path.join(directory, c))),
                     key=lambda s: s.encode())
    items = []
    for c in classes:
        found = []
        for root, dirs, files in os.walk(os.path.join(directory, c), followlinks=True):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for f in files:
                if not f.startswith(".") and f.lower().endswith(EXTENSIONS):
                    found.append(os.path.relpath(os.path.join(root, f), directory))
        items += sorted(found, key=lambda s: s.encode())
    return [(os.path.join(directory, r), name + "/" + r) for r in items]


CROP = T.Compose([T.Resize(256), T.CenterCrop(224)])
TO_TENSOR = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])


class Photos(torch.utils.data.Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            img = Image.open(f).convert("RGB")
        return TO_TENSOR(CROP(img))


def time_loader(paths, workers):
    loader = torch.utils.data.DataLoader(Photos(paths), batch_size=32, num_workers=workers,
                                         persistent_workers=False)
    start = time.perf_counter()
    n = 0
    for batch in loader:
        n += batch.shape[0]
    assert n == len(paths)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--dump", default=None)
    parser.add_argument("datasets", nargs="*")
    args = parser.parse_args()
    shared = os.environ.get("PROBE_SHARED_DATASETS", os.path.join(HERE, "..", "..", "shared", "datasets"))
    datasets = args.datasets or [os.path.join(shared, d) for d in ("cats_dogs", "flowers", "alpaca")]
    items = [item for d in datasets for item in list_images(d)][: args.limit]
    paths = [p for p, _ in items]
    torch.set_num_threads(1)  # per-image tensors are tiny; extra intra-op threads only contend

    if args.dump:
        import numpy as np
        for path, rel in items:
            out = os.path.join(args.dump, rel + ".rgb")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(path, "rb") as f:
                crop = CROP(Image.open(f).convert("RGB"))
            with open(out, "wb") as f:
                f.write(np.asarray(crop, dtype=np.uint8).tobytes())
        print(json.dumps({"bench": "images_dump", "images": len(items), "dir": args.dump}))
        return

    time_loader(paths, 0)  # warm the page cache
    for workers in sorted({0, args.workers}):
        best = min(time_loader(paths, workers) for _ in range(args.repeat))
        print(json.dumps({"bench": "images", "impl": "pillow_torchvision", "workers": workers,
                          "processes": max(workers, 1), "images": len(paths), "seconds": round(best, 4),
                          "images_per_second": round(len(paths) / best, 2)}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
