"""Why `probe doctor` combines the classifier's and the neighbours' views (BENCHMARKS.md).

Run:  /work/venv-ref/bin/python Benchmarks/doctor_label_views.py STORE [STORE...]

For each store (embeddings from `probe extract`), for flip rates 5 % and 10 % and seeds 0-2: flips
that share of labels uniformly to another class, computes 5-fold out-of-fold probabilities with
StandardScaler + LogisticRegression (max_iter 1000), and the share of each row's 10 nearest
neighbours (cosine, the row itself left out) per class. Then F1 of the flagged rows against the flips for
  classifier   cleanlab find_label_issues(labels, P)                  (cleanlab's default)
  neighbours   cleanlab find_label_issues(labels, S)
  mean         cleanlab find_label_issues(labels, (P + S) / 2)
  combined     cleanlab find_label_issues(labels, 0.25 P + 0.75 S)   (probe doctor's method)
Confident learning itself is cleanlab's here; Probe's Swift implementation matches it on the golden
cases of reference/confident_learning_reference.py.
"""
import json
import os
import sys

import numpy as np
from cleanlab.filter import find_label_issues
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load_store(path):
    manifest = json.load(open(os.path.join(path, "manifest.json")))
    x = np.concatenate([np.load(os.path.join(path, s["embeddings"])) for s in manifest["shards"]]).astype(np.float32)
    y = np.concatenate([np.load(os.path.join(path, s["labels"])) for s in manifest["shards"]]).astype(int)
    return x, y, len(manifest["classes"])


def neighbour_shares(x, y, k_classes, k=10):
    u = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    nn = np.argpartition(-s, k, axis=1)[:, :k]
    shares = np.zeros((len(y), k_classes))
    for c in range(k_classes):
        shares[:, c] = (y[nn] == c).mean(axis=1)
    return shares


def oof(x, y, k_classes, seed):
    p = np.zeros((len(y), k_classes))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x[train], y[train])
        p[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
    return p


def f1(flagged, truth):
    tp = (flagged & truth).sum()
    precision = tp / max(flagged.sum(), 1)
    recall = tp / max(truth.sum(), 1)
    return 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)


def main():
    for store in sys.argv[1:]:
        x, y_true, kc = load_store(store)
        for rate in (0.05, 0.10):
            scores = {"classifier": [], "neighbours": [], "mean": [], "combined": []}
            for seed in range(3):
                rng = np.random.default_rng(seed)
                flips = rng.choice(len(y_true), size=int(round(rate * len(y_true))), replace=False)
                y = y_true.copy()
                y[flips] = (y[flips] + rng.integers(1, kc, size=len(flips))) % kc
                truth = y != y_true
                p = oof(x, y, kc, seed)
                s = neighbour_shares(x, y, kc)
                for name, view in (("classifier", p), ("neighbours", s), ("mean", (p + s) / 2), ("combined", 0.25 * p + 0.75 * s)):
                    scores[name].append(f1(find_label_issues(y, view), truth))
            print(json.dumps({"store": os.path.basename(store.rstrip("/")), "flip_rate": rate,
                              **{k: round(float(np.mean(v)), 3) for k, v in scores.items()}}))


if __name__ == "__main__":
    main()
