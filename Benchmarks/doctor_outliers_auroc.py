"""Outlier ranking of `probe doctor` on photos from another set mixed in (BENCHMARKS.md).

Run:  /work/venv-ref/bin/python Benchmarks/doctor_outliers_auroc.py MAIN_STORE OTHER_STORE [RATE]

Mixes RATE (default 3 %) of MAIN's row count, drawn from OTHER's rows (seeds 0-2), into MAIN and
ranks all rows by the score of ProbeDoctor/Outliers.swift, computed here with numpy the same way:
d_i = mean cosine distance to the k = 10 nearest neighbours (the row itself left out), and
score_i = d_i / mean of d_j over those neighbours. Prints the AUROC of the injected rows, next to
the plain mean k-distance d_i and the distance to the k-th neighbour. Embeddings are per-image
(bit-identical whatever else is in the store), so mixing stored rows equals extracting the mix.
"""
import json
import os
import sys

import numpy as np
from sklearn.metrics import roc_auc_score


def load(path):
    manifest = json.load(open(os.path.join(path, "manifest.json")))
    return np.concatenate([np.load(os.path.join(path, s["embeddings"])) for s in manifest["shards"]]).astype(np.float64)


def scores(x, k=10):
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    nn = np.argsort(-s, axis=1)[:, :k]
    dist = 1 - np.take_along_axis(s, nn, axis=1)
    mean = dist.mean(axis=1)
    return {"local_ratio": mean / mean[nn].mean(axis=1), "mean_k_distance": mean, "kth_distance": dist[:, -1]}


def main():
    main_x, other_x = load(sys.argv[1]), load(sys.argv[2])
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 0.03
    results = {}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        injected = other_x[rng.choice(len(other_x), size=int(round(rate * len(main_x))), replace=False)]
        x = np.concatenate([main_x, injected])
        truth = np.r_[np.zeros(len(main_x)), np.ones(len(injected))]
        for name, score in scores(x).items():
            results.setdefault(name, []).append(roc_auc_score(truth, score))
    print(json.dumps({"main": sys.argv[1], "other": sys.argv[2], "rate": rate,
                      **{k: round(float(np.mean(v)), 4) for k, v in results.items()}}))


if __name__ == "__main__":
    main()
