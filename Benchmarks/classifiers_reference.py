"""scikit-learn side of the classifier benchmark: the same synthetic blobs as bench-classifiers.

    /work/venv-ref/bin/python Benchmarks/classifiers_reference.py [--configs small,medium,large] [--max-iter 300] [--knn-queries 2000]

Prints one JSON object per measurement, like bench-classifiers. The data generator below must stay
identical to the one in Sources/bench-classifiers/main.swift: counter-based SplitMix64 uniforms
(top 53 bits, centred), Box-Muller normals, y_i = i mod K, centres 0.08 * N(0, I), noise N(0, I).
Estimators: StandardScaler fitted on train, then LogisticRegression(tol=1e-4, max_iter=MAX_ITER),
LinearSVC() and KNeighborsClassifier(algorithm="brute"), each timed on fit and on predict.
"""
import argparse
import json
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

CONFIGS = {"small": (2_000, 512, 2), "medium": (20_000, 1280, 10), "large": (100_000, 1280, 100)}
GAMMA = np.uint64(0x9E3779B97F4A7C15)


def mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def uniform(seed, i):
    z = mix(np.uint64(seed) + (i.astype(np.uint64) + np.uint64(1)) * GAMMA)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53


def normal(seed, j):
    return np.sqrt(-2.0 * np.log(uniform(seed, 2 * j))) * np.cos(2.0 * np.pi * uniform(seed, 2 * j + 1))


def blobs(n, d, k, rows, noise_seed):
    with np.errstate(over="ignore"):
        centres = (0.08 * normal(1000 + d, np.arange(k * d, dtype=np.int64))).astype(np.float32).reshape(k, d)
        y = np.arange(rows) % k
        x = np.empty((rows, d), dtype=np.float32)
        step = max(1, 4_000_000 // d)
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            j = np.arange(start * d, stop * d, dtype=np.int64)
            x[start:stop] = centres[y[start:stop]] + normal(noise_seed, j).astype(np.float32).reshape(stop - start, d)
    return x, y


LAST_CPU = [0.0]


def timed(fn):
    """Wall seconds of fn(); its process CPU seconds (all threads) go to LAST_CPU[0]."""
    c = time.process_time()
    t = time.perf_counter()
    out = fn()
    LAST_CPU[0] = time.process_time() - c
    return time.perf_counter() - t, out


def logistic_objective(model, x, y, c):
    coef = model.coef_.astype(np.float64)
    z = x.astype(np.float64) @ coef.T + model.intercept_
    if coef.shape[0] == 1:
        z = z[:, 0]
        loss = np.logaddexp(0, z) - (y == 1) * z
    else:
        m = z.max(axis=1, keepdims=True)
        loss = m[:, 0] + np.log(np.exp(z - m).sum(axis=1)) - z[np.arange(len(y)), y]
    return float(c * loss.sum() + 0.5 * (coef ** 2).sum())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default="small,medium")
    ap.add_argument("--max-iter", type=int, default=300)
    ap.add_argument("--knn-queries", type=int, default=2000)
    ap.add_argument("--estimators", default="logreg,svm,knn")
    args = ap.parse_args()
    estimators = args.estimators.split(",")
    for name in args.configs.split(","):
        n, d, k = CONFIGS[name]
        x_train, y_train = blobs(n, d, k, n, 2000)
        x_test, y_test = blobs(n, d, k, n // 5, 3000)
        scaler = StandardScaler().fit(x_train)
        x_train = scaler.transform(x_train).astype(np.float32)
        x_test = scaler.transform(x_test).astype(np.float32)
        base = {"impl": "sklearn", "config": name, "n": n, "d": d, "k": k}

        def emit(**kw):
            print(json.dumps({**base, **kw}, sort_keys=True), flush=True)

        if "logreg" in estimators:
            model = LogisticRegression(C=1.0, tol=1e-4, max_iter=args.max_iter)
            fit_s, _ = timed(lambda: model.fit(x_train, y_train))
            fit_cpu_s = LAST_CPU[0]
            predict_s, pred = timed(lambda: model.predict(x_test))
            emit(estimator="logreg", fit_s=fit_s, fit_cpu_s=fit_cpu_s, predict_s=predict_s, accuracy=float((pred == y_test).mean()),
                 objective=logistic_objective(model, x_train, y_train, 1.0), iterations=int(np.max(model.n_iter_)),
                 converged=bool(np.max(model.n_iter_) < args.max_iter))
        if "svm" in estimators:
            model = LinearSVC()
            fit_s, _ = timed(lambda: model.fit(x_train, y_train))
            fit_cpu_s = LAST_CPU[0]
            predict_s, pred = timed(lambda: model.predict(x_test))
            emit(estimator="linear_svc", fit_s=fit_s, fit_cpu_s=fit_cpu_s, predict_s=predict_s, accuracy=float((pred == y_test).mean()),
                 iterations=int(model.n_iter_), dual=str(model.dual))
        if "knn" in estimators:
            q = min(args.knn_queries, len(y_test))
            model = KNeighborsClassifier(algorithm="brute")
            fit_s, _ = timed(lambda: model.fit(x_train, y_train))
            predict_s, pred = timed(lambda: model.predict(x_test[:q]))
            emit(estimator="knn", fit_s=fit_s, predict_s=predict_s, predict_cpu_s=LAST_CPU[0], queries=q, accuracy=float((pred == y_test[:q]).mean()))


if __name__ == "__main__":
    sys.exit(main())
