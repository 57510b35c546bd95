#!/usr/bin/env python3
"""Writes the goldens for Probe's Keras preprocessing recipes, from TensorFlow and Keras themselves.

`--preprocess keras-directory` must give what `keras.utils.image_dataset_from_directory` gives:
    img = tf.image.decode_image(bytes, channels=3, expand_animations=False)   # JPEG: fast integer IDCT
    img = tf.image.resize(img, (S, S))            # bilinear, antialias=False, half-pixel centres, float32
  or, with crop_to_aspect_ratio=True, keras's smart_resize (centre crop to the target aspect, then resize).
`--preprocess keras-load-img` must give `keras.utils.load_img(path, target_size=(S, S))` (Pillow decode,
convert("RGB"), resize NEAREST; keep_aspect_ratio=True crops the centre first).

The real-photo folders go through `image_dataset_from_directory` itself (shuffle=False, batch_size=None),
so the goldens are that function's output, not a re-implementation. A few odd files of the shared
`badinputs` folder (CMYK, gray, progressive, PNG variants, a 1x1 and a 4000x50 picture) cannot go through
it as a folder (the folder also holds broken files on purpose), so they take the same two calls
(`decode_image`, `tf.image.resize`) one by one.

Each golden is the first 16 hex digits of the sha256 of the bytes (uint8 HWC for decodes and load_img,
little-endian float32 HWC for the resizes and normalisations).

Run from the repository root with the reference venv:
    /work/venv-ref/bin/python reference/keras_preprocess_reference.py            # the committed subset
    /work/venv-ref/bin/python reference/keras_preprocess_reference.py --all-shared
The first writes Tests/Fixtures/keras-preprocess/subset.json (data/pets-mini and the badinputs files);
the second writes Tests/Fixtures/keras-preprocess/shared.json (every photo of cats_dogs, flowers and
alpaca in ../shared/datasets, or $PROBE_SHARED_DATASETS), which the tests check when
PROBE_KERAS_PREPROCESS_ALL=1 is set.
"""
import hashlib
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
import PIL
from keras.applications import mobilenet_v2, vgg16

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "keras-preprocess")
SHARED = os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets"))

DIRECTORY_SIZES = [160, 224]
LOAD_IMG_SIZE = 224
BADINPUTS = [
    "badinputs/a/cmyk.jpg", "badinputs/a/grayscale.jpg", "badinputs/a/progressive.jpg",
    "badinputs/a/exif_orientation_6.jpg", "badinputs/a/ok_baseline.jpg", "badinputs/b/one_pixel_1x1.jpg",
    "badinputs/b/very_wide_4000x50.jpg", "badinputs/b/rgb_16bit.png", "badinputs/b/rgba_alpha.png",
    "badinputs/b/palette_64colors.png",
]


def digest(a) -> str:
    """The first 16 hex digits of the sha256 of an array's bytes (uint8, or little-endian float32), HWC."""
    a = np.ascontiguousarray(a)
    if a.dtype == np.float32:
        a = a.astype("<f4", copy=False)
    return hashlib.sha256(a.tobytes()).hexdigest()[:16]


def directory_outputs(root):
    """{relative path: {"directory_S": digest, "directory_crop_S": digest}} from image_dataset_from_directory."""
    results = {}
    for size in DIRECTORY_SIZES:
        for crop in (False, True):
            ds = keras.utils.image_dataset_from_directory(
                root, image_size=(size, size), shuffle=False, batch_size=None, crop_to_aspect_ratio=crop,
                verbose=False)
            key = f"directory_{'crop_' if crop else ''}{size}"
            for path, (image, _) in zip(ds.file_paths, ds):
                rel = os.path.relpath(path, root)
                results.setdefault(rel, {})[key] = digest(image.numpy())
    return results


def single_directory_outputs(path):
    """The same two calls image_dataset_from_directory makes, on one file."""
    raw = tf.io.read_file(path)
    out = {}
    for size in DIRECTORY_SIZES:
        img = tf.image.decode_image(raw, channels=3, expand_animations=False)
        out[f"directory_{size}"] = digest(tf.image.resize(img, (size, size)).numpy())
        cropped = keras.src.utils.image_utils.smart_resize(
            img, (size, size), backend_module=keras.src.backend.tensorflow)
        out[f"directory_crop_{size}"] = digest(np.asarray(cropped))
    return out


def decode_and_load_img(path):
    raw = tf.io.read_file(path)
    decoded = tf.image.decode_image(raw, channels=3, expand_animations=False).numpy()
    out = {"width": int(decoded.shape[1]), "height": int(decoded.shape[0]), "decode": digest(decoded)}
    size = (LOAD_IMG_SIZE, LOAD_IMG_SIZE)
    out[f"load_img_{LOAD_IMG_SIZE}"] = digest(np.asarray(keras.utils.load_img(path, target_size=size)))
    out[f"load_img_keep_{LOAD_IMG_SIZE}"] = digest(
        np.asarray(keras.utils.load_img(path, target_size=size, keep_aspect_ratio=True)))
    return out


def normalization_goldens(path):
    """preprocess_input on one resized float image, for caffe (VGG16) and tf (MobileNetV2), as tensors and
    as numpy arrays (the notebooks use both; they must agree)."""
    img = tf.image.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    x = tf.image.resize(img, (224, 224))[tf.newaxis]
    out = {}
    for name, module in (("caffe", vgg16), ("tf", mobilenet_v2)):
        as_tensor = np.asarray(module.preprocess_input(tf.identity(x)))
        as_numpy = module.preprocess_input(x.numpy().copy())
        assert as_tensor.dtype == np.float32 and np.array_equal(as_tensor, as_numpy), name
        out[name] = digest(as_tensor[0])
    return out


def main():
    all_shared = "--all-shared" in sys.argv[1:]
    os.makedirs(OUT, exist_ok=True)
    entries = {}
    if all_shared:
        roots = [("", os.path.join(SHARED, name), name) for name in ("cats_dogs", "flowers", "alpaca")]
    else:
        roots = [("data/pets-mini", os.path.join(REPO, "data", "pets-mini"), "pets-mini")]
    for _, root, name in roots:
        for rel, digests in directory_outputs(root).items():
            entries[f"{name}/{rel}"] = digests
    for key in list(entries):
        name, rel = key.split("/", 1)
        root = dict((n, r) for _, r, n in roots)[name]
        entries[key].update(decode_and_load_img(os.path.join(root, rel)))
    if not all_shared:
        for rel in BADINPUTS:
            path = os.path.join(SHARED, rel)
            entries[rel] = {**single_directory_outputs(path), **decode_and_load_img(path)}
    result = {
        "generator": "reference/keras_preprocess_reference.py" + (" --all-shared" if all_shared else ""),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "Pillow": PIL.__version__},
        "roots": {"pets-mini": "data/pets-mini", "badinputs": "shared:badinputs", "cats_dogs": "shared:cats_dogs",
                  "flowers": "shared:flowers", "alpaca": "shared:alpaca"},
        "directorySizes": DIRECTORY_SIZES,
        "loadImgSize": LOAD_IMG_SIZE,
        "files": [dict(path=k, **v) for k, v in sorted(entries.items())],
    }
    if not all_shared:
        result["normalization"] = {"source": "pets-mini/cat/cat.1005.jpg", "imageSize": 224,
                                   **normalization_goldens(os.path.join(REPO, "data", "pets-mini", "cat", "cat.1005.jpg"))}
    name = "shared.json" if all_shared else "subset.json"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.join(OUT, name)}: {len(entries)} files")


if __name__ == "__main__":
    main()
