#!/usr/bin/python3
"""PyTorch reference for the InceptionV3 lines of `npm run bench:train`: feature extraction (the
whole InceptionV3 base, mixed10, and its global average pool: 2048 features per image).

Run with Debian's interpreter, which has `python3-torch` (PyTorch 1.13 CPU) and
`python3-torchvision` (0.14):

    /usr/bin/python3 bench/reference/inception_reference.py [--size 128] [--batch 32]
        [--threads 2] [--steps 5] [--warmup 1] [--seed 0] [--allocator tcmalloc|hugetlb|system]

The network is torchvision's `inception_v3(weights=None, aux_logits=False, init_weights=False)`
(torchvision 0.14: `init_weights=False` keeps PyTorch's default initialisation instead of the slow
truncated-normal one; the values do not change the speed), with `fc` replaced by `nn.Identity()`,
so that the output is the 2048 average-pooled features of Mixed_7c (Keras's mixed10). Its
AdaptiveAvgPool2d makes any input side of at least 75 pixels work, like ichdetect's
inceptionV3Model (a global average pool in place of Keras's fixed 8x8 one); at 128x128 input the
last blocks are 2x2 (8x8 at 299x299). `transform_input` is False (torchvision's default without
pretrained weights); ichdetect's model instead starts with a 2x - 1 rescale, one elementwise op.
The differences from the Keras graph ichdetect imports are in the arithmetic, not the work: Keras
averages its pooling branch over the valid pixels, torchvision over a zero-padded window; Keras's
BatchNorm has no scale (gamma 1), torchvision's has one.

The model runs in eval mode (BatchNorm on running statistics, dropout off) under
`torch.inference_mode()`, eagerly, as PyTorch ships it (no TorchScript freezing or BatchNorm
folding). Inputs are seeded uniform [0, 1) batches N x 3 x S x S, two of them alternated.

`--warmup W` untimed runs, then `--steps K` timed ones (the timing excludes start-up, model
construction and input generation). The last line on stdout is one JSON object: {"model", "batch",
"size", "threads", "images_per_s", "seconds", "steps", "features", "allocator", "torch",
"torchvision"}.

`--threads N` sets torch.set_num_threads(N) (intra-op; inter-op 1). `--allocator` as in
train_reference.py (default tcmalloc; see allocator.py): the script re-executes itself once with
the allocator's environment before importing torch.
"""

import argparse
import json
import sys
import time

from allocator import ALLOCATORS, use_allocator  # torch-free: called before torch is imported

MIN_SIZE = 75  # torchvision's InceptionV3 needs at least 75 x 75 (as Keras's does)
POOL_BATCHES = 2


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=128, help="input side S (S x S; at least 75)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--steps", type=int, default=5, help="timed runs (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--allocator", choices=ALLOCATORS, default="tcmalloc",
                   help="memory allocator (default tcmalloc; see allocator.py)")
    args = p.parse_args(argv)
    if args.batch < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--batch, --steps and --threads must be >= 1, --warmup >= 0")
    if args.size < MIN_SIZE:
        p.error(f"--size must be at least {MIN_SIZE} (InceptionV3)")
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    use_allocator(ARGS.allocator, __file__)  # before importing torch, so that torch is imported only once

import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402


def build(seed):
    """InceptionV3 base + global average pool: N x 3 x S x S -> N x 2048, eval mode."""
    torch.manual_seed(seed)
    model = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False)
    model.fc = nn.Identity()
    return model.eval()


def benchmark(args):
    model = build(args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    pool = [torch.rand((args.batch, 3, args.size, args.size), generator=gen) for _ in range(POOL_BATCHES)]
    features = None
    with torch.inference_mode():
        for i in range(args.warmup):
            model(pool[i % POOL_BATCHES])
        start = time.perf_counter()
        for i in range(args.steps):
            out = model(pool[(args.warmup + i) % POOL_BATCHES])
        seconds = time.perf_counter() - start
        features = list(out.shape[1:])
    print(json.dumps({
        "model": "inception_v3 (torchvision, fc = Identity)",
        "batch": args.batch,
        "size": args.size,
        "threads": args.threads,
        "images_per_s": args.batch * args.steps / seconds,
        "seconds": seconds,
        "steps": args.steps,
        "features": features,
        "allocator": args.allocator,
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }))


def main(args):
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    benchmark(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
