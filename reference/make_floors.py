"""Turns reference/cv_reference_results.json (written by cv_reference.py --json) into
.ci/accuracy-floors.json: each floor is the reference mean accuracy minus 2 points.
Run: python3 reference/make_floors.py"""
import json
import pathlib

repo = pathlib.Path(__file__).resolve().parent.parent
results = json.loads((repo / "reference/cv_reference_results.json").read_text())
floors = {d: {c: round(results[d][c]["mean"] - 0.02, 4) for c in ("logreg", "svm", "knn")} for d in results}
floors["_comment"] = ("Reference accuracy (reference/cv_reference.py: torch + efficientnet_lite_pytorch + "
                      "scikit-learn, 5-fold stratified) minus 0.02. Regenerate: reference/make_floors.py.")
(repo / ".ci/accuracy-floors.json").write_text(json.dumps(floors, indent=2) + "\n")
