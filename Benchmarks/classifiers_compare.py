"""Runs bench-classifiers and classifiers_reference.py on the same data and prints sklearn/probe ratios.

    /work/venv-ref/bin/python Benchmarks/classifiers_compare.py [--configs small,medium,large] [--max-iter 300] [--knn-queries 2000]

Builds bench-classifiers in release mode first (skip with --no-build). Ratios above 1 mean Probe is faster.
Targets (issue 5): logreg fit >= 3x at equal objective, LinearSVC fit >= 1.5x, k-NN predict >= 2x.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)  # the Probe package, which builds the bench-* executables


def run(cmd, raw_log):
    """Runs one side, echoing its JSON lines to raw_log as they come (a long run that is stopped
    part-way still leaves its measurements), and returns the parsed rows."""
    rows = []
    with subprocess.Popen(cmd, cwd=HERE, stdout=subprocess.PIPE, text=True) as proc:
        for line in proc.stdout:
            if line.startswith("{"):
                rows.append(json.loads(line))
                print(line.rstrip(), file=raw_log, flush=True)
    if proc.returncode != 0:
        print(f"warning: {cmd[0]} exited with {proc.returncode}", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="small,medium")
    ap.add_argument("--max-iter", default="300")
    ap.add_argument("--knn-queries", default="2000")
    ap.add_argument("--estimators", default="logreg,svm,knn")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--probe-only", action="store_true", help="time Probe alone (e.g. while the reference is too slow to wait for)")
    args = ap.parse_args()
    common = ["--configs", args.configs, "--max-iter", args.max_iter, "--knn-queries", args.knn_queries, "--estimators", args.estimators]
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "bench-classifiers"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    probe = run([os.path.join(ROOT, ".build", "release", "bench-classifiers")] + common, sys.stderr)
    sklearn = run([sys.executable, os.path.join(HERE, "classifiers_reference.py")] + common, sys.stderr) if not args.probe_only else []
    ref = {(r["config"], r["estimator"]): r for r in sklearn}
    header = f"{'config':<7} {'estimator':<10} {'probe fit':>10} {'sk fit':>10} {'fit x':>6} {'probe pred':>10} {'sk pred':>10} {'pred x':>6} {'acc probe/sk':>13}  objective probe/sk"
    print(header)
    for p in probe:
        s = ref.get((p["config"], p["estimator"]))
        if s is None:
            continue
        objective = f"{p['objective']:.6g}/{s['objective']:.6g}" if "objective" in p else ""
        print(f"{p['config']:<7} {p['estimator']:<10} {p['fit_s']:>10.3f} {s['fit_s']:>10.3f} {s['fit_s'] / max(p['fit_s'], 1e-9):>6.2f}"
              f" {p['predict_s']:>10.4f} {s['predict_s']:>10.4f} {s['predict_s'] / max(p['predict_s'], 1e-9):>6.2f}"
              f" {p['accuracy']:>6.4f}/{s['accuracy']:<6.4f}  {objective}")
    print("CPU seconds (all threads; steadier than wall time on a shared machine):")
    for p in probe:
        s = ref.get((p["config"], p["estimator"]))
        if s is None:
            continue
        key = "predict_cpu_s" if p["estimator"] == "knn" else "fit_cpu_s"
        print(f"{p['config']:<7} {p['estimator']:<10} {key:<14} probe {p[key]:>9.3f}  sklearn {s[key]:>9.3f}  ratio {s[key] / max(p[key], 1e-9):>6.2f}")


if __name__ == "__main__":
    sys.exit(main())
