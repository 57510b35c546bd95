#!/usr/bin/env python3
"""Pins Probe's 64-bit perceptual hash (`PerceptualHash.compute` in Sources/ProbeImages/PerceptualHashing.swift).

The definition, in plain Python (no numpy or scipy, so every step is visible):
  1. luma of each pixel = 299 R + 587 G + 114 B (an integer)
  2. box-resize to 32 x 32: cell (i, j) = mean luma over y in [i*H//32, max(i*H//32 + 1, (i+1)*H//32)),
     x in [j*W//32, max(j*W//32 + 1, (j+1)*W//32)); sum over y then x, mean = float(sum) / float(count)
  3. unnormalised 2-D DCT-II, 8 x 8 lowest frequencies:
     D[u][v] = sum_y cos(pi*u*(2y+1)/64) * (sum_x cos(pi*v*(2x+1)/64) * cell[y][x])
  4. m = median of the 64 D values (mean of the 32nd and 33rd smallest); bit 63 - (8u + v) = D[u][v] > m

Writes Tests/Fixtures/phash/:
  - edits of two CC0 photos from data/pets-mini (JPEG re-encode q50, greyscale, brightness x1.3, resized
    50 %, mirrored), saved as JPEG; the originals are read from data/pets-mini itself;
  - index.json: the hash of every fixture and of the originals (pixels as Pillow decodes them,
    Image.open(path).convert("RGB")), and of synthetic pictures whose pixels both sides compute
    from a formula (so the definition is pinned without any decoder in between).

Run from the repository root with the reference venv:  /work/venv-ref/bin/python reference/phash_fixtures.py
"""
import json
import math
import os

from PIL import Image, ImageEnhance, ImageOps

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "phash")
PETS = os.path.join(REPO, "data", "pets-mini")


def phash_rgb(width, height, rgb):
    """rgb: bytes-like of height rows of width*3 bytes."""
    side, low = 32, 8
    cells = [0.0] * (side * side)
    for i in range(side):
        y0 = i * height // side
        y1 = max(y0 + 1, (i + 1) * height // side)
        for j in range(side):
            x0 = j * width // side
            x1 = max(x0 + 1, (j + 1) * width // side)
            total = 0
            for y in range(y0, y1):
                p = (y * width + x0) * 3
                for _ in range(x0, x1):
                    total += 299 * rgb[p] + 587 * rgb[p + 1] + 114 * rgb[p + 2]
                    p += 3
            cells[i * side + j] = float(total) / float((y1 - y0) * (x1 - x0))
    cosines = [math.cos(math.pi * float(k) * float(2 * n + 1) / float(2 * side)) for k in range(low) for n in range(side)]
    rows = [0.0] * (side * low)
    for y in range(side):
        for v in range(low):
            s = 0.0
            for x in range(side):
                s += cosines[v * side + x] * cells[y * side + x]
            rows[y * low + v] = s
    block = [0.0] * (low * low)
    for u in range(low):
        for v in range(low):
            s = 0.0
            for y in range(side):
                s += cosines[u * side + y] * rows[y * low + v]
            block[u * low + v] = s
    ordered = sorted(block)
    median = (ordered[low * low // 2 - 1] + ordered[low * low // 2]) / 2
    h = 0
    for k in range(low * low):
        if block[k] > median:
            h |= 1 << (63 - k)
    return "%016x" % h


def phash_file(path):
    img = Image.open(path).convert("RGB")
    return phash_rgb(img.width, img.height, img.tobytes())


def synthetic(width, height, seed):
    """The formula PerceptualHashTests repeats: a smooth pattern plus a little hashed texture."""
    out = bytearray(width * height * 3)
    for y in range(height):
        for x in range(width):
            for c in range(3):
                smooth = (x * (3 + c) + y * (5 + 2 * c) + seed * 17) % 256
                texture = ((x * 2654435761 + y * 40503 + c * 97 + seed) >> 7) % 32
                out[(y * width + x) * 3 + c] = (smooth + texture) % 256
    return bytes(out)


def main():
    os.makedirs(OUT, exist_ok=True)
    originals = ["cat/cat.1005.jpg", "dog/dog.1000.jpg"]
    edits = {
        "jpeg50": lambda im: (im, 50),
        "grey": lambda im: (ImageOps.grayscale(im).convert("RGB"), 90),
        "bright130": lambda im: (ImageEnhance.Brightness(im).enhance(1.3), 90),
        "half": lambda im: (im.resize((im.width // 2, im.height // 2), Image.BILINEAR), 90),
        "mirror": lambda im: (ImageOps.mirror(im), 90),
    }
    photos = []
    for rel in originals:
        src = os.path.join(PETS, rel)
        stem = os.path.splitext(os.path.basename(rel))[0]
        photos.append({"file": "data/pets-mini/" + rel, "of": rel, "edit": "original", "phash": phash_file(src)})
        image = Image.open(src).convert("RGB")
        for name, edit in edits.items():
            edited, quality = edit(image)
            fname = f"{stem}.{name}.jpg"
            dst = os.path.join(OUT, fname)
            edited.save(dst, quality=quality)
            photos.append({"file": "Tests/Fixtures/phash/" + fname, "of": rel, "edit": name, "phash": phash_file(dst)})
    # Every other pets-mini photo, for the "unrelated photos are far" side.
    unrelated = []
    for cls in ("cat", "dog"):
        for name in sorted(os.listdir(os.path.join(PETS, cls))):
            rel = f"{cls}/{name}"
            if rel not in originals:
                unrelated.append({"file": "data/pets-mini/" + rel, "phash": phash_file(os.path.join(PETS, rel))})
    synth = []
    for (w, h, seed) in [(64, 48, 0), (33, 100, 1), (5, 7, 2), (1, 1, 3), (1000, 3, 4), (300, 200, 5)]:
        synth.append({"width": w, "height": h, "seed": seed, "phash": phash_rgb(w, h, synthetic(w, h, seed))})
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump({"photos": photos, "unrelated": unrelated, "synthetic": synth}, f, indent=1, sort_keys=True)
        f.write("\n")
    for p in photos:
        print(p["edit"], p["of"], p["phash"])


if __name__ == "__main__":
    main()
