"""Writes tiny embedding stores with numpy and the json module only, following
docs/store-format.md, into Tests/Fixtures/store/. The Swift tests read them (numpy's
files must open in Probe) and rewrite the same rows with Probe's writer, which must
produce byte-identical shard files (Probe's files are then what numpy writes).

Run: <venv>/bin/python reference/store_fixtures.py"""
import hashlib
import json
import pathlib
import shutil

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests/Fixtures/store"


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def index_line(entry):
    # Compact, keys in this order, UTF-8 kept as is: the format's canonical line.
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False)


def write_store(name, identity, classes, shards, skipped=()):
    """shards: list of (embeddings [rows, dim] in the store dtype, entries)."""
    out = ROOT / name
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    records = []
    counts = [0] * len(classes)
    for number, (embeddings, entries) in enumerate(shards):
        stem = f"shard-{number:05d}"
        emb, lab, idx = out / f"{stem}.emb.npy", out / f"{stem}.labels.npy", out / f"{stem}.index.jsonl"
        np.save(emb, np.ascontiguousarray(embeddings))
        np.save(lab, np.array([e["label"] for e in entries], dtype=np.int32))
        idx.write_text("".join(index_line(e) + "\n" for e in entries), encoding="utf-8")
        for e in entries:
            counts[e["label"]] += 1
        records.append({
            "embeddings": emb.name, "labels": lab.name, "index": idx.name, "rows": len(entries),
            "sha256": {"embeddings": sha256(emb), "labels": sha256(lab), "index": sha256(idx)},
        })
    manifest = {
        "format_version": 1,
        "identity": identity,
        "classes": classes,
        "shards": records,
        "totals": {"rows": sum(r["rows"] for r in records), "class_counts": counts},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if skipped:
        (out / "errors.jsonl").write_text("".join(index_line(s) + "\n" for s in skipped), encoding="utf-8")


def entry(path, label, size, sha_seed):
    return {"path": path, "label": label, "size": size, "mtime_ns": 1700000000123456789 + size,
            "sha256": hashlib.sha256(sha_seed.encode()).hexdigest()}


def identity(model, dtype, dim):
    return {
        "model": model,
        "weights_sha256": hashlib.sha256(model.encode()).hexdigest(),
        "preprocessing": {"recipe": "resize256-centercrop224", "image_size": 224,
                          "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
        "pool": "avg",
        "dtype": dtype,
        "dim": dim,
    }


rng = np.random.default_rng(20261123)
classes = ["cat", "dog"]

# float32, two shards (3 + 2 rows), paths that need JSON escaping, one skipped file.
f32 = rng.standard_normal((5, 4)).astype(np.float32)
entries = [
    entry("cat/1.jpg", 0, 1001, "a"),
    entry("cat/café \"quoted\".jpg", 0, 1002, "b"),
    entry("dog/back\\slash.jpg", 1, 1003, "c"),
    entry("dog/4.jpg", 1, 1004, "d"),
    entry("cat/5.jpg", 0, 1005, "e"),
]
write_store("numpy-f32", identity("tinynet", "float32", 4), classes,
            [(f32[:3], entries[:3]), (f32[3:], entries[3:])],
            skipped=[{"path": "cat/broken.jpg", "reason": "not an image (unknown magic bytes)", "size": 7, "mtime_ns": 1700000000000000000}])
np.save(ROOT / "numpy-f32-source.npy", f32)

# A second part of the same dataset (same identity and classes, other files), for merge.
f32b = rng.standard_normal((2, 4)).astype(np.float32)
write_store("numpy-f32-b", identity("tinynet", "float32", 4), classes,
            [(f32b, [entry("dog/6.jpg", 1, 1006, "f"), entry("cat/7.jpg", 0, 1007, "g")])])

# float16: the float32 source is kept so Probe's own f32 -> f16 rounding is checked against numpy's.
# Values include halfway cases and numbers beyond the float16 range.
f16_source = np.concatenate([
    rng.standard_normal(8).astype(np.float32) * 3,
    np.array([1 + 2**-11, 1 + 3 * 2**-11, 65520.0, -1e-8], dtype=np.float32),
]).reshape(4, 3)
with np.errstate(over="ignore"):  # 65520 rounds to inf in float16, on purpose
    f16 = f16_source.astype(np.float16)
write_store("numpy-f16", identity("tinynet", "float16", 3), classes,
            [(f16, [entry(f"dog/{i}.png", 1, 2000 + i, f"h{i}") for i in range(4)])])
np.save(ROOT / "numpy-f16-source.npy", f16_source)
print("wrote", sorted(p.name for p in ROOT.iterdir()))
