#!/usr/bin/env python3
"""Writes the image-pipeline fixtures that ProbeImagesTests compare against.

The reference is Pillow + torchvision, as a PyTorch user would load an ImageFolder dataset:
    img = Image.open(path).convert("RGB")            # torchvision's default loader
    img = T.Resize(R)(img); img = T.CenterCrop(S)(img)  # R = round(S * 256 / 224), bilinear, antialiased
    x = T.Normalize(mean, std)(T.ToTensor()(img))
`squash` is img.resize((S, S)); `exif` fixtures run ImageOps.exif_transpose after opening.

Run from the repository root with the reference venv (outside the repo):
    /work/venv-ref/bin/python reference/images_fixtures.py [SHARED_DATASETS]
(default: $PROBE_SHARED_DATASETS, else ../shared/datasets beside the clone)
Writes Tests/Fixtures/images/: index.json, one raw .rgb file (S*S*3 bytes, row-major RGB) per crop,
normalize_imagenet_32.f32 (torchvision's float32 CHW tensor of one 32x32 crop) and decode digests
of the badinputs files (FNV-1a 64 of Pillow's decoded RGB bytes).
"""
import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image, ImageOps

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "images")
SHARED = (sys.argv[1] if len(sys.argv) > 1 else
          os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets")))

# (fixture name, path under shared/datasets, S, mode, interpolation, apply EXIF orientation)
CROPS = [
    ("cat_typical", "cats_dogs/cat/cat.1005.jpg", 224, "crop", "bilinear", False),
    ("alpaca_1024", "alpaca/alpaca/daf7678f279e0da6.jpg", 224, "crop", "bilinear", False),
    ("gray_jpeg", "alpaca/not_alpaca/4b9ef3ce2685ee32.jpg", 224, "crop", "bilinear", False),
    ("cmyk_jpeg", "badinputs/a/cmyk.jpg", 224, "crop", "bilinear", False),
    ("rgba_png", "badinputs/b/rgba_alpha.png", 224, "crop", "bilinear", False),
    ("very_wide", "badinputs/b/very_wide_4000x50.jpg", 224, "crop", "bilinear", False),
    ("tiny_dog", "cats_dogs/dog/dog.2390.jpg", 224, "crop", "bilinear", False),
    ("wide_cat", "cats_dogs/cat/cat.3324.jpg", 224, "crop", "bilinear", False),
    # Smaller crops for the other formats and options (keeps the fixtures small).
    ("progressive_96", "badinputs/a/progressive.jpg", 96, "crop", "bilinear", False),
    ("png16_96", "badinputs/b/rgb_16bit.png", 96, "crop", "bilinear", False),
    ("palette_96", "badinputs/b/palette_64colors.png", 96, "crop", "bilinear", False),
    ("one_pixel_96", "badinputs/b/one_pixel_1x1.jpg", 96, "crop", "bilinear", False),
    ("flower_bicubic_96", "flowers/sunflowers/13095941995_9a66faa713_n.jpg", 96, "crop", "bicubic", False),
    ("flower_squash_96", "flowers/sunflowers/13095941995_9a66faa713_n.jpg", 96, "squash", "bilinear", False),
    ("alpaca_squash_bicubic_96", "alpaca/not_alpaca/01d083ee3908cbc2.jpg", 96, "squash", "bicubic", False),
    ("exif6_applied_96", "badinputs/a/exif_orientation_6.jpg", 96, "crop", "bilinear", True),
    ("exif6_ignored_96", "badinputs/a/exif_orientation_6.jpg", 96, "crop", "bilinear", False),
    ("cat_s160", "cats_dogs/cat/cat.1005.jpg", 160, "crop", "bilinear", False),
]

DECODE_DIGESTS = [
    "badinputs/a/ok_baseline.jpg", "badinputs/a/png_named_as.jpg", "badinputs/a/jpeg_named_as.png",
    "badinputs/a/grayscale.jpg", "badinputs/a/cmyk.jpg", "badinputs/a/progressive.jpg",
    "badinputs/a/exif_orientation_6.jpg", "badinputs/b/ok_baseline.jpg", "badinputs/b/rgb_16bit.png",
    "badinputs/b/rgba_alpha.png", "badinputs/b/palette_64colors.png", "badinputs/b/one_pixel_1x1.jpg",
    "badinputs/b/very_wide_4000x50.jpg", "badinputs/b/nested_subfolder/inside_nested.jpg",
]

INTERPOLATION = {"bilinear": T.InterpolationMode.BILINEAR, "bicubic": T.InterpolationMode.BICUBIC}


def png_bytes(width, height, color_type, bit_depth, rows, interlaced=False, extra_chunks=()):
    """A PNG written by hand (Pillow cannot write every bit depth and colour type)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every scanline
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    body = b"".join(chunk(k, d) for k, d in extra_chunks)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def small_pngs():
    """(name, bytes) of small PNGs covering each colour type and bit depth Pillow distinguishes."""
    import struct
    rng = np.random.default_rng(5)
    w, h = 13, 7
    out = []
    v16 = rng.integers(0, 65536, size=(h, w * 4), dtype=np.uint32)
    v16[0, :8] = [0, 255, 256, 300, 0x7FFF, 0x80FF, 0xFF00, 0xFFFF]  # the edges of Pillow's 16-bit handling
    def rows16(channels):
        return [b"".join(struct.pack(">H", int(v)) for v in v16[y, : w * channels]) for y in range(h)]
    out.append(("gray16.png", png_bytes(w, h, 0, 16, rows16(1))))
    out.append(("gray_alpha16.png", png_bytes(w, h, 4, 16, rows16(2))))
    out.append(("rgb16.png", png_bytes(w, h, 2, 16, rows16(3))))
    out.append(("rgba16.png", png_bytes(w, h, 6, 16, rows16(4))))
    v8 = rng.integers(0, 256, size=(h, w * 4), dtype=np.uint8)
    out.append(("gray8.png", png_bytes(w, h, 0, 8, [v8[y, :w].tobytes() for y in range(h)])))
    out.append(("gray_alpha8.png", png_bytes(w, h, 4, 8, [v8[y, : 2 * w].tobytes() for y in range(h)])))
    out.append(("rgba8.png", png_bytes(w, h, 6, 8, [v8[y, : 4 * w].tobytes() for y in range(h)])))
    for depth in (1, 2, 4):
        bits = rng.integers(0, 1 << depth, size=(h, w))
        rows = []
        for y in range(h):
            acc, n, row = 0, 0, bytearray()
            for x in range(w):
                acc = (acc << depth) | int(bits[y, x]); n += depth
                if n == 8:
                    row.append(acc); acc, n = 0, 0
            if n:
                row.append(acc << (8 - n))
            rows.append(bytes(row))
        out.append((f"gray{depth}.png", png_bytes(w, h, 0, depth, rows)))
        palette = bytes(rng.integers(0, 256, size=3 * (1 << depth), dtype=np.uint8))
        trns = bytes(rng.integers(0, 256, size=(1 << depth), dtype=np.uint8))
        out.append((f"palette{depth}_trns.png", png_bytes(w, h, 3, depth, rows, extra_chunks=((b"PLTE", palette), (b"tRNS", trns)))))
    out.append(("rgb8_trns.png", png_bytes(w, h, 2, 8, [v8[y, : 3 * w].tobytes() for y in range(h)],
                                           extra_chunks=((b"tRNS", b"\x00\x10\x00\x20\x00\x30"),))))
    rgb = v8[:, : 3 * w].reshape(h, w, 3)
    out.append(("rgb8_adam7.png", png_bytes(w, h, 2, 8, adam7_rows(rgb), interlaced=True)))
    return out


def adam7_rows(pixels):
    """Scanlines of the seven Adam7 passes of an HxWxC uint8 array, in file order."""
    h, w = pixels.shape[:2]
    rows = []
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        sub = pixels[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            rows += [sub[y].tobytes() for y in range(sub.shape[0])]
    return rows


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def load(path, exif):
    img = Image.open(path)
    if exif:
        img = ImageOps.exif_transpose(img)
    return img.convert("RGB")


def crop(img, size, mode, interpolation):
    if mode == "squash":
        return img.resize((size, size), {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[interpolation])
    resize = round(size * 256 / 224)
    img = T.Resize(resize, interpolation=INTERPOLATION[interpolation], antialias=True)(img)
    return T.CenterCrop(size)(img)


def main():
    os.makedirs(OUT, exist_ok=True)
    index = {"generator": "reference/images_fixtures.py",
             "versions": {"Pillow": PIL.__version__, "torchvision": torchvision.__version__, "torch": torch.__version__},
             "crops": [], "decodes": []}
    for name, rel, size, mode, interpolation, exif in CROPS:
        img = load(os.path.join(SHARED, rel), exif)
        out = np.asarray(crop(img, size, mode, interpolation), dtype=np.uint8)
        assert out.shape == (size, size, 3), out.shape
        with open(os.path.join(OUT, name + ".rgb"), "wb") as f:
            f.write(out.tobytes())
        index["crops"].append({"name": name, "source": rel, "imageSize": size, "mode": mode,
                               "interpolation": interpolation, "exif": exif, "file": name + ".rgb",
                               "sourceSize": list(img.size)})

    for rel in DECODE_DIGESTS:
        img = load(os.path.join(SHARED, rel), False)
        raw = np.asarray(img, dtype=np.uint8).tobytes()
        index["decodes"].append({"source": rel, "width": img.size[0], "height": img.size[1],
                                 "fnv1a64": "%016x" % fnv1a64(raw)})

    # Small PNGs of every colour type / bit depth, and Pillow's convert("RGB") of each.
    index["pngs"] = []
    for name, data in small_pngs():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        img = Image.open(os.path.join(OUT, name))
        mode = img.mode
        rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
        index["pngs"].append({"file": name, "pillowMode": mode, "width": rgb.shape[1], "height": rgb.shape[0],
                              "rgbHex": rgb.tobytes().hex()})

    # torchvision's ToTensor + Normalize on one 32x32 crop: the exact float32 values.
    rel = "cats_dogs/cat/cat.1005.jpg"
    small = crop(load(os.path.join(SHARED, rel), False), 32, "crop", "bilinear")
    tensor = T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))(T.ToTensor()(small))
    with open(os.path.join(OUT, "normalize_imagenet_32.f32"), "wb") as f:
        f.write(tensor.numpy().astype("<f4").tobytes())
    index["normalize"] = {"source": rel, "imageSize": 32, "file": "normalize_imagenet_32.f32", "layout": "CHW float32 little-endian"}

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(index['crops'])} crops, {len(index['decodes'])} decode digests to {OUT} ({total} bytes)")


if __name__ == "__main__":
    main()
