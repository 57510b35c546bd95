"""Opens a Probe embedding store with numpy alone and checks it against docs/store-format.md:
every shard opens with numpy.load(mmap_mode="r"), has the manifest's dtype and shape,
matches its sha256, and agrees with its labels and index. Prints one JSON summary line;
exits 1 if anything is wrong.

Run: <venv>/bin/python reference/store_numpy_check.py DIR"""
import hashlib
import json
import pathlib
import sys

import numpy as np


def main(directory):
    root = pathlib.Path(directory)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    problems = []
    dim = manifest["identity"]["dim"]
    dtype = {"float32": np.float32, "float16": np.float16}[manifest["identity"]["dtype"]]
    counts = np.zeros(len(manifest["classes"]), dtype=np.int64)
    blocks = []
    for shard in manifest["shards"]:
        for key in ("embeddings", "labels", "index"):
            digest = hashlib.sha256((root / shard[key]).read_bytes()).hexdigest()
            if digest != shard["sha256"][key]:
                problems.append(f"{shard[key]}: sha256 mismatch")
        emb = np.load(root / shard["embeddings"], mmap_mode="r")
        labels = np.load(root / shard["labels"], mmap_mode="r")
        lines = (root / shard["index"]).read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines]
        if emb.dtype != dtype or emb.shape != (shard["rows"], dim) or not emb.flags.c_contiguous:
            problems.append(f"{shard['embeddings']}: {emb.dtype} {emb.shape}, expected {np.dtype(dtype)} {(shard['rows'], dim)}")
        if labels.dtype != np.int32 or labels.shape != (shard["rows"],):
            problems.append(f"{shard['labels']}: {labels.dtype} {labels.shape}")
        if [e["label"] for e in entries] != labels.tolist():
            problems.append(f"{shard['index']}: labels differ from {shard['labels']}")
        if any(line != json.dumps(e, separators=(",", ":"), ensure_ascii=False) for line, e in zip(lines, entries)):
            problems.append(f"{shard['index']}: lines are not in the canonical form")
        counts += np.bincount(labels, minlength=len(counts))
        blocks.append(np.asarray(emb, dtype=np.float32))
    if counts.tolist() != manifest["totals"]["class_counts"]:
        problems.append(f"class counts {counts.tolist()} != manifest {manifest['totals']['class_counts']}")
    rows = sum(b.shape[0] for b in blocks)
    if rows != manifest["totals"]["rows"]:
        problems.append(f"rows {rows} != manifest {manifest['totals']['rows']}")
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
    print(json.dumps({"rows": rows, "dim": dim, "shards": len(blocks), "sum": float(matrix.sum(dtype=np.float64)),
                      "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
