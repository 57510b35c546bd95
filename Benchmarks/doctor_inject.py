#!/usr/bin/env python3
"""Builds dirty copies of the shared photo sets with a recorded truth, for measuring `probe doctor`
(and cleanlab side by side, Benchmarks/doctor_compare.py; the CI check scripts/ci-doctor).

What a built set can hold (each with --mode):
  flips     a seeded uniform share of photos (--flip-rate, e.g. 0.05) moved to another class, chosen
            uniformly among the others;
  dups      injected copies of distinct photos, for every edit kind (--dups-per-kind each, half of them
            placed in another class than their original):
              exact      the same bytes
              jpeg       re-encoded as JPEG at a random quality in 50..70
              resize50   resized to 50 % (Pillow bilinear, antialiased), JPEG q 90
              resize80   resized to 80 %, JPEG q 90
              mirror     left-right mirror, JPEG q 90
              bright130  brightness x1.3 (PIL.ImageEnhance.Brightness), JPEG q 90
              grey       greyscale (stored as RGB), JPEG q 90
              crop90     centre crop keeping 90 % of each side, JPEG q 90
  outliers  a share (--outlier-rate, e.g. 0.03) of photos from another shared set, each in a random class;
  all       the three at once, on disjoint photos;
  clean     none of them (the untouched set, as symbolic links: the base store the others start from).
--max-per-class N keeps N photos of each class (drawn with the seed) for small sets (CI);
--kinds limits the edit kinds of the injected duplicates.

Photos that keep their bytes are symbolic links to the shared files (nothing is copied); edited
copies are new files. Every path in the truth is relative to the built dataset's root, as a Probe
store's index records it. The truth is written beside the dataset, not inside it:

  OUT/<name>/<class>/<photo>          the dataset (pass OUT/<name> to `probe extract --data`)
  OUT/<name>.truth.json               {"dataset", "source", "mode", "seed", "flip_rate", "outlier_rate",
                                       "classes", "rows", "flips": [{"path", "given", "true"}],
                                       "duplicates": [{"path", "of", "kind", "quality"?, "cross_class"}],
                                       "outliers": [{"path", "from"}]}

Names: <set>-<mode>[-flip<pct>]-s<seed>, e.g. flowers-flips-flip5-s0.

Usage (reference venv, for Pillow):
  /work/venv-ref/bin/python Benchmarks/doctor_inject.py --out /tmp/doctor-sets --sets cats_dogs,flowers,alpaca \\
      --modes flips,dups,outliers --flip-rates 0.05,0.10 --seeds 0,1,2
"""
import argparse
import io
import json
import os
import random
import shutil
import sys

from PIL import Image, ImageEnhance, ImageOps

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SHARED = os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets"))
EDIT_KINDS = ["exact", "jpeg", "resize50", "resize80", "mirror", "bright130", "grey", "crop90"]
# Where each set's outliers come from.
OUTLIER_SOURCE = {"cats_dogs": "flowers", "flowers": "alpaca", "alpaca": "flowers"}
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


def list_set(shared, name, max_per_class=None, seed=0):
    root = os.path.join(os.path.abspath(shared), name)
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and not d.startswith("."))
    photos = []
    for c in classes:
        for f in sorted(os.listdir(os.path.join(root, c))):
            if f.lower().endswith(IMAGE_EXTENSIONS) and not f.startswith("."):
                photos.append((c, f))
    if max_per_class is not None:
        rng = random.Random(f"{seed}:subset")
        kept = []
        for c in classes:
            mine = [p for p in photos if p[0] == c]
            kept += sorted(rng.sample(mine, min(max_per_class, len(mine))))
        photos = kept
    return root, classes, photos


def edited_bytes(source_path, kind, rng):
    """The bytes of an edited copy and the JPEG quality used (None for exact copies)."""
    if kind == "exact":
        with open(source_path, "rb") as f:
            return f.read(), None
    image = Image.open(source_path).convert("RGB")
    quality = 90
    if kind == "jpeg":
        quality = rng.randint(50, 70)
    elif kind in ("resize50", "resize80"):
        scale = 0.5 if kind == "resize50" else 0.8
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.BILINEAR)
    elif kind == "mirror":
        image = ImageOps.mirror(image)
    elif kind == "bright130":
        image = ImageEnhance.Brightness(image).enhance(1.3)
    elif kind == "grey":
        image = ImageOps.grayscale(image).convert("RGB")
    elif kind == "crop90":
        w, h = image.width, image.height
        cw, ch = round(w * 0.9), round(h * 0.9)
        left, top = (w - cw) // 2, (h - ch) // 2
        image = image.crop((left, top, left + cw, top + ch))
    else:
        raise ValueError(kind)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue(), quality


def build(shared, out, set_name, mode, seed, flip_rate, dups_per_kind, outlier_rate, kinds=EDIT_KINDS, max_per_class=None):
    root, classes, photos = list_set(shared, set_name, max_per_class, seed)
    parts = [set_name, mode] + ([f"flip{round(flip_rate * 100)}"] if mode in ("flips", "all") else []) + [f"s{seed}"]
    name = "-".join(parts)
    target = os.path.join(out, name)
    if os.path.exists(target):
        shutil.rmtree(target)
    for c in classes:
        os.makedirs(os.path.join(target, c))
    # One generator per ingredient, so adding duplicates does not change which photos flip.
    order = list(range(len(photos)))
    random.Random(f"{seed}:order").shuffle(order)
    truth = {"dataset": set_name, "source": root, "mode": mode, "seed": seed, "classes": classes,
             "flip_rate": flip_rate if mode in ("flips", "all") else 0.0,
             "outlier_rate": outlier_rate if mode in ("outliers", "all") else 0.0,
             "flips": [], "duplicates": [], "outliers": []}
    taken = set()
    cursor = 0

    def take(count):
        nonlocal cursor
        chosen = [order[i] for i in range(cursor, cursor + count)]
        cursor += count
        taken.update(chosen)
        return chosen

    flipped = {}
    if mode in ("flips", "all"):
        rng = random.Random(f"{seed}:flips")
        for i in take(round(len(photos) * flip_rate)):
            c, f = photos[i]
            flipped[i] = rng.choice([k for k in classes if k != c])
    # Every original photo, flipped ones under their new class.
    placed = {}
    for i, (c, f) in enumerate(photos):
        given = flipped.get(i, c)
        os.symlink(os.path.join(root, c, f), os.path.join(target, given, f))
        placed[i] = f"{given}/{f}"
        if i in flipped:
            truth["flips"].append({"path": placed[i], "given": given, "true": c})

    if mode in ("dups", "all"):
        rng = random.Random(f"{seed}:dups")
        sources = take(dups_per_kind * len(kinds))
        for k, kind in enumerate(kinds):
            for j, i in enumerate(sources[k * dups_per_kind:(k + 1) * dups_per_kind]):
                c, f = photos[i]
                cross = j % 2 == 1
                home = placed[i].split("/")[0]
                where = rng.choice([x for x in classes if x != home]) if cross else home
                data, quality = edited_bytes(os.path.join(root, c, f), kind, rng)
                stem = os.path.splitext(f)[0]
                path = f"{where}/{stem}.{kind}.jpg"
                with open(os.path.join(target, path), "wb") as out_file:
                    out_file.write(data)
                entry = {"path": path, "of": placed[i], "kind": kind, "cross_class": cross}
                if quality is not None and kind == "jpeg":
                    entry["quality"] = quality
                truth["duplicates"].append(entry)

    if mode in ("outliers", "all"):
        rng = random.Random(f"{seed}:outliers")
        other_root, _, other_photos = list_set(shared, OUTLIER_SOURCE[set_name])
        picks = rng.sample(range(len(other_photos)), round(len(photos) * outlier_rate))
        for p in picks:
            oc, of = other_photos[p]
            where = rng.choice(classes)
            path = f"{where}/outlier-{of}"
            os.symlink(os.path.join(other_root, oc, of), os.path.join(target, path))
            truth["outliers"].append({"path": path, "from": f"{OUTLIER_SOURCE[set_name]}/{oc}/{of}"})

    truth["rows"] = sum(len(os.listdir(os.path.join(target, c))) for c in classes)
    with open(os.path.join(out, name + ".truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return name, truth


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--shared", default=DEFAULT_SHARED)
    parser.add_argument("--sets", default="cats_dogs,flowers,alpaca")
    parser.add_argument("--modes", default="flips,dups,outliers")
    parser.add_argument("--flip-rates", default="0.05,0.10")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--dups-per-kind", type=int, default=6)
    parser.add_argument("--outlier-rate", type=float, default=0.03)
    parser.add_argument("--kinds", default=",".join(EDIT_KINDS), help="edit kinds of the injected duplicates")
    parser.add_argument("--max-per-class", type=int, help="keep this many photos of each class (a small set)")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    unknown = [k for k in kinds if k not in EDIT_KINDS]
    if unknown:
        parser.error(f"unknown edit kinds {unknown}; known: {EDIT_KINDS}")
    os.makedirs(args.out, exist_ok=True)
    built = []
    for set_name in args.sets.split(","):
        for mode in args.modes.split(","):
            for seed in [int(s) for s in args.seeds.split(",")]:
                rates = [float(r) for r in args.flip_rates.split(",")] if mode in ("flips", "all") else [0.0]
                for rate in rates:
                    name, truth = build(args.shared, args.out, set_name, mode, seed, rate, args.dups_per_kind, args.outlier_rate,
                                        kinds, args.max_per_class)
                    built.append(name)
                    print(f"{name}: {truth['rows']} photos, {len(truth['flips'])} flips, "
                          f"{len(truth['duplicates'])} duplicates, {len(truth['outliers'])} outliers", file=sys.stderr)
    print(json.dumps(built))


if __name__ == "__main__":
    main()
