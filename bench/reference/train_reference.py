#!/usr/bin/python3
"""PyTorch reference for the model-engine benchmark (issue 4): the seed project's baseline CNN.

Run with Debian's interpreter, which has `python3-torch` (PyTorch 1.13 CPU):

    /usr/bin/python3 bench/reference/train_reference.py --mode train|infer [options]
    /usr/bin/python3 bench/reference/train_reference.py --check-loss
    /usr/bin/python3 bench/reference/train_reference.py --export-weights DIR

The network, exactly as in the seed project (Keras), in PyTorch's NCHW layout:

    input N x 3 x S x S float32 (S = --size, 128 by default)
    3 blocks: Conv2d 3x3, padding 'same', bias (32, 64, 128 filters) -> LeakyReLU -> MaxPool 2x2
    Flatten (PyTorch order: index c*(S/8)^2 + h*(S/8) + w)
    Linear(128 * (S/8)^2 -> 128) -> LeakyReLU
    Linear(128 -> 6) -> logits; sigmoid for probabilities

LeakyReLU's negative slope defaults to 0.3, the default `alpha` of Keras's `LeakyReLU` layer
(PyTorch's own default is 0.01; `tf.nn.leaky_relu`'s is 0.2): `--negative-slope` changes it.
Initial weights are Keras's defaults unless `--init torch`: Glorot-uniform kernels
(U(-l, l), l = sqrt(6 / (fan_in + fan_out)), fan = channels x 3 x 3 for a conv) and zero biases.

Labels are in the canonical order `any, epidural, intraparenchymal, intraventricular,
subarachnoid, subdural`. The loss is the metric's weighted BCE computed stably from logits:
per sample sum_j w_j * BCEWithLogits(z_j, y_j) / sum_j w_j with w = [2, 1, 1, 1, 1, 1], then the
mean over the batch. The optimizer is Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8, PyTorch's
defaults; note Keras's Adam eps is 1e-7).

Modes (the timed part excludes start-up, model construction and input generation):

- `--mode train`: training steps (zero grads, forward, loss, backward, Adam step) on a small pool
  of seeded synthetic batches, cycled;
- `--mode infer`: forward + sigmoid under `torch.inference_mode()` on the same kind of batches.

`--warmup W` untimed steps come first, then `--steps K` timed ones. The last line on stdout is one
JSON object: {"mode", "batch", "size", "threads", "images_per_s", "seconds", "steps",
"allocator"}.

`--threads N` sets torch.set_num_threads(N) (intra-op; the inter-op pool is set to 1 thread, since
this eager model never runs operators concurrently).

`--allocator` (default `tcmalloc`): PyTorch allocates every activation afresh, and glibc's malloc
hands large blocks back to the kernel on free, so each step page-faults its activations in again.
On the 2-core VMs used here a 4 KiB page fault costs ~17 us (against ~1 us on bare metal), which
makes plain PyTorch 3-5x slower than its compute allows (train ~10 images/s instead of 40-70).
`tcmalloc` (Debian `libtcmalloc-minimal4`, the usual advice for PyTorch on CPU) keeps freed
memory and removes that cost; `hugetlb` keeps glibc but asks for transparent huge pages
(GLIBC_TUNABLES=glibc.malloc.hugetlb=1), which removes most of it; `system` is glibc as is. The
script re-executes itself once with LD_PRELOAD / GLIBC_TUNABLES set, before importing torch. The
allocator does not change any number computed, only the speed.

Cross-checking with another implementation:

- `--check-loss` prints {"loss": L, "loss_after_step": L2} for the seeded check batch: the loss
  of the initial weights, and the loss on the same batch after one Adam step on it.
- `--export-weights DIR` writes the initial weights (after seeding) as raw little-endian float32
  files `DIR/<name>.f32` in PyTorch layout (conv: out x in x kh x kw = OIHW; linear: out x in;
  biases: out), the check batch (`input.f32`, N x 3 x S x S; `labels.f32`, N x 6) and
  `DIR/manifest.json` listing every tensor (name, file, shape, dtype) in model order, plus the
  settings and the two losses of `--check-loss`. Loading these weights and that batch elsewhere
  must reproduce `loss` (to float32 rounding) and, after one Adam step with lr 1e-3, betas
  0.9/0.999, eps 1e-8, `loss_after_step`.

Synthetic data: inputs uniform in [0, 1) (like windowed images); labels Bernoulli, each subtype
with probability 0.1 and `any` = 1 when a subtype is, so that a non-trivial share are positive.
Everything is seeded by `--seed` (model) and `--seed + 1` (data).
"""

import argparse
import json
import os
import sys
import time

from allocator import ALLOCATORS, use_allocator  # torch-free: called before torch is imported


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=("train", "infer"), default="train")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--steps", type=int, default=20, help="timed steps (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--negative-slope", type=float, default=0.3,
                   help="LeakyReLU slope (default 0.3, Keras's LeakyReLU default)")
    p.add_argument("--init", choices=("keras", "torch"), default="keras",
                   help="initial weights: Keras defaults (Glorot uniform, zero bias) or PyTorch's")
    p.add_argument("--allocator", choices=ALLOCATORS, default="tcmalloc",
                   help="memory allocator (default tcmalloc; see the module docstring)")
    p.add_argument("--check-loss", action="store_true",
                   help="print the loss of the seeded check batch (and after one Adam step), exit")
    p.add_argument("--export-weights", metavar="DIR",
                   help="write initial weights, check batch and manifest.json to DIR, exit")
    args = p.parse_args(argv)
    if args.batch < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--batch, --steps and --threads must be >= 1, --warmup >= 0")
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    use_allocator(ARGS.allocator, __file__)  # before importing torch, so that torch is imported only once

import torch  # noqa: E402
from torch import nn  # noqa: E402

LABELS = ("any", "epidural", "intraparenchymal", "intraventricular", "subarachnoid", "subdural")
LOSS_WEIGHTS = (2.0, 1.0, 1.0, 1.0, 1.0, 1.0)
POOL_BATCHES = 4  # distinct synthetic batches cycled by the timed modes


class BaselineCNN(nn.Module):
    """The seed project's baseline CNN (see the module docstring)."""

    def __init__(self, size=128, negative_slope=0.3, filters=(32, 64, 128), dense=128, outputs=6):
        super().__init__()
        if size % 8:
            raise ValueError("size must be a multiple of 8 (three 2x2 pools)")
        layers = []
        channels = 3
        for f in filters:
            layers += [
                nn.Conv2d(channels, f, kernel_size=3, padding=1),  # 3x3 'same', stride 1
                nn.LeakyReLU(negative_slope),
                nn.MaxPool2d(2),
            ]
            channels = f
        side = size // 8
        layers += [
            nn.Flatten(),
            nn.Linear(channels * side * side, dense),
            nn.LeakyReLU(negative_slope),
            nn.Linear(dense, outputs),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        """Logits, N x 6."""
        return self.net(x)


def keras_init_(model):
    """Keras defaults: Glorot-uniform weights, zero biases (in place, using torch's global RNG)."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)  # same fans as Keras for OIHW / out x in
            nn.init.zeros_(m.bias)


def weighted_bce_with_logits(logits, labels, weights):
    """Per sample sum_j w_j BCE_j / sum_j w_j, mean over the batch; stable for large |logits|."""
    per_label = nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    return ((per_label * weights).sum(dim=1) / weights.sum()).mean()


def synthetic_batch(generator, batch, size):
    """Seeded inputs N x 3 x size x size in [0, 1) and 0/1 labels N x 6 (`any` first)."""
    x = torch.rand((batch, 3, size, size), generator=generator, dtype=torch.float32)
    subtypes = (torch.rand((batch, 5), generator=generator) < 0.1).float()
    any_ = subtypes.max(dim=1, keepdim=True).values
    return x, torch.cat([any_, subtypes], dim=1)


def build(args):
    """Seeded model, loss weights and Adam optimizer."""
    torch.manual_seed(args.seed)
    model = BaselineCNN(size=args.size, negative_slope=args.negative_slope)
    if args.init == "keras":
        keras_init_(model)
    weights = torch.tensor(LOSS_WEIGHTS, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    return model, weights, optimizer


def train_step(model, weights, optimizer, x, y):
    optimizer.zero_grad(set_to_none=True)
    loss = weighted_bce_with_logits(model(x), y, weights)
    loss.backward()
    optimizer.step()
    return loss


def check_losses(args):
    """Initial loss on the check batch, and the loss on it after one Adam step on it."""
    model, weights, optimizer = build(args)
    x, y = synthetic_batch(torch.Generator().manual_seed(args.seed + 1), args.batch, args.size)
    initial = {name: p.detach().clone() for name, p in model.named_parameters()}
    loss = train_step(model, weights, optimizer, x, y).item()
    with torch.no_grad():
        loss_after = weighted_bce_with_logits(model(x), y, weights).item()
    return initial, x, y, loss, loss_after


def write_f32(path, tensor):
    """Raw little-endian float32, C order."""
    data = tensor.detach().to(torch.float32).contiguous().numpy()
    data.astype("<f4", copy=False).tofile(path)


def export_weights(args):
    os.makedirs(args.export_weights, exist_ok=True)
    initial, x, y, loss, loss_after = check_losses(args)
    tensors = []
    for name, t in initial.items():
        # `net.0.weight` -> e.g. `conv1.weight`, so that names say what they are
        tensors.append({"name": friendly_name(name), "torch_name": name, "tensor": t})
    tensors.append({"name": "input", "tensor": x})
    tensors.append({"name": "labels", "tensor": y})
    entries = []
    for e in tensors:
        file = e["name"] + ".f32"
        write_f32(os.path.join(args.export_weights, file), e["tensor"])
        entry = {"name": e["name"], "file": file, "shape": list(e["tensor"].shape), "dtype": "float32"}
        if "torch_name" in e:
            entry["torch_name"] = e["torch_name"]
        entries.append(entry)
    manifest = {
        "model": "baseline",
        "layout": "PyTorch: conv OIHW, linear out x in, input NCHW, flatten order C,H,W",
        "byte_order": "little",
        "size": args.size,
        "batch": args.batch,
        "seed": args.seed,
        "init": args.init,
        "negative_slope": args.negative_slope,
        "labels": list(LABELS),
        "loss_weights": list(LOSS_WEIGHTS),
        "optimizer": {"name": "adam", "lr": args.lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        "loss": loss,
        "loss_after_step": loss_after,
        "torch": torch.__version__,
        "tensors": entries,
    }
    with open(os.path.join(args.export_weights, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(json.dumps({"exported": args.export_weights, "tensors": len(entries), "loss": loss,
                      "loss_after_step": loss_after}))


def friendly_name(torch_name):
    """`net.0.weight` -> `conv1.weight`, `net.9.bias` -> `dense1.bias`, by position."""
    index, kind = torch_name.split(".")[1:]
    index = int(index)
    if index < 9:
        return f"conv{index // 3 + 1}.{kind}"
    return f"dense{(index - 9) // 2 + 1}.{kind}"


def benchmark(args):
    model, weights, optimizer = build(args)
    gen = torch.Generator().manual_seed(args.seed + 1)
    pool = [synthetic_batch(gen, args.batch, args.size) for _ in range(POOL_BATCHES)]

    if args.mode == "train":
        model.train()

        def step(i):
            x, y = pool[i % POOL_BATCHES]
            train_step(model, weights, optimizer, x, y)
    else:
        model.eval()

        def step(i):
            x, _ = pool[i % POOL_BATCHES]
            with torch.inference_mode():
                torch.sigmoid(model(x))

    for i in range(args.warmup):
        step(i)
    start = time.perf_counter()
    for i in range(args.steps):
        step(args.warmup + i)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "mode": args.mode,
        "batch": args.batch,
        "size": args.size,
        "threads": args.threads,
        "images_per_s": args.batch * args.steps / seconds,
        "seconds": seconds,
        "steps": args.steps,
        "allocator": args.allocator,
    }))


def main(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    if args.export_weights:
        export_weights(args)
    elif args.check_loss:
        _, _, _, loss, loss_after = check_losses(args)
        print(json.dumps({"loss": loss, "loss_after_step": loss_after}))
    else:
        benchmark(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
