"""Golden values for ConfidentLearningTests (Tests/Fixtures/doctor/confident_learning.json).

Run:  /work/venv-ref/bin/python reference/confident_learning_reference.py

Builds a few hand-made probability matrices with numpy's seeded generator (no real data needed):
rows of a class get most mass on their class, some rows are "flipped" (their given label changed to
another class while the probabilities still point to the original), and a few are ambiguous between
two classes. For each case it records what cleanlab 2.9 computes with its defaults:
  - get_confident_thresholds(labels, pred_probs)
  - compute_confident_joint(labels, pred_probs)           (calibrated, rows = given label)
  - find_label_issues(labels, pred_probs)                 (filter_by="prune_by_noise_rate")
  - find_label_issues(..., return_indices_ranked_by="self_confidence") and "normalized_margin"
json writes the shortest repr of each double, so Swift reads the same doubles back.
"""
import json
import os

import numpy as np
import cleanlab
from cleanlab.count import compute_confident_joint, get_confident_thresholds
from cleanlab.filter import find_label_issues


def make_case(seed, n, k, flip_fraction, ambiguous_fraction, empty_class=None):
    rng = np.random.default_rng(seed)
    classes = [c for c in range(k) if c != empty_class]
    true = rng.choice(classes, size=n)
    logits = rng.normal(0, 1, size=(n, k))
    logits[np.arange(n), true] += 3.0
    ambiguous = rng.random(n) < ambiguous_fraction
    other = (true + 1 + rng.integers(0, k - 1, size=n)) % k
    logits[ambiguous, other[ambiguous]] = logits[ambiguous, true[ambiguous]] - rng.random(ambiguous.sum()) * 0.3
    if empty_class is not None:
        logits[:, empty_class] -= 2.0
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    given = true.copy()
    flips = np.flatnonzero(rng.random(n) < flip_fraction)
    for i in flips:
        choices = [c for c in classes if c != true[i]]
        given[i] = rng.choice(choices)
    return given, p


def main():
    cases = []
    for name, args in [
        ("binary", dict(seed=1, n=80, k=2, flip_fraction=0.1, ambiguous_fraction=0.1)),
        ("three_classes", dict(seed=2, n=120, k=3, flip_fraction=0.08, ambiguous_fraction=0.15)),
        ("five_classes", dict(seed=3, n=200, k=5, flip_fraction=0.1, ambiguous_fraction=0.1)),
        ("empty_class", dict(seed=4, n=90, k=4, flip_fraction=0.1, ambiguous_fraction=0.1, empty_class=2)),
    ]:
        labels, p = make_case(**args)
        mask = find_label_issues(labels, p)
        cases.append({
            "name": name,
            "labels": labels.tolist(),
            "probabilities": p.tolist(),
            "thresholds": get_confident_thresholds(labels, p).tolist(),
            "confident_joint": compute_confident_joint(labels, p).tolist(),
            "flagged": np.flatnonzero(mask).tolist(),
            "ranked_by_self_confidence": find_label_issues(labels, p, return_indices_ranked_by="self_confidence").tolist(),
            "ranked_by_normalized_margin": find_label_issues(labels, p, return_indices_ranked_by="normalized_margin").tolist(),
        })
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "doctor", "confident_learning.json")
    with open(out, "w") as f:
        json.dump({"cleanlab_version": cleanlab.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    for case in cases:
        print(case["name"], "flagged", len(case["flagged"]))


if __name__ == "__main__":
    main()
