"""How `probe doctor`'s label check was chosen on the injected flips (BENCHMARKS.md, "ten seeds").

Run:  /work/venv-ref/bin/python Benchmarks/doctor_label_passes.py --stores WORK/stores --seeds 0,2,4,6,8
      (then --seeds 1,3,5,7,9 for the held-out half)

WORK/stores/<set>-clean are the clean sets' stores that Benchmarks/doctor_compare.py makes (Lite0 real
weights). For every set, rate (5 %, 10 %) and seed it rebuilds the flips of Benchmarks/doctor_inject.py
(the same photos moved to the same classes as doctor_compare's dirty copies) on the clean store's
embeddings (an image's embedding does not depend on its folder), computes 5-fold out-of-fold
probabilities P with scikit-learn (StratifiedKFold(shuffle, seed), StandardScaler + LogisticRegression,
standing in for probe's own folds), the label shares S of each row's k nearest neighbours (cosine, the
row left out), and prints the mean F1 against the flips of cleanlab's `find_label_issues` (whose rules
ProbeDoctor/ConfidentLearning.swift follows) on:
  P, S10/S15/S20     one view alone (S10 ~ Datalab's kNN label check, but cosine)
  datalab-emulated   Datalab's own construction: 11-NN Euclidean with the row itself removed
  one-pass           0.25 P + 0.75 S10                       (probe doctor before)
  one-pass k15, k20  the same with 15 or 20 neighbours
  learned-weight     w P + (1 - w) S10, w minimising the log loss of the mix against the given labels
  two-pass-neighbours  pass 2 with the pass-1 suspects' votes left out of S, P unchanged
  two-pass           pass 2 with the suspects left out of the classifier's training folds and of S
                     (only the non-suspects among the same 10 neighbours vote)  (probe doctor now)
Each P / R / F1 triple is averaged over the seeds given.
"""
import argparse
import os
import sys
import tempfile

import numpy as np
from cleanlab.filter import find_label_issues
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doctor_inject  # noqa: E402
from doctor_compare import load_store  # noqa: E402

SETS = ("cats_dogs", "flowers", "alpaca")
RATES = (0.05, 0.10)


def out_of_fold(x, y, kc, seed, leave_out=None):
    p = np.zeros((len(y), kc))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        if leave_out is not None:
            train = train[~leave_out[train]]
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x[train], y[train])
        p[np.ix_(test, model.classes_)] = model.predict_proba(x[test])
    return p


def neighbour_order(x, kmax=20):
    u = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    s = u @ u.T
    np.fill_diagonal(s, -np.inf)
    return np.argsort(-s, axis=1, kind="stable")[:, :kmax]


def shares(nn, y, kc, k, ignored=None):
    s = np.zeros((len(y), kc))
    for i in range(len(y)):
        row = list(nn[i, :k])
        voters = [j for j in row if ignored is None or not ignored[j]] or row
        for j in voters:
            s[i, y[j]] += 1 / len(voters)
    return s


def prf(flagged, truth):
    tp = (flagged & truth).sum()
    p, r = tp / max(flagged.sum(), 1), tp / max(truth.sum(), 1)
    return np.array([p, r, 0.0 if tp == 0 else 2 * p * r / (p + r)])


def flipped_labels(name, paths, y_clean, classes, seed, rate, scratch):
    _, truth = doctor_inject.build(doctor_inject.DEFAULT_SHARED, scratch, name, "flips", seed, rate, 0, 0.0)
    by_file = {p.split("/", 1)[1]: i for i, p in enumerate(paths)}
    y, flipped = y_clean.copy(), np.zeros(len(y_clean), dtype=bool)
    for f in truth["flips"]:
        i = by_file[f["path"].split("/", 1)[1]]
        y[i], flipped[i] = classes.index(f["given"]), True
    return y, flipped


def variants(x, y, kc, nn, seed):
    p = out_of_fold(x, y, kc, seed)
    s = {k: shares(nn, y, kc, k) for k in (10, 15, 20)}
    out = {"P": find_label_issues(y, p)}
    for k in (10, 15, 20):
        out[f"S{k}"] = find_label_issues(y, s[k])
    knn = KNeighborsClassifier(n_neighbors=11).fit(x, y)
    own = np.eye(kc)[y]
    out["datalab-emulated"] = find_label_issues(y, (knn.predict_proba(x) - own / 11) * 11 / 10)
    one = find_label_issues(y, 0.25 * p + 0.75 * s[10])
    out["one-pass"] = one
    for k in (15, 20):
        out[f"one-pass k{k}"] = find_label_issues(y, 0.25 * p + 0.75 * s[k])
    smoothed = (s[10] * 10 + 1) / (10 + kc)
    losses = [(-np.log(np.clip((w * p + (1 - w) * smoothed)[np.arange(len(y)), y], 1e-12, 1)).mean(), w) for w in np.linspace(0, 1, 21)]
    w = min(losses)[1]
    out["learned-weight"] = find_label_issues(y, w * p + (1 - w) * s[10])
    cleaner = shares(nn, y, kc, 10, ignored=one)
    out["two-pass-neighbours"] = find_label_issues(y, 0.25 * p + 0.75 * cleaner)
    refitted = out_of_fold(x, y, kc, seed, leave_out=one) if one.any() else p
    out["two-pass"] = find_label_issues(y, 0.25 * refitted + 0.75 * cleaner)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", required=True, help="folder holding <set>-clean stores (doctor_compare's WORK/stores)")
    parser.add_argument("--seeds", default="0,2,4,6,8")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name in SETS:
            x, y_clean, paths, classes = load_store(os.path.join(args.stores, f"{name}-clean"))
            nn = neighbour_order(x)
            for rate in RATES:
                for seed in seeds:
                    y, flipped = flipped_labels(name, paths, y_clean, classes, seed, rate, scratch)
                    for key, flagged in variants(x, y, len(classes), nn, seed).items():
                        results.setdefault(key, {}).setdefault((name, rate), []).append(prf(np.asarray(flagged, dtype=bool), flipped))
    print(f"F1 (mean over seeds {args.seeds}); P/R below the Datalab, one-pass and two-pass rows")
    print("variant".ljust(22) + "".join(f"{n[:9]:>10}{int(r * 100):>3}%" for n in SETS for r in RATES) + "     mean")
    for key, cells in results.items():
        means = [np.mean(cells[(n, r)], axis=0) for n in SETS for r in RATES]
        print(key.ljust(22) + "".join(f"{m[2]:14.3f}" for m in means) + f"{np.mean([m[2] for m in means]):9.3f}")
        if key in ("datalab-emulated", "one-pass", "two-pass"):
            print("  P / R".ljust(22) + "".join(f"{m[0]:9.2f}/{m[1]:.2f}" for m in means))


if __name__ == "__main__":
    main()
