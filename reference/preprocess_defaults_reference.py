#!/usr/bin/env python3
"""Writes what each model's weights publish as their preprocessing, for Probe's default recipes.

torchvision: `weights.transforms()` of the weights Probe fetches (VGG16 IMAGENET1K_V1, MobileNetV2
IMAGENET1K_V2, EfficientNet-B0 IMAGENET1K_V1): resize size, crop size, interpolation, mean, std.
Keras: which `preprocess_input` mode each application applies, found by running it on 0, 127.5 and 255
(caffe: BGR minus means; tf: x/127.5 - 1; EfficientNet: the identity), and
`image_dataset_from_directory`'s own defaults (image_size, interpolation, crop_to_aspect_ratio).

Run from the repository root: /work/venv-ref/bin/python reference/preprocess_defaults_reference.py
Writes Tests/Fixtures/preprocess-defaults/defaults.json.
"""
import inspect
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import torchvision
import torchvision.models as tvm
import keras
from keras.applications import efficientnet, mobilenet_v2, vgg16

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "preprocess-defaults", "defaults.json")

TORCHVISION = {
    "vgg16": tvm.VGG16_Weights.IMAGENET1K_V1,
    "mobilenet_v2": tvm.MobileNet_V2_Weights.IMAGENET1K_V2,
    "efficientnet_b0": tvm.EfficientNet_B0_Weights.IMAGENET1K_V1,
}


def keras_mode(module):
    x = np.array([[[[0.0, 127.5, 255.0]]]], dtype=np.float32)
    y = np.asarray(module.preprocess_input(x.copy()))[0, 0, 0]
    if np.array_equal(y, x[0, 0, 0]):
        return "raw"
    if np.allclose(y, x[0, 0, 0] / 127.5 - 1):
        return "tf"
    if np.allclose(y, x[0, 0, 0][::-1] - np.array([103.939, 116.779, 123.68])):
        return "caffe"
    raise ValueError(f"unknown preprocess_input mode: {y}")


def main():
    result = {"generator": "reference/preprocess_defaults_reference.py",
              "versions": {"torchvision": torchvision.__version__, "keras": keras.__version__},
              "torchvision": {}, "keras": {}}
    for name, weights in TORCHVISION.items():
        t = weights.transforms()
        result["torchvision"][name] = {
            "weights": str(weights), "url": weights.url, "resize_size": t.resize_size[0], "crop_size": t.crop_size[0],
            "interpolation": t.interpolation.value, "mean": list(t.mean), "std": list(t.std)}
    for name, module in (("keras_vgg16", vgg16), ("keras_mobilenet_v2", mobilenet_v2),
                         ("keras_efficientnet_b0", efficientnet)):
        result["keras"][name] = {"preprocess_input": keras_mode(module)}
    defaults = inspect.signature(keras.utils.image_dataset_from_directory).parameters
    result["image_dataset_from_directory"] = {
        "image_size": list(defaults["image_size"].default), "interpolation": defaults["interpolation"].default,
        "crop_to_aspect_ratio": defaults["crop_to_aspect_ratio"].default}
    load_img = inspect.signature(keras.utils.load_img).parameters
    result["load_img"] = {"interpolation": load_img["interpolation"].default,
                          "keep_aspect_ratio": load_img["keep_aspect_ratio"].default}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
