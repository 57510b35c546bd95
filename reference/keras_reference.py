"""Golden fixtures for the Keras backbones (Tests/Fixtures/keras/).

Run:  nice -n 19 /work/venv-ref/bin/python reference/keras_reference.py
      (keras 3.15 with the TensorFlow 2.21 CPU backend, h5py, numpy)

For each of keras.applications VGG16 (64x64 input), MobileNetV2 alpha 1.0 (72x72: odd feature maps
from 9x9 on, so `correct_pad` takes its odd branch) and EfficientNetB0 (80x80), include_top=False:

1. Builds the model with weights=None and DETERMINISTIC weights (below), so batch-norm statistics,
   gammas, betas, biases and the EfficientNet Normalization layer all matter.
2. Saves them as
   - `<model>.h5`: the legacy layout of the keras.applications files (root attr `layer_names`, one
     group per layer with attr `weight_names`, datasets at group/<weight name>), written by Keras's
     own `legacy_h5_format.save_weights_to_hdf5_group`;
   - `<model>.weights.h5`: Keras 3's `model.save_weights` format (`layers/<class>[_k]/vars/<i>`).
   Both are then copied dataset by dataset with gzip compression (same groups, names, attributes,
   dtypes and shapes; libhdf5 decompresses transparently). That and the periodic weights below keep
   the committed files small: VGG16's 14.7 million weights would otherwise be 59 MB per file.
3. MobileNetV2 also gets `keras_mobilenet_v2.keras` (Keras's own `model.save`, members re-deflated)
   and `keras_mobilenet_v2_oldnames.h5`: the legacy file with every layer renamed the way the real
   applications file names them (`block_1_expand` -> `mobl1_conv_1_expand`, `block_1_expand_BN` ->
   `bn1_conv_1_bn_expand`; others get an `old_` prefix) and its string attributes stored as
   variable-length strings instead of fixed-length ones. Keras loads legacy files by the order of
   the layers that have weights, never by name, and so must Probe.
   Two small damaged legacy files serve the refusal tests (`refusal_fixtures`; rerun alone with
   `--refusals`).
4. Writes two inputs per model, float32 NHWC, exactly what the model takes after `preprocess_input`
   (`<model>_input.npy`): VGG16 caffe-range values, MobileNetV2 values in [-1, 1), EfficientNetB0
   raw 0..255 values (its scaling and normalisation are layers of the model).
5. Expected embeddings (`<model>_expected_avg.npy`, float64 [2, C]): the SAME Keras model built in
   float64 (`keras.config.set_dtype_policy("float64")`), loaded from the `.h5` file, with
   `pooling="avg"`; TensorFlow's CPU kernels run the convolutions in double precision. The float32
   Keras model's error against them is printed for comparison.

EfficientNetB0 is built the way `weights="imagenet"` builds it, with the extra
Rescaling(1/sqrt(IMAGENET_STDDEV)) after the Normalization layer (keras.applications adds it only for
weights="imagenet"; the file stores std in the Normalization's variance slot, so the net input
transform is (x/255 - mean)/std). We get that structure offline by handing EfficientNetB0 our own
legacy file in place of the download (`file_utils.get_file` patched). Probe reproduces this
behaviour: it is what the notebooks Probe replaces run (`EfficientNetB0(weights="imagenet")`).

Deterministic weights: T = 4093 float32 values, numpy RandomState(13).uniform(-1, 1). Variables are
visited in model order (layers with weights, each layer's variables in Keras order); variable number
v with n elements takes u[i] = T[(offset + i) mod 4093] in C order, offset = running element count.
    conv kernel (HWIO), depthwise kernel (kh, kw, C, 1):  u * sqrt(6 / fan_in), fan_in = prod(shape[:-1])
    bias: u * 0.0625      gamma: u * 0.25 + 1      beta: u * 0.125
    moving_mean: u * 0.125      moving_variance: u * 0.5 + 1
    Normalization mean: ImageNet mean + 0.05 u;  variance: ImageNet std + 0.02 u  (count left alone)
"""
import os
import sys
import shutil
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py
import numpy as np
import keras
from keras.src.legacy.saving import legacy_h5_format
import keras.src.applications.efficientnet as keras_efficientnet

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "keras")
TABLE = np.random.RandomState(13).uniform(-1, 1, size=4093).astype(np.float32)
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)

MODELS = [
    ("keras_vgg16", keras.applications.VGG16, 64),
    ("keras_mobilenet_v2", keras.applications.MobileNetV2, 72),
    ("keras_efficientnet_b0", keras.applications.EfficientNetB0, 80),
]


def build(constructor, size, weights=None, pooling=None):
    return constructor(include_top=False, weights=weights, input_shape=(size, size, 3), pooling=pooling)


def build_b0_imagenet_structure(size, legacy_file, pooling):
    """EfficientNetB0 as weights="imagenet" builds it, loading `legacy_file` instead of the download."""
    original = keras_efficientnet.file_utils.get_file
    keras_efficientnet.file_utils.get_file = lambda *args, **kwargs: legacy_file
    try:
        return keras.applications.EfficientNetB0(include_top=False, weights="imagenet",
                                                 input_shape=(size, size, 3), pooling=pooling)
    finally:
        keras_efficientnet.file_utils.get_file = original


def deterministic_weights(model):
    offset = 0
    for layer in model.layers:
        values = []
        for variable in layer.weights:
            shape = tuple(variable.shape)
            n = int(np.prod(shape)) if shape else 1
            u = TABLE[(offset + np.arange(n)) % len(TABLE)].reshape(shape)
            offset += n
            name = variable.path.split("/")[-1]
            if name in ("kernel", "depthwise_kernel"):
                fan_in = int(np.prod(shape[:-1]))
                value = u * np.float32(np.sqrt(6.0 / fan_in))
            elif name == "bias":
                value = u * np.float32(0.0625)
            elif name == "gamma":
                value = u * np.float32(0.25) + np.float32(1)
            elif name == "beta" or name == "moving_mean":
                value = u * np.float32(0.125)
            elif name == "moving_variance":
                value = u * np.float32(0.5) + np.float32(1)
            elif name == "mean":
                value = IMAGENET_MEAN.reshape(shape) + np.float32(0.05) * u
            elif name == "variance":
                value = IMAGENET_STD.reshape(shape) + np.float32(0.02) * u
            elif name == "count":
                value = variable.numpy()
            else:
                raise SystemExit(f"unexpected variable {variable.path}")
            values.append(np.asarray(value, dtype=variable.dtype))
        if values:
            layer.set_weights(values)


def copy_compressed(src, dst, rename=None, vlen_strings=False):
    """Copies an HDF5 file object by object with gzip-compressed datasets.

    String-list attributes are written as fixed-length byte strings, as in the keras.applications
    files (Keras 3 itself writes variable-length ones), unless vlen_strings.

    rename: old layer name -> new layer name (legacy layout only: root groups, `layer_names`,
    `weight_names` entries' first component). vlen_strings: store string-array attributes as
    variable-length strings."""
    rename = rename or {}

    def name_of(path):
        first, _, rest = path.partition("/")
        return rename.get(first, first) + ("/" + rest if rest else "")

    def copy_attrs(a, b):
        for key, value in a.attrs.items():
            is_strings = isinstance(value, np.ndarray) and (
                value.dtype.kind == "S" or (value.dtype.kind == "O" and all(isinstance(v, (bytes, str)) for v in value)))
            if is_strings:
                items = [v.decode("utf8") if isinstance(v, bytes) else v for v in value]
                if key == "layer_names":
                    items = [rename.get(v, v) for v in items]
                elif key == "weight_names":
                    items = [name_of(v) for v in items]
                if vlen_strings:
                    b.attrs.create(key, items, dtype=h5py.string_dtype("utf-8"))
                else:
                    b.attrs[key] = np.array([v.encode("utf8") for v in items])
            else:
                b.attrs[key] = value

    with h5py.File(src, "r") as fin, h5py.File(dst, "w") as fout:
        copy_attrs(fin, fout)

        def visit(group_in, group_out):
            for key, item in group_in.items():
                if isinstance(item, h5py.Group):
                    new_key = rename.get(key, key)  # the layer group and the weight path's first component
                    sub = group_out.create_group(new_key)
                    copy_attrs(item, sub)
                    visit(item, sub)
                else:
                    new_key = key
                    data = item[()]
                    if item.shape == ():
                        d = group_out.create_dataset(new_key, data=data)
                    else:
                        # One chunk per dataset, so deflate sees the C-order period of the weights.
                        d = group_out.create_dataset(new_key, data=data, chunks=item.shape,
                                                     compression="gzip", compression_opts=9)
                    copy_attrs(item, d)

        visit(fin, fout)


def old_mobilenet_name(name):
    """The layer names of keras-applications' MobileNetV2 files (`mobl<i>_conv_<i>_...`, `bn<i>_conv_<i>_bn_...`)."""
    if name.startswith("block_"):
        _, block, part = name.split("_", 2)
        table = {"expand": f"mobl{block}_conv_{block}_expand", "expand_BN": f"bn{block}_conv_{block}_bn_expand",
                 "depthwise": f"mobl{block}_conv_{block}_depthwise", "depthwise_BN": f"bn{block}_conv_{block}_bn_depthwise",
                 "project": f"mobl{block}_conv_{block}_project", "project_BN": f"bn{block}_conv_{block}_bn_project"}
        if part in table:
            return table[part]
    return "old_" + name


def refusal_fixtures():
    """Small damaged legacy files cut from `keras_mobilenet_v2.h5`, for the refusal tests:
    `keras_mobilenet_v2_first10.h5` keeps the first 10 layers with weights (a layer-count mismatch);
    `keras_mobilenet_v2_badshape.h5` is the same with bn_Conv1's gamma cut to 16 values (a shape
    mismatch at the second layer with weights, found before the count is)."""
    source = os.path.join(OUT, "keras_mobilenet_v2.h5")
    for target, bad_shape in (("keras_mobilenet_v2_first10.h5", False), ("keras_mobilenet_v2_badshape.h5", True)):
        with h5py.File(source, "r") as fin, h5py.File(os.path.join(OUT, target), "w") as fout:
            kept = []
            for raw in fin.attrs["layer_names"]:
                name = raw.decode("utf8")
                weights = fin[name].attrs["weight_names"]
                if len(weights) and sum(1 for k in kept if len(fin[k].attrs["weight_names"])) == 10:
                    break
                kept.append(name)
            fout.attrs["layer_names"] = np.array([k.encode("utf8") for k in kept])
            for name in kept:
                group = fout.create_group(name)
                group.attrs["weight_names"] = fin[name].attrs["weight_names"]
                for raw in fin[name].attrs["weight_names"]:
                    weight = raw.decode("utf8")
                    data = fin[name][weight][()]
                    if bad_shape and weight == "bn_Conv1/gamma":
                        data = data[:16]
                    group.create_dataset(weight, data=data)


def main():
    if sys.argv[1:] == ["--refusals"]:
        refusal_fixtures()
        return
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="keras-ref-")
    try:
        for name, constructor, size in MODELS:
            keras.config.set_floatx("float32")
            keras.config.set_dtype_policy("float32")
            model = build(constructor, size)
            deterministic_weights(model)
            raw_legacy = os.path.join(work, name + ".h5")
            with h5py.File(raw_legacy, "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
            raw_keras3 = os.path.join(work, name + ".weights.h5")
            model.save_weights(raw_keras3)
            copy_compressed(raw_legacy, os.path.join(OUT, name + ".h5"))
            copy_compressed(raw_keras3, os.path.join(OUT, name + ".weights.h5"))

            if name == "keras_mobilenet_v2":
                rename = {layer.name: old_mobilenet_name(layer.name) for layer in model.layers}
                copy_compressed(raw_legacy, os.path.join(OUT, name + "_oldnames.h5"), rename=rename, vlen_strings=True)
                raw_zip = os.path.join(work, name + ".keras")
                model.save(raw_zip)
                with zipfile.ZipFile(raw_zip) as zin, \
                        zipfile.ZipFile(os.path.join(OUT, name + ".keras"), "w", zipfile.ZIP_DEFLATED) as zout:
                    for info in zin.infolist():
                        data = zin.read(info.filename)
                        if info.filename == "model.weights.h5":
                            inner_raw, inner = os.path.join(work, "inner_raw.h5"), os.path.join(work, "inner.h5")
                            open(inner_raw, "wb").write(data)
                            copy_compressed(inner_raw, inner)
                            data = open(inner, "rb").read()
                        zout.writestr(info.filename, data)

            rng = np.random.RandomState({"keras_vgg16": 1, "keras_mobilenet_v2": 2, "keras_efficientnet_b0": 3}[name])
            if name == "keras_vgg16":
                x = rng.uniform(-124, 152, size=(2, size, size, 3))
            elif name == "keras_mobilenet_v2":
                x = rng.uniform(-1, 1, size=(2, size, size, 3))
            else:
                x = rng.uniform(0, 255, size=(2, size, size, 3))
            x = x.astype(np.float32)
            np.save(os.path.join(OUT, name + "_input.npy"), x)

            legacy = os.path.join(OUT, name + ".h5")
            if name == "keras_efficientnet_b0":
                m32 = build_b0_imagenet_structure(size, legacy, "avg")
            else:
                m32 = build(constructor, size, weights=legacy, pooling="avg")
            y32 = m32.predict(x, verbose=0).astype(np.float64)
            keras.config.set_floatx("float64")
            keras.config.set_dtype_policy("float64")
            if name == "keras_efficientnet_b0":
                m64 = build_b0_imagenet_structure(size, legacy, "avg")
            else:
                m64 = build(constructor, size, weights=legacy, pooling="avg")
            out64 = m64(x.astype(np.float64), training=False)
            assert str(out64.dtype) == "<dtype: 'float64'>" and all(
                layer.compute_dtype == "float64" for layer in m64.layers), f"{name}: not computed in float64"
            y64 = np.asarray(out64, dtype=np.float64)
            np.save(os.path.join(OUT, name + "_expected_avg.npy"), y64)
            rel = np.abs(y32 - y64).max() / np.abs(y64).max()
            print(f"{name}: {size}x{size}, embedding {y64.shape}, |e| max {np.abs(y64).max():.4g}, "
                  f"mean {np.abs(y64).mean():.4g}; keras float32 vs float64 max error / max |e| = {rel:.2e}")
            sys.stdout.flush()
        refusal_fixtures()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
