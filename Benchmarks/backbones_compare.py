"""One command for the backbone speed comparison: builds and runs bench-backbones, runs
backbones_reference.py (PyTorch, ONNX Runtime) with the same settings, prints a table of ratios.

    /work/venv-ref/bin/python Benchmarks/backbones_compare.py [--batch 32] [--size 224] [--threads 2]
        [--iterations 3] [--models ...] [--runs 1]

With --runs > 1 the Swift and reference runs alternate and each number is the best seen, which is
what to use on a shared or throttled machine.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # the Probe package, which builds the bench-* executables


def json_lines(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", default="32")
    p.add_argument("--size", default="224")
    p.add_argument("--threads", default="2")
    p.add_argument("--iterations", default="3")
    p.add_argument("--models", default="vgg16,mobilenet_v2,efficientnet_b0,efficientnet_lite0")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--scratch-path", default=".build",
                   help="SwiftPM build folder, e.g. .build-avx2 with PROBE_TARGET_CPU=haswell in the environment")
    args = p.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--package-path", ROOT, "--scratch-path",
                    os.path.join(ROOT, args.scratch_path), "--product", "bench-backbones"],
                   check=True, stdout=subprocess.DEVNULL)
    common = ["--batch", args.batch, "--size", args.size, "--threads", args.threads,
              "--iterations", args.iterations, "--models", args.models]
    best = {}
    sgemm = {}
    for run in range(args.runs):
        rows = json_lines([os.path.join(ROOT, args.scratch_path, "release", "bench-backbones")] + common +
                          ["--sgemm", "yes" if run == 0 else "no"])
        rows += json_lines([sys.executable, os.path.join(HERE, "backbones_reference.py")] + common)
        for r in rows:
            print(json.dumps(r, sort_keys=True))
            if r["bench"] == "sgemm":
                sgemm[(r["impl"], r["threads"])] = r["gflops"]
            else:
                key = (r["model"], r["impl"])
                if key not in best or r["images_per_s"] > best[key]["images_per_s"]:
                    best[key] = r
    peak = max([v for (impl, t), v in sgemm.items() if t == int(args.threads)] or [float("nan")])
    print()
    print(f"batch {args.batch}, {args.size}x{args.size}, {args.threads} threads; sgemm peak "
          + ", ".join(f"{impl} {t}T {v:.1f}" for (impl, t), v in sorted(sgemm.items())) + " GFLOP/s")
    print(f"{'model':<20}{'probe img/s':>12}{'GFLOP/s':>9}{'% peak':>8}{'pytorch':>9}{'ORT':>8}{'vs pytorch':>12}{'vs ORT':>8}")
    for model in args.models.split(","):
        probe = best.get((model, "probe"))
        torch_r = best.get((model, "pytorch"))
        ort_r = best.get((model, "onnxruntime"))
        if not probe:
            continue
        ips = probe["images_per_s"]
        tp = torch_r["images_per_s"] if torch_r else float("nan")
        op = ort_r["images_per_s"] if ort_r else float("nan")
        print(f"{model:<20}{ips:>12.2f}{probe['gflops']:>9.1f}{100 * probe['gflops'] / peak:>7.0f}%{tp:>9.2f}{op:>8.2f}"
              f"{ips / tp:>11.2f}x{ips / op:>7.2f}x")
    # CPU time per image is steadier than wall time on a shared machine (frameworks that spin-wait
    # in their thread pools are charged for it).
    print()
    print(f"{'CPU ms per image':<20}{'probe':>10}{'pytorch':>10}{'ORT':>10}")
    for model in args.models.split(","):
        cells = [best.get((model, impl), {}).get("cpu_ms_per_image", float("nan")) for impl in ("probe", "pytorch", "onnxruntime")]
        print(f"{model:<20}" + "".join(f"{c:>10.1f}" for c in cells))


if __name__ == "__main__":
    main()
