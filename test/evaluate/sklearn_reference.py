"""scikit-learn's numbers for test/evaluate: reads {"n", "k", "weights", "probs", "labels"} (flat, row-major)
as JSON on stdin and prints one JSON object. Run with Debian's /usr/bin/python3 (python3-sklearn)."""
import json
import math
import sys

import numpy as np
from sklearn.metrics import confusion_matrix, log_loss, roc_auc_score, roc_curve

EPS = 1e-7


def clean(v):
    """NaN -> None so that the output is strict JSON."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def label_log_loss(y, p):
    try:
        return log_loss(y, p, eps=EPS, labels=[0, 1])
    except TypeError:  # scikit-learn >= 1.5 dropped eps: clip as it used to
        return log_loss(y, np.clip(p, EPS, 1 - EPS), labels=[0, 1])


def main():
    data = json.load(sys.stdin)
    n, k, w = data["n"], data["k"], np.array(data["weights"], dtype=np.float64)
    probs = np.array(data["probs"], dtype=np.float64).reshape(n, k)
    labels = np.array(data["labels"], dtype=np.float64).reshape(n, k)
    out = {"log_loss": [], "auc": [], "roc": [], "roc_all": [], "at_half": [], "hist": []}
    for j in range(k):
        y, p = labels[:, j], probs[:, j]
        out["log_loss"].append(label_log_loss(y, p))
        try:
            out["auc"].append(roc_auc_score(y, p))
        except ValueError:  # only one class present
            out["auc"].append(None)
        for key, drop in (("roc", True), ("roc_all", False)):
            if len(np.unique(y)) < 2:
                out[key].append(None)
                continue
            fpr, tpr, thr = roc_curve(y, p, drop_intermediate=drop)
            # thr[0] is max + 1 in scikit-learn < 1.3 and inf later: compare from index 1.
            out[key].append({"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr[1:].tolist()})
        tn, fp, fn, tp = confusion_matrix(y, (p >= 0.5).astype(int), labels=[0, 1]).ravel()
        out["at_half"].append({"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)})
        edges = np.linspace(0.0, 1.0, 11)
        count, _ = np.histogram(p, bins=edges)
        sum_p, _ = np.histogram(p, bins=edges, weights=p)
        sum_y, _ = np.histogram(p, bins=edges, weights=y)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["hist"].append({"count": count.tolist(), "mean_predicted": [clean(float(v)) for v in sum_p / count],
                                "observed": [clean(float(v)) for v in sum_y / count]})
    out["weighted"] = float(np.dot(w, out["log_loss"]) / w.sum())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
