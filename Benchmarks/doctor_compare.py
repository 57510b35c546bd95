#!/usr/bin/env python3
"""`probe doctor` against cleanlab 2.9 on dirty copies of the shared sets (Benchmarks/doctor_inject.py).

For every set it runs `probe extract` (EfficientNet-Lite0, real weights from the cache) into a copy of
the store of the untouched set (so only the moved, edited or added photos are embedded), then in the same run and on the same embeddings:
  - `probe doctor STORE --json --top 1000000` (its folds included), timed;
  - the Python path a user has today, timed: out-of-fold probabilities from scikit-learn's 5-fold
    StratifiedKFold(shuffle, seed) StandardScaler + LogisticRegression(max_iter=1000), then cleanlab's
    `find_label_issues(labels, pred_probs)` with its defaults;
  - cleanlab's `Datalab(data={"label": y}).find_issues(features=X)` (all default checks), timed.
It scores each against the injected truth:
  - label errors (flips sets): precision / recall / F1 of the flagged rows against the flipped rows;
    for probe doctor the rows its label_issues list (every kind) and, separately, its likely_error rows;
  - duplicates (dups sets): pair recall per edit kind (a pair counts when the copy and its original are
    in one exact-duplicate group or one near-duplicate pair) and precision over all reported pairs;
  - outliers (outliers sets): AUROC of the outlier score (probe doctor's ranked score, and the plain
    mean k-NN cosine distance its report also gives; Datalab's 1 - outlier_score) against the injected photos.

Usage (Datalab needs the `datasets` package, hence a venv that has it on top of the reference one):
  PYTHON=/work/venv-doctor15b/bin/python   # reference venv + datasets
  nice -n 19 $PYTHON Benchmarks/doctor_compare.py --work /tmp/doctor-bench --seeds 0,1,2 --markdown
For the speed ratio, in a quiet shell of its own: --reuse-stores --modes flips --seeds 0,…,9 --repeats 5
(each seed's probe doctor and Python timed five times, taking turns; each side's median).
Prints one JSON object per set on stderr as it goes, writes them all to WORK/results.json and, with
--markdown, prints the tables for BENCHMARKS.md (--table-from A.json B.json … prints them from saved runs).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doctor_inject  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_store(store):
    m = json.load(open(os.path.join(store, "manifest.json")))
    X = np.concatenate([np.load(os.path.join(store, s["embeddings"])) for s in m["shards"]]).astype(np.float32)
    y = np.concatenate([np.load(os.path.join(store, s["labels"])) for s in m["shards"]]).astype(np.int64)
    paths = [json.loads(line)["path"] for s in m["shards"] for line in open(os.path.join(store, s["index"]))]
    return X, y, paths, m["classes"]


def settle():
    """Lets the previous step's idle BLAS threads (numpy's OpenBLAS spins ~0.1 s after each call)
    go to sleep, so that no timed step shares the two cores with the one before it."""
    time.sleep(0.3)


def run(cmd, **kw):
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result.stdout, seconds


def prf(flagged, truth):
    flagged, truth = set(flagged), set(truth)
    tp = len(flagged & truth)
    p = tp / len(flagged) if flagged else (1.0 if not truth else 0.0)
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f1": f, "flagged": len(flagged), "true": len(truth), "tp": tp}


def auroc(scores, positives):
    """Probability that a positive outranks a negative (ties count one half)."""
    scores = np.asarray(scores, dtype=np.float64)
    pos = np.asarray(positives, dtype=bool)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def doctor(probe, store, extra):
    out, seconds = run([probe, "doctor", store, "--json", "--top", "1000000"] + extra)
    return json.loads(out), seconds


def doctor_pairs(report):
    pairs = {}
    for group in report.get("exact_duplicates") or []:
        rows = [r["path"] for r in group["rows"]]
        for a in range(len(rows)):
            for b in range(a + 1, len(rows)):
                pairs[frozenset((rows[a], rows[b]))] = "sha256"
    for p in report.get("near_duplicates") or []:
        key = frozenset((p["first"]["path"], p["second"]["path"]))
        pairs.setdefault(key, "+".join(p.get("signals") or []))
    return pairs


def python_label_issues(X, y, seed):
    from cleanlab.filter import find_label_issues
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    start = time.perf_counter()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    probs = cross_val_predict(model, X, y, cv=StratifiedKFold(5, shuffle=True, random_state=seed), method="predict_proba")
    cv_seconds = time.perf_counter() - start
    start = time.perf_counter()
    flagged = find_label_issues(labels=y, pred_probs=probs)
    cl_seconds = time.perf_counter() - start
    return np.flatnonzero(flagged), cv_seconds, cl_seconds


def datalab(X, y):
    from cleanlab import Datalab
    start = time.perf_counter()
    lab = Datalab(data={"label": y}, label_name="label", verbosity=0)
    lab.find_issues(features=X)
    seconds = time.perf_counter() - start
    issues = lab.get_issues()
    result = {"seconds": seconds, "label": np.flatnonzero(issues["is_label_issue"].to_numpy()) if "is_label_issue" in issues else None,
              "outlier_score": issues["outlier_score"].to_numpy() if "outlier_score" in issues else None, "pairs": set()}
    try:
        sets = lab.get_info("near_duplicate")["near_duplicate_sets"]
        for i, group in enumerate(sets):
            for j in group:
                result["pairs"].add(frozenset((int(i), int(j))))
    except Exception:  # the check may be skipped on tiny sets
        pass
    return result


def extract(args, data, store):
    _, seconds = run([args.probe, "extract", "--model", "efficientnet_lite0", "--data", data, "--out", store] +
                     (["--weights", args.weights] if args.weights else []))
    return seconds


def evaluate(args, name, truth):
    data = os.path.join(args.work, "sets", name)
    store = os.path.join(args.work, "stores", name)
    # Every set starts from a copy of its clean set's store, so `probe extract` embeds only what the
    # injection changed (moved, edited or added photos; the symbolic links keep the others' size and mtime).
    base = os.path.join(args.work, "stores", f"{truth['dataset']}-clean")
    if not os.path.exists(os.path.join(base, "manifest.json")):
        doctor_inject.build(doctor_inject.DEFAULT_SHARED, os.path.join(args.work, "sets"), truth["dataset"], "clean", 0, 0.0, 0, 0.0)
        extract(args, os.path.join(args.work, "sets", f"{truth['dataset']}-clean-s0"), base)
    if args.reuse_stores and os.path.exists(os.path.join(store, "manifest.json")):
        extract_seconds = None  # embedded by an earlier run of the same set (same seed, same photos)
    else:
        if os.path.exists(store):
            shutil.rmtree(store)
        shutil.copytree(base, store)
        extract_seconds = extract(args, data, store)
    X, y, paths, classes = load_store(store)
    index = {p: i for i, p in enumerate(paths)}
    settle()
    report, doctor_seconds = doctor(args.probe, store, args.doctor_args)
    row = {"set": name, "dataset": truth["dataset"], "mode": truth["mode"], "seed": truth["seed"],
           "flip_rate": truth["flip_rate"], "rows": len(paths), "extract_seconds": extract_seconds,
           "doctor_seconds": doctor_seconds}
    earlier = args.python_rows.get(name)
    if not args.no_datalab and earlier is None:
        settle()
    dl = datalab(X, y) if not args.no_datalab and earlier is None else None
    if dl:
        row["datalab_seconds"] = dl["seconds"]
    if truth["mode"] == "flips":
        flipped = [index[f["path"]] for f in truth["flips"]]
        issues = (report.get("label_issues") or {}).get("issues") or []
        row["doctor_all"] = prf([index[i["row"]["path"]] for i in issues], flipped)
        row["doctor_likely"] = prf([index[i["row"]["path"]] for i in issues if i.get("kind") == "likely_error"], flipped)
        if earlier is not None:
            # The Python side is deterministic given the store and seed: take it from the earlier run.
            for key in ("cleanlab", "sklearn_cv_seconds", "cleanlab_seconds", "datalab", "datalab_seconds"):
                if key in earlier:
                    row[key] = earlier[key]
            row["python_from"] = args.python_from
        else:
            settle()
            flagged, cv_seconds, cl_seconds = python_label_issues(X, y, truth["seed"])
            row["cleanlab"] = prf(flagged, flipped)
            row["sklearn_cv_seconds"], row["cleanlab_seconds"] = cv_seconds, cl_seconds
            if args.repeats > 1:
                # The same two timed steps again, taking turns, each after a pause; each side's
                # time is then its median (the results do not change between repeats: both are
                # deterministic given the store and seed).
                doctor_times, cv_times, cl_times = [doctor_seconds], [cv_seconds], [cl_seconds]
                for _ in range(args.repeats - 1):
                    settle()
                    doctor_times.append(doctor(args.probe, store, args.doctor_args)[1])
                    settle()
                    _, cv_seconds, cl_seconds = python_label_issues(X, y, truth["seed"])
                    cv_times.append(cv_seconds)
                    cl_times.append(cl_seconds)
                row["timing_repeats"] = args.repeats
                row["doctor_seconds_all"], row["sklearn_cv_seconds_all"], row["cleanlab_seconds_all"] = doctor_times, cv_times, cl_times
                row["doctor_seconds"] = statistics.median(doctor_times)
                row["sklearn_cv_seconds"] = statistics.median(cv_times)
                row["cleanlab_seconds"] = statistics.median(cl_times)
            if dl and dl["label"] is not None:
                row["datalab"] = prf(dl["label"], flipped)
    if truth["mode"] == "dups":
        found = doctor_pairs(report)
        expected = {frozenset((d["path"], d["of"])): d for d in truth["duplicates"]}
        per_kind = {}
        for key, d in expected.items():
            kind = d["kind"] + ("/cross" if d["cross_class"] else "")
            hit = key in found
            for k in (d["kind"], "all", "cross" if d["cross_class"] else "within"):
                s = per_kind.setdefault(k, [0, 0])
                s[0] += hit
                s[1] += 1
            if not hit:
                row.setdefault("doctor_missed", []).append(sorted(key))
        row["doctor_pair_recall"] = {k: v[0] / v[1] for k, v in per_kind.items()}
        row["doctor_pairs_reported"] = len(found)
        row["doctor_pair_precision"] = sum(1 for k in found if k in expected) / len(found) if found else 1.0
        row["doctor_false_pairs"] = [sorted(k) for k in found if k not in expected][:10]
        row["doctor_signals"] = {}
        for key, d in expected.items():
            if key in found:
                row["doctor_signals"].setdefault(d["kind"], {}).setdefault(found[key], 0)
                row["doctor_signals"][d["kind"]][found[key]] += 1
        if dl:
            dl_pairs = {frozenset(paths[i] for i in p) for p in dl["pairs"]}
            kinds = {}
            for key, d in expected.items():
                s = kinds.setdefault(d["kind"], [0, 0])
                s[0] += key in dl_pairs
                s[1] += 1
            row["datalab_pair_recall"] = {k: v[0] / v[1] for k, v in kinds.items()}
            row["datalab_pair_recall"]["all"] = sum(key in dl_pairs for key in expected) / len(expected)
            row["datalab_pair_precision"] = sum(1 for k in dl_pairs if k in expected) / len(dl_pairs) if dl_pairs else 1.0
    if truth["mode"] == "outliers":
        positives = np.zeros(len(paths), dtype=bool)
        for o in truth["outliers"]:
            positives[index[o["path"]]] = True
        scores = np.full(len(paths), -np.inf)
        distances = np.full(len(paths), -np.inf)
        for o in report.get("outliers") or []:
            scores[index[o["row"]["path"]]] = o["score"]
            distances[index[o["row"]["path"]]] = o.get("mean_distance", -np.inf)
        row["doctor_outlier_auroc"] = auroc(scores, positives)
        # The same report's plain k-NN distance (mean cosine distance to the k nearest rows), for comparison.
        row["doctor_mean_distance_auroc"] = auroc(distances, positives)
        row["doctor_outliers_listed"] = int(np.isfinite(scores).sum())
        if dl and dl["outlier_score"] is not None:
            row["datalab_outlier_auroc"] = auroc(1 - dl["outlier_score"], positives)
    print(json.dumps(row), file=sys.stderr, flush=True)
    return row


def markdown(rows, seeds=None):
    out = []
    flips = [r for r in rows if r["mode"] == "flips" and (seeds is None or r["seed"] in seeds)]
    if flips:
        out.append("| set | flips | seeds | probe doctor P / R / F1 (all flagged) | probe doctor P / R / F1 (likely_error) | cleanlab find_label_issues P / R / F1 | Datalab P / R / F1 | seeds doctor F1 ≥ Datalab | probe doctor s | sklearn cv + cleanlab s | speed-up | Datalab s |")
        out.append("| --- | ---: | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        groups = {}
        for r in flips:
            groups.setdefault((r["dataset"], r["flip_rate"]), []).append(r)
        for (dataset, rate), rs in sorted(groups.items()):
            def mean(key, field):
                vals = [r[key][field] for r in rs if key in r]
                return sum(vals) / len(vals) if vals else float("nan")
            def triple(key):
                return f"{mean(key, 'precision'):.2f} / {mean(key, 'recall'):.2f} / {mean(key, 'f1'):.3f}"
            t = lambda k: sum(r.get(k, 0) for r in rs) / len(rs)
            wins = sum(1 for r in rs if "datalab" in r and r["doctor_all"]["f1"] >= r["datalab"]["f1"])
            out.append(f"| {dataset} | {rate:.0%} | {len(rs)} | {triple('doctor_all')} | {triple('doctor_likely')} | {triple('cleanlab')} | "
                       f"{triple('datalab')} | {wins} of {len(rs)} | {t('doctor_seconds'):.3f} | {t('sklearn_cv_seconds') + t('cleanlab_seconds'):.3f} | "
                       f"{(t('sklearn_cv_seconds') + t('cleanlab_seconds')) / t('doctor_seconds'):.1f}× | {t('datalab_seconds'):.2f} |")
    dups = [r for r in rows if r["mode"] == "dups"]
    if dups:
        kinds = doctor_inject.EDIT_KINDS
        out.append("")
        out.append("| set | " + " | ".join(kinds) + " | within | cross | precision (pairs) | Datalab recall (all) | Datalab precision |")
        out.append("| --- | " + " | ".join("---:" for _ in kinds) + " | ---: | ---: | ---: | ---: | ---: |")
        for r in dups:
            rec = r["doctor_pair_recall"]
            out.append(f"| {r['dataset']} | " + " | ".join(f"{rec.get(k, float('nan')):.2f}" for k in kinds) +
                       f" | {rec.get('within', float('nan')):.2f} | {rec.get('cross', float('nan')):.2f} | "
                       f"{r['doctor_pair_precision']:.2f} ({r['doctor_pairs_reported']}) | "
                       f"{r.get('datalab_pair_recall', {}).get('all', float('nan')):.2f} | {r.get('datalab_pair_precision', float('nan')):.2f} |")
    outl = [r for r in rows if r["mode"] == "outliers"]
    if outl:
        out.append("")
        out.append("| set | rows | outliers AUROC: probe doctor score | probe doctor mean_distance | Datalab outlier_score |")
        out.append("| --- | ---: | ---: | ---: | ---: |")
        for r in outl:
            out.append(f"| {r['dataset']} | {r['rows']} | {r['doctor_outlier_auroc']:.3f} | {r.get('doctor_mean_distance_auroc', float('nan')):.3f} | "
                       f"{r.get('datalab_outlier_auroc', float('nan')):.3f} |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", required=True, help="folder for the built sets and stores (kept between runs)")
    parser.add_argument("--probe", default=os.path.join(REPO, ".build", "release", "probe"))
    parser.add_argument("--weights", help="Lite0 checkpoint (default: probe's cache)")
    parser.add_argument("--sets", default="cats_dogs,flowers,alpaca")
    parser.add_argument("--modes", default="flips,dups,outliers")
    parser.add_argument("--flip-rates", default="0.05,0.10")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--dups-per-kind", type=int, default=6)
    parser.add_argument("--doctor-args", default="", help="extra arguments for probe doctor, space-separated")
    parser.add_argument("--no-datalab", action="store_true")
    parser.add_argument("--repeats", type=int, default=1,
                        help="flips: time probe doctor and scikit-learn cv + find_label_issues this many times each, "
                             "taking turns, and report each side's median (Datalab is timed once)")
    parser.add_argument("--reuse-stores", action="store_true",
                        help="score the stores an earlier run left in WORK/stores instead of extracting them again")
    parser.add_argument("--python-from", metavar="RESULTS_JSON",
                        help="flips: take find_label_issues' and Datalab's results and times from an earlier run on the same stores "
                             "(they do not depend on probe) and run only probe doctor")
    parser.add_argument("--table-seeds", help="with --markdown or --table-from: only these seeds' label-error rows, e.g. 1,3,5,7,9")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--table-from", nargs="+", metavar="RESULTS_JSON",
                        help="only print the tables from earlier runs' results.json files (e.g. runs with other seeds)")
    args = parser.parse_args()
    table_seeds = {int(x) for x in args.table_seeds.split(",")} if args.table_seeds else None
    if args.table_from:
        print(markdown([row for path in args.table_from for row in json.load(open(path))], table_seeds))
        return
    args.doctor_args = args.doctor_args.split()
    args.python_rows = {r["set"]: r for r in json.load(open(args.python_from))} if args.python_from else {}
    os.makedirs(os.path.join(args.work, "sets"), exist_ok=True)
    os.makedirs(os.path.join(args.work, "stores"), exist_ok=True)
    rows = []
    for set_name in args.sets.split(","):
        for mode in args.modes.split(","):
            for seed in [int(s) for s in args.seeds.split(",")]:
                if mode != "flips" and seed != int(args.seeds.split(",")[0]):
                    continue  # duplicates and outliers: one seed is enough for pair recall
                for rate in ([float(r) for r in args.flip_rates.split(",")] if mode == "flips" else [0.0]):
                    name, truth = doctor_inject.build(doctor_inject.DEFAULT_SHARED, os.path.join(args.work, "sets"), set_name, mode,
                                                      seed, rate, args.dups_per_kind, 0.03)
                    rows.append(evaluate(args, name, truth))
    json.dump(rows, open(os.path.join(args.work, "results.json"), "w"), indent=1)
    if args.markdown:
        print(markdown(rows, table_seeds))


if __name__ == "__main__":
    main()
