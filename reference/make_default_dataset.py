"""Builds data/pets-mini, the small real dataset committed with Probe so that every
command has data on a fresh clone.

Source: the cats_dogs photos in ../shared/datasets (Kaggle "Dogs vs. Cats" subset,
public domain under CC0). Takes the first N files of each class in sorted order,
shrinks each so its shorter side is 256 px (the size the default recipe resizes to,
so features are computed from the same pixels the network would see anyway) and
re-encodes as JPEG quality 90. Run: <venv>/bin/python reference/make_default_dataset.py
"""
import pathlib
import sys
from PIL import Image

repo = pathlib.Path(__file__).resolve().parent.parent
src = repo.parent / "shared/datasets/cats_dogs"
dst = repo / "data/pets-mini"
per_class = int(sys.argv[1]) if len(sys.argv) > 1 else 40

for cls in ("cat", "dog"):
    (dst / cls).mkdir(parents=True, exist_ok=True)
    files = sorted((src / cls).glob("*.jpg"))[:per_class]
    for f in files:
        im = Image.open(f).convert("RGB")
        w, h = im.size
        scale = 256 / min(w, h)
        if scale < 1:
            im = im.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)
        im.save(dst / cls / f.name, quality=90)
total = sum(p.stat().st_size for p in dst.rglob("*.jpg"))
print(f"{dst}: {sum(1 for _ in dst.rglob('*.jpg'))} images, {total} bytes")
