"""Reference timings for bench-backbones: PyTorch and ONNX Runtime on the same input.

    /work/venv-ref/bin/python Benchmarks/backbones_reference.py [--batch 32] [--size 224] [--threads 2]
        [--iterations 3] [--models vgg16,mobilenet_v2,...]

Each model is its feature extractor followed by global average pooling (what Probe's embed
computes), random weights, eval mode. PyTorch: torch.set_num_threads(T), torch.no_grad(), default
(oneDNN/mkldnn-enabled) CPU build as installed. ONNX Runtime: the same module exported with
torch.onnx, CPUExecutionProvider, intra_op_num_threads=T, inter_op_num_threads=1, all graph
optimisations. The input is bench-backbones' (SplitMix64 seed 42, see its header). One JSON object per line.
"""
import argparse
import json
import os
import tempfile
import time

import numpy as np
import torch
import torchvision

GOLDEN = 0x9E3779B97F4A7C15


def bench_input(batch, size):
    count = batch * 3 * size * size
    with np.errstate(over="ignore"):
        z = np.uint64(42) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -23) - np.float32(1)
    return (u * np.float32(2)).reshape(batch, 3, size, size)


class Pooled(torch.nn.Module):
    def __init__(self, name):
        super().__init__()
        self.name = name
        if name == "efficientnet_lite0":
            from efficientnet_lite_pytorch import EfficientNet
            self.net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
        else:
            self.net = getattr(torchvision.models, name)(weights=None)

    def forward(self, x):
        f = self.net.extract_features(x) if self.name == "efficientnet_lite0" else self.net.features(x)
        return f.mean(dim=(2, 3))


def timed(fn, iterations):
    """Wall seconds of each iteration after a warm-up, and CPU seconds (all threads) in total.
    CPU time includes any spin-waiting of the framework's thread pool."""
    fn()  # warm-up
    times = []
    cpu_start = time.process_time()
    for _ in range(iterations):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times, time.process_time() - cpu_start


def emit(**kw):
    print(json.dumps(kw, sort_keys=True), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--models", default="vgg16,mobilenet_v2,efficientnet_b0,efficientnet_lite0")
    p.add_argument("--impls", default="pytorch,onnxruntime")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    x = bench_input(args.batch, args.size)
    xt = torch.from_numpy(x)
    impls = args.impls.split(",")
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = Pooled(name).eval()
        common = dict(bench="backbone", model=name, batch=args.batch, size=args.size, threads=args.threads)
        if "pytorch" in impls:
            with torch.no_grad():
                times, cpu = timed(lambda: model(xt), args.iterations)
            emit(impl="pytorch", seconds=times, images_per_s=args.batch / min(times),
                 cpu_ms_per_image=1000 * cpu / (args.iterations * args.batch),
                 torch=torch.__version__, **common)
        if "onnxruntime" in impls:
            import onnxruntime as ort
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, f"{name}.onnx")
                torch.onnx.export(model, (xt[:1],), path, input_names=["x"], output_names=["y"],
                                  dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17, dynamo=False)
                so = ort.SessionOptions()
                so.intra_op_num_threads = args.threads
                so.inter_op_num_threads = 1
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
                times, cpu = timed(lambda: session.run(None, {"x": x}), args.iterations)
            emit(impl="onnxruntime", seconds=times, images_per_s=args.batch / min(times),
                 cpu_ms_per_image=1000 * cpu / (args.iterations * args.batch),
                 ort=ort.__version__, **common)


if __name__ == "__main__":
    main()
