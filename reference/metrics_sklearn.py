"""Writes the golden fixtures for ProbeMetrics from scikit-learn.

Run with the reference venv (CI has no Python; Swift tests read what this writes):
    /work/venv-ref/bin/python reference/metrics_sklearn.py [Tests/Fixtures/metrics]

Every case holds predictions as class indices plus class names, and what scikit-learn computes
from them: the exact `classification_report` text, the confusion matrix, per-class and averaged
numbers, and (where probabilities are given) `log_loss` and `top_k_accuracy_score`.
Random cases use a fixed seed, so rerunning rewrites identical files.
"""
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    classification_report,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

rng = np.random.default_rng(0)


def noisy_predictions(y_true, k, accuracy, never_predicted=()):
    """Copies y_true and replaces about (1 - accuracy) of it with other classes."""
    y_pred = y_true.copy()
    flip = rng.random(len(y_true)) > accuracy
    allowed = [c for c in range(k) if c not in never_predicted]
    for i in np.flatnonzero(flip):
        y_pred[i] = rng.choice(allowed)
    for c in never_predicted:
        mask = y_pred == c
        y_pred[mask] = rng.choice([a for a in allowed if a != c], size=int(mask.sum()))
    return y_pred


def softmax_probabilities(y_true, k, sharpness):
    """Random logits nudged towards the true class; rows sum to 1 in float64."""
    logits = rng.normal(size=(len(y_true), k))
    logits[np.arange(len(y_true)), y_true] += sharpness
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


cases = []


def add_case(name, classes, y_true, y_pred, digits=2, labels=None, probabilities=None):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        report_labels = list(range(len(classes))) if labels is None else labels
        text = classification_report(
            y_true, y_pred, labels=report_labels,
            target_names=[classes[i] for i in report_labels], digits=digits,
        )
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=report_labels, average=None)
        averages = {}
        for avg in ("micro", "macro", "weighted"):
            ap, ar, af, _ = precision_recall_fscore_support(y_true, y_pred, labels=report_labels, average=avg)
            averages[avg] = [ap, ar, af]
    case = {
        "name": name,
        "classes": classes,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "labels": labels,
        "digits": digits,
        "report": text,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=list(range(len(classes)))).tolist(),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "averages": averages,
    }
    if probabilities is not None:
        case["probabilities"] = probabilities.tolist()
        all_labels = list(range(len(classes)))
        case["log_loss"] = log_loss(y_true, probabilities, labels=all_labels)
        top_k = {}
        for k in (1, 2, 5):
            if k < len(classes):
                top_k[str(k)] = top_k_accuracy_score(y_true, probabilities, k=k, labels=all_labels)
        case["top_k_accuracy"] = top_k
    cases.append(case)


# Binary, like cats vs dogs, at digits 2 and 4.
y = rng.integers(0, 2, size=400)
yp = noisy_predictions(y, 2, 0.78)
add_case("binary", ["cats", "dogs"], y, yp)
add_case("binary_digits4", ["cats", "dogs"], y, yp, digits=4)

# Five classes with probabilities (argmax is the prediction), digits 2 and 4.
flowers = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
y = rng.integers(0, 5, size=400)
prob = softmax_probabilities(y, 5, 1.6)
add_case("five_class", flowers, y, prob.argmax(axis=1), probabilities=prob)
add_case("five_class_digits4", flowers, y, prob.argmax(axis=1), digits=4, probabilities=prob)

# A class that is never predicted (precision 0/0 -> 0.0) and one that never occurs (recall 0/0 -> 0.0).
y = rng.integers(0, 4, size=60)
y[y == 3] = 0
add_case("never_predicted_and_absent", ["ant", "bee", "wasp", "moth"], y,
         noisy_predictions(y, 4, 0.6, never_predicted=(1,)))

# Long class names set the name column width.
long_names = ["a_really_quite_long_class_name_for_width", "short", "medium_length_name"]
y = rng.integers(0, 3, size=90)
add_case("long_names", long_names, y, noisy_predictions(y, 3, 0.7))

# Unicode names: width counts code points, as Python's len and format do.
unicode_names = ["café", "cafe\u0301", "日本語のクラス名前", "🐱 cat", "Ünïcödé-naïve-name"]
y = rng.integers(0, 5, size=120)
add_case("unicode_names", unicode_names, y, noisy_predictions(y, 5, 0.65))

# digits larger than 12 widens the name column.
y = rng.integers(0, 3, size=30)
add_case("digits_14", ["x", "y", "z"], y, noisy_predictions(y, 3, 0.7), digits=14)
add_case("digits_1", ["x", "y", "z"], y, noisy_predictions(y, 3, 0.7), digits=1)

# Labels that do not cover every class: the accuracy row becomes "micro avg".
y = rng.integers(0, 4, size=80)
add_case("labels_subset_micro", ["north", "east", "south", "west"], y, noisy_predictions(y, 4, 0.6), labels=[0, 2])

# Tiny supports: one sample for some classes, zero for others.
add_case("tiny_supports", ["a", "b", "c", "d"], [0, 1, 2], [0, 2, 2])
add_case("single_sample", ["only", "other"], [0], [1])

# Many classes, so numpy's blocked summation order is exercised in the averages.
names = [f"class_{i:02d}" for i in range(23)]
y = rng.integers(0, 23, size=300)
prob = softmax_probabilities(y, 23, 2.0)
add_case("many_classes", names, y, prob.argmax(axis=1), digits=4, probabilities=prob)

# A case where NumPy's pairwise summation and a plain left-to-right sum disagree in the last bit of
# an average, so a test can tell whether the averages are summed in NumPy's order.
order_rng = np.random.default_rng(12345)
for attempt in range(10000):
    k = 16
    y = order_rng.integers(0, k, size=200)
    yp = np.where(order_rng.random(200) < 0.6, y, order_rng.integers(0, k, size=200))
    p_, r_, f_, _ = precision_recall_fscore_support(y, yp, labels=list(range(k)), average=None, zero_division=0)
    def plain(values):
        total = 0.0
        for v in values:
            total += v
        return total / len(values)
    if any(np.mean(v) != plain(v) for v in (p_, r_, f_)):
        add_case("summation_order", [f"c{i}" for i in range(k)], y, yp, digits=4)
        break

# Cross-validation summary: per-fold accuracy and macro-F1 from sklearn's StratifiedKFold folds,
# their mean and population std (numpy's default), and the out-of-fold report.
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import accuracy_score, f1_score

cv_classes = ["daisy", "dandelion", "roses", "sunflowers", "tulips"]
y = rng.integers(0, 5, size=150)
prob = softmax_probabilities(y, 5, 1.2)
oof_pred = prob.argmax(axis=1)
folds = []
acc, mf1 = [], []
for _, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
    folds.append({"test_indices": test.tolist()})
    acc.append(accuracy_score(y[test], oof_pred[test]))
    mf1.append(f1_score(y[test], oof_pred[test], labels=list(range(5)), average="macro", zero_division=0))
acc, mf1 = np.array(acc), np.array(mf1)
cv_case = {
    "classes": cv_classes, "y_true": y.tolist(), "y_pred": oof_pred.tolist(), "probabilities": prob.tolist(),
    "folds": folds, "fold_accuracy": acc.tolist(), "fold_macro_f1": mf1.tolist(),
    "accuracy_mean": float(acc.mean()), "accuracy_std": float(acc.std()),
    "macro_f1_mean": float(mf1.mean()), "macro_f1_std": float(mf1.std()),
    "oof_report": classification_report(y, oof_pred, labels=list(range(5)), target_names=cv_classes, digits=2),
    "oof_log_loss": log_loss(y, prob, labels=list(range(5))),
}

out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "metrics")
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "sklearn_reports.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump({"sklearn_version": sklearn.__version__, "cases": cases, "cross_validation": cv_case}, f, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
