#!/usr/bin/python3
"""PyTorch reference for `ich train` (issue 5): the benchmark's baseline CNN trained on ichdetect's
own cached tensors, evaluated on the test part with the RSNA weighted log loss.

Run with Debian's interpreter, which has `python3-torch` (PyTorch 1.13 CPU) and numpy:

    /usr/bin/python3 bench/reference/train_cache_reference.py DB [--epochs 10] [--batch 32]
        [--lr 1e-3] [--seed 1] [--threads 2] [--cache KEY] [--allocator tcmalloc|hugetlb|system]
        [--init FILE.safetensors] [--order FILE.json]

DB is an ichdetect index (`DATA/.ich/index.db`) on which `ich train` (or `ich index --labels`,
`ich split` and `ich preprocess`) has run. Read from it, with nothing of ichdetect's code:

- the split parts (`split`: patient_id -> train/val/test) and the labels (`files.y_*`) of the
  usable (`status = 'ok'`), labelled slices that are in the tensor cache (`cache_entries`), in
  file-id order, like `cachedSamples` in src/train/dataset.ts;
- the cache (`meta` key `cache:<key>`: JSON with dir, size, channels, recordBytes; the only cache,
  or `--cache KEY`), whose shards `dir/shard-NNNNNN.u8` are uint8 records of C x N x N, read with
  numpy memmaps; the model's input is value / 255 (float32), as in ichdetect.

Training is ichdetect's, with PyTorch's pieces: the network of train_reference.py (Keras defaults:
LeakyReLU 0.3, Glorot-uniform kernels, zero biases; seeded with torch.manual_seed(--seed); or
--init's weights), Adam (--lr, betas 0.9/0.999, eps 1e-8), batches of --batch in a fresh seeded
shuffle each epoch (numpy generator seeded with --seed; not ichdetect's order, which uses its own
generator, unless --order gives it), the weighted
BCE with logits (w = [2, 1, 1, 1, 1, 1]) as the loss. After each epoch the val part's RSNA metric
is computed; the weights of the best epoch are kept and evaluated on the test part.

Starting as ichdetect does (scripts/compare-torch.mjs --same-start), so that seed noise does not
enter the comparison:

- `--init FILE.safetensors`: the initial weights instead of the seeded Keras-style ones. Float32
  tensors with ichdetect's names (`conv1..conv3`, `dense`, `head`; `.weight`, `.bias`), conv kernels
  O x I x kh x kw, dense kernels in ichdetect's (Keras's) layout in x out, transposed here to
  PyTorch's out x in (unless the file's `__metadata__` says `"dense_layout": "out,in"`). Read with
  numpy (8-byte little-endian header length, JSON header, raw little-endian data): no `safetensors`
  package needed. An ichdetect model folder's weights.safetensors loads the same way.
- `--order FILE.json`: {"epochs": [[file id, ...], ...]}, per epoch the train part's file ids in the
  order to visit them (batches of --batch, in that order, the samples inside a batch kept in order);
  each epoch must list every train slice once. Replaces the numpy shuffle.

The JSON also has "first_step_losses": the losses of the first three training steps (the first is
the initial weights' loss on the first batch), and "init"/"order" (the files used, or null).

The metric (RSNA 2019): p clipped to [1e-7, 1 - 1e-7], per slice sum_j w_j BCE(y_j, p_j) / sum_j
w_j with w = [2, 1, 1, 1, 1, 1], mean over slices. The prevalence-only predictor predicts, for
every slice, each label's positive rate over the train part.

Progress goes to stderr, one line per epoch. The last line on stdout is one JSON object:
{"test_weighted_log_loss", "prevalence_weighted_log_loss", "auc": {label: AUC or null},
"best_epoch" (1-based), "best_val_weighted_log_loss", "epochs": [{"epoch", "train_loss",
"val_loss", "seconds"}], "n": {"train", "val", "test"}, "cache", "size", "seconds" (training and
validation of every epoch), "seconds_total" (from start-up, torch import included), "threads",
"torch"}. AUCs come from scikit-learn when it is installed, otherwise from the same rank
statistic (Mann-Whitney, ties counted half) in numpy; null when the test part has one class only.
"""

import argparse
import json
import os
import sys
import time

from allocator import ALLOCATORS, use_allocator  # torch-free: called before torch is imported

STARTED = time.perf_counter()


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("db", help="ichdetect index database (DATA/.ich/index.db)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--cache", help="cache key (default: the index's only cache)")
    p.add_argument("--eval-batch", type=int, default=64, help="batch for val/test inference")
    p.add_argument("--allocator", choices=ALLOCATORS, default="tcmalloc",
                   help="memory allocator (default tcmalloc; see allocator.py)")
    p.add_argument("--init", metavar="FILE", help="initial weights (.safetensors, ichdetect's names and layout)")
    p.add_argument("--order", metavar="FILE", help="per-epoch train file-id order (JSON, from compare-torch.mjs)")
    args = p.parse_args(argv)
    if args.epochs < 1 or args.batch < 1 or args.threads < 1 or args.eval_batch < 1:
        p.error("--epochs, --batch, --threads and --eval-batch must be >= 1")
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    use_allocator(ARGS.allocator, __file__)  # before importing torch, so that torch is imported only once

import sqlite3  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from train_reference import LABELS, LOSS_WEIGHTS, BaselineCNN, keras_init_, weighted_bce_with_logits  # noqa: E402

EPS = 1e-7
PARTS = ("train", "val", "test")
LABEL_COLUMNS = tuple(f"y_{name}" for name in LABELS)


# --- data: the index and the uint8 cache -------------------------------------------------------

def cache_info(con, key=None):
    """The cache's JSON description from `meta` (`cache:<key>`)."""
    rows = con.execute("SELECT key, value FROM meta WHERE key LIKE 'cache:%' ORDER BY key").fetchall()
    if key is not None:
        rows = [r for r in rows if r[0] == f"cache:{key}"]
        if not rows:
            sys.exit(f"no cache {key!r} in the index")
    if not rows:
        sys.exit("the index has no tensor cache: run ich train (or ich preprocess) first")
    if len(rows) > 1:
        sys.exit("the index has several caches (" + ", ".join(r[0][6:] for r in rows) + "): pass --cache KEY")
    info = json.loads(rows[0][1])
    if info["channels"] != 3:
        sys.exit(f"cache {info['key']}: {info['channels']} channels; the baseline takes 3")
    if info["recordBytes"] != info["channels"] * info["size"] * info["size"]:
        sys.exit(f"cache {info['key']}: recordBytes {info['recordBytes']} is not C x N x N")
    return info


def load_part(con, info, part):
    """uint8 tensors n x C x N x N, float32 labels n x 6 and int64 file ids n of the part's
    labelled, cached slices, in file-id order."""
    rows = con.execute(
        f"""SELECT c.shard, c.slot, f.id, {', '.join('f.' + c for c in LABEL_COLUMNS)} FROM files f
        JOIN cache_entries c ON c.file_id = f.id AND c.cache = ?
        WHERE f.status = 'ok' AND f.y_any IS NOT NULL
          AND f.patient_id IN (SELECT patient_id FROM split WHERE part = ?)
        ORDER BY f.id""",
        (info["key"], part),
    ).fetchall()
    c, n = info["channels"], info["size"]
    x = np.empty((len(rows), c, n, n), dtype=np.uint8)
    y = np.array([r[3:] for r in rows], dtype=np.float32).reshape(len(rows), len(LABELS))
    ids = np.array([r[2] for r in rows], dtype=np.int64)
    shards = {}
    for i, (shard, slot) in enumerate(r[:2] for r in rows):
        if shard not in shards:
            path = os.path.join(info["dir"], f"shard-{shard:06d}.u8")
            shards[shard] = np.memmap(path, dtype=np.uint8, mode="r").reshape(-1, c, n, n)
        records = shards[shard]
        if slot >= records.shape[0]:
            sys.exit(f"cache shard {shard} is short: no slot {slot}")
        x[i] = records[slot]
    return x, y, ids


# --- same start as ichdetect: initial weights and batch order ----------------------------------

SAFETENSORS_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}
# ichdetect's baseline node names -> the modules of BaselineCNN.net
ICH_TO_TORCH = {"conv1": "net.0", "conv2": "net.3", "conv3": "net.6", "dense": "net.10", "head": "net.12"}


def read_safetensors(path):
    """{name: float32 numpy array} and the metadata of a .safetensors file (numpy only)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        sys.exit(f"{path}: not a safetensors file (too short)")
    length = int.from_bytes(raw[:8], "little")
    if 8 + length > len(raw):
        sys.exit(f"{path}: header of {length} bytes runs past the end of the file")
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    base = 8 + length
    tensors = {}
    for name, e in header.items():
        dtype = SAFETENSORS_DTYPES.get(e["dtype"])
        if dtype is None:
            sys.exit(f"{path}: tensor {name} is {e['dtype']}; only {', '.join(SAFETENSORS_DTYPES)} are read")
        begin, end = e["data_offsets"]
        if base + end > len(raw):
            sys.exit(f"{path}: tensor {name} runs past the end of the file")
        count = (end - begin) // np.dtype(dtype).itemsize
        data = np.frombuffer(raw, dtype=dtype, count=count, offset=base + begin)
        tensors[name] = data.reshape(e["shape"]).astype(np.float32)
    return tensors, metadata


def load_init(model, path):
    """Copies ichdetect's initial weights into the model (dense kernels transposed to out x in)."""
    tensors, metadata = read_safetensors(path)
    transpose = metadata.get("dense_layout", "in,out") == "in,out"
    params = dict(model.named_parameters())
    used = set()
    with torch.no_grad():
        for ich_node, module in ICH_TO_TORCH.items():
            for kind in ("weight", "bias"):
                name = f"{ich_node}.{kind}"
                if name not in tensors:
                    sys.exit(f"{path}: no tensor {name}")
                value = tensors[name]
                if transpose and value.ndim == 2:
                    value = value.T
                target = params[f"{module}.{kind}"]
                if tuple(value.shape) != tuple(target.shape):
                    sys.exit(f"{path}: {name} has shape {list(tensors[name].shape)}; the model's "
                             f"{module}.{kind} is {list(target.shape)}")
                target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
                used.add(name)
    extra = sorted(set(tensors) - used)
    if extra:
        sys.exit(f"{path}: tensors the baseline does not have: {', '.join(extra)}")


def load_order(path, ids, epochs):
    """Per epoch, the train part's row indices in the file's file-id order."""
    with open(path) as f:
        given = json.load(f)["epochs"]
    if len(given) < epochs:
        sys.exit(f"{path}: {len(given)} epochs of order, {epochs} needed")
    row = {int(file_id): i for i, file_id in enumerate(ids)}
    orders = []
    for epoch, file_ids in enumerate(given[:epochs]):
        missing = [fid for fid in file_ids if fid not in row]
        if missing:
            sys.exit(f"{path}: epoch {epoch}: file ids not in the train part, e.g. {missing[:3]}")
        order = np.array([row[fid] for fid in file_ids], dtype=np.int64)
        if len(order) != len(ids) or len(np.unique(order)) != len(ids):
            sys.exit(f"{path}: epoch {epoch} lists {len(order)} ids ({len(np.unique(order))} distinct); "
                     f"the train part has {len(ids)}")
        orders.append(order)
    return orders


def to_input(x_u8):
    """uint8 records -> float32 model input in [0, 1] (value / 255)."""
    return torch.from_numpy(x_u8.astype(np.float32) / np.float32(255))


# --- metric ------------------------------------------------------------------------------------

def weighted_log_loss(probs, labels):
    """RSNA metric: clip to [1e-7, 1 - 1e-7], per slice sum_j w_j BCE_j / sum_j w_j, mean."""
    p = np.clip(probs.astype(np.float64), EPS, 1 - EPS)
    y = labels.astype(np.float64)
    bce = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    w = np.array(LOSS_WEIGHTS, dtype=np.float64)
    return float(((bce * w).sum(axis=1) / w.sum()).mean())


def rank_auc(scores, labels):
    """ROC AUC as the Mann-Whitney statistic (ties count half); None with one class only."""
    pos = labels >= 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    s = scores[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty_like(ranks)
    r[order] = ranks
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def aucs(probs, labels):
    try:
        from sklearn.metrics import roc_auc_score
    except ImportError:
        roc_auc_score = None
    out = {}
    for j, name in enumerate(LABELS):
        y, p = labels[:, j], probs[:, j].astype(np.float64)
        if roc_auc_score is None or len(np.unique(y)) < 2:
            out[name] = rank_auc(p, y)
        else:
            out[name] = float(roc_auc_score(y, p))
    return out, ("sklearn" if roc_auc_score is not None else "numpy")


# --- training ----------------------------------------------------------------------------------

def predict(model, x_u8, batch):
    """Sigmoid probabilities (float32, n x 6) in eval mode."""
    model.eval()
    out = []
    with torch.inference_mode():
        for start in range(0, len(x_u8), batch):
            out.append(torch.sigmoid(model(to_input(x_u8[start:start + batch]))).numpy())
    return np.concatenate(out) if out else np.empty((0, len(LABELS)), dtype=np.float32)


def main(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    con = sqlite3.connect(f"file:{os.path.abspath(args.db)}?mode=ro", uri=True)
    info = cache_info(con, args.cache)
    data = {part: load_part(con, info, part) for part in PARTS}
    con.close()
    for part in PARTS:
        if len(data[part][0]) == 0:
            sys.exit(f"the {part} part has no labelled, cached slices")
    x_train, y_train, ids_train = data["train"]

    torch.manual_seed(args.seed)
    model = BaselineCNN(size=info["size"])
    keras_init_(model)
    if args.init:
        load_init(model, args.init)
    orders = load_order(args.order, ids_train, args.epochs) if args.order else None
    weights = torch.tensor(LOSS_WEIGHTS, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)

    epochs = []
    first_step_losses = []
    best = {"epoch": -1, "val": float("inf"), "state": None}
    train_start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        order = orders[epoch] if orders is not None else rng.permutation(len(x_train))
        loss_sum = 0.0
        for start in range(0, len(order), args.batch):
            idx = order[start:start + args.batch]
            if orders is None:
                idx = np.sort(idx)  # sorted: faster gathers, same batch
            x, y = to_input(x_train[idx]), torch.from_numpy(y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss = weighted_bce_with_logits(model(x), y, weights)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(idx)
            if len(first_step_losses) < 3:
                first_step_losses.append(loss.item())
        val_loss = weighted_log_loss(predict(model, data["val"][0], args.eval_batch), data["val"][1])
        seconds = time.perf_counter() - t0
        is_best = val_loss < best["val"]
        if is_best:
            best = {"epoch": epoch, "val": val_loss,
                    "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
        epochs.append({"epoch": epoch + 1, "train_loss": loss_sum / len(x_train), "val_loss": val_loss,
                       "seconds": seconds})
        print(f"epoch {epoch + 1}: train loss {loss_sum / len(x_train):.4f}, val weighted log loss "
              f"{val_loss:.4f}{' (best)' if is_best else ''}, {len(x_train) / seconds:.0f} images/s, "
              f"{seconds:.1f} s", file=sys.stderr, flush=True)
    train_seconds = time.perf_counter() - train_start

    model.load_state_dict(best["state"])
    x_test, y_test = data["test"][:2]
    probs = predict(model, x_test, args.eval_batch)
    prevalence = y_train.mean(axis=0)
    auc, auc_from = aucs(probs, y_test)
    print(json.dumps({
        "test_weighted_log_loss": weighted_log_loss(probs, y_test),
        "prevalence_weighted_log_loss": weighted_log_loss(np.tile(prevalence, (len(y_test), 1)), y_test),
        "auc": auc,
        "auc_from": auc_from,
        "best_epoch": best["epoch"] + 1,
        "best_val_weighted_log_loss": best["val"],
        "epochs": epochs,
        "first_step_losses": first_step_losses,
        "init": args.init,
        "order": args.order,
        "train_prevalence": dict(zip(LABELS, map(float, prevalence))),
        "n": {part: int(len(data[part][0])) for part in PARTS},
        "cache": info["key"],
        "size": info["size"],
        "batch": args.batch,
        "lr": args.lr,
        "seed": args.seed,
        "threads": args.threads,
        "seconds": train_seconds,
        "seconds_total": time.perf_counter() - STARTED,
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
