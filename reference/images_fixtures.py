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
