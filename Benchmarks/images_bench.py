#!/usr/bin/env python3
"""Driver: times ProbeImages (bench-images) and Pillow + torchvision (images_reference.py) on the same
photos in the same run, and prints the throughput ratios. One command:

    python3 Benchmarks/images_bench.py [--python /work/venv-ref/bin/python] [--threads 2] [--repeat 3]
                                       [--fidelity] [--limit N]

--fidelity also dumps Pillow's 224x224 crops of every photo to a temporary folder and reports how far
Probe's default and --fast-decode crops are from them (mean and max absolute error, in 1/255 units).
The shared photos come from $PROBE_SHARED_DATASETS, else ../shared/datasets beside the clone.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # the Probe package, which builds the bench-* executables


def run_json(command, **kwargs):
    print("$ " + " ".join(command), file=sys.stderr)
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, **kwargs).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for row in rows:
        print(json.dumps(row))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=os.environ.get("PROBE_REFERENCE_PYTHON", "/work/venv-ref/bin/python"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--fidelity", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("PROBE_SHARED_DATASETS", os.path.normpath(os.path.join(HERE, "..", "..", "shared", "datasets")))
    limit = ["--limit", str(args.limit)] if args.limit else []

    subprocess.run(["swift", "build", "-c", "release", "--product", "bench-images"], cwd=ROOT, check=True,
                   stdout=sys.stderr)
    bench = os.path.join(ROOT, ".build", "release", "bench-images")
    common = ["--threads", str(args.threads), "--repeat", str(args.repeat)] + limit

    dump = tempfile.mkdtemp(prefix="probe-pillow-crops-") if args.fidelity else None
    if dump:
        run_json([args.python, os.path.join(HERE, "images_reference.py"), "--dump", dump] + limit, env=env)
    compare = ["--compare-dir", dump] if dump else []
    probe = run_json([bench] + common + compare, env=env)[0]
    fast = run_json([bench, "--fast-decode"] + common + compare, env=env)[0]
    reference = run_json([args.python, os.path.join(HERE, "images_reference.py"), "--workers", str(args.threads),
                          "--repeat", str(args.repeat)] + limit, env=env)

    print()
    print(f"images: {probe['images']}, Probe on {args.threads} threads; the machine may be shared, so compare within one run")
    for ref in reference:
        for row in (probe, fast):
            ratio = row["images_per_second"] / ref["images_per_second"]
            print(f"  {row['impl']:<18} {row['images_per_second']:8.1f} img/s  vs  Pillow+torchvision "
                  f"{ref['processes']} process(es) {ref['images_per_second']:8.1f} img/s  ->  {ratio:.2f}x")
    if dump:
        subprocess.run(["rm", "-rf", dump], check=False)


if __name__ == "__main__":
    main()
