#!/usr/bin/python3
"""Python reference for the preprocessing benchmark: DICOM -> HU -> 3 windows -> N x N uint8.

Run with Debian's interpreter, which has pydicom and numpy:

    /usr/bin/python3 bench/reference/preprocess_reference.py LIST OUT_DIR [SIZE] [--check]

LIST is a text file with one DICOM path per line (blank lines and lines starting with # are
skipped). For each file, in order, the script does what the seed project did with plain numpy:

1. pydicom dcmread -> pixel_array (first frame);
2. HU = stored * RescaleSlope + RescaleIntercept, after the RSNA 12-bit wrap fix where BitsStored
   is 12, PixelRepresentation 0 and RescaleIntercept > -100 (x = stored + 1000; x >= 4096 ->
   x - 4096; intercept -1000);
3. windows brain 40/80, subdural 80/200, soft 40/380: v = clip((hu - (c - w/2)) / w, 0, 1);
4. a non-square image is centred on a square canvas filled with 0 (after windowing; offset
   floor((side - rows) / 2), as the TypeScript side does);
5. area-average to SIZE x SIZE: an exact block mean via reshape when SIZE divides the side (512 ->
   128 is a 4 x 4 mean), otherwise overlap-weighted averaging (the same weights as
   src/preprocess/resample.ts);
6. uint8 = round(v * 255), rounding halves up (floor(x + 0.5), like JavaScript's Math.round);
7. appended channel-first (C x N x N, C = 3) to OUT_DIR/reference-SIZE.u8.

OUT_DIR/reference-SIZE.paths.txt lists the files written, one per record. Files that fail to read
are reported on stderr and skipped. The last line on stdout is one JSON object:
{"slices": n, "seconds": s, "slices_per_s": r, "failed": k}; `seconds` covers reading,
preprocessing and writing (not the Python start-up). With --check, a line
{"first_record_sum": S} (sum of the first record's bytes) comes before it.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import pydicom

WINDOWS = (("brain", 40.0, 80.0), ("subdural", 80.0, 200.0), ("soft", 40.0, 380.0))


def hounsfield(ds):
    """HU of the first frame as float64, with the RSNA 12-bit wrap undone."""
    px = ds.pixel_array
    if px.ndim == 3:
        px = px[0]
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    if int(ds.BitsStored) == 12 and int(ds.PixelRepresentation) == 0 and intercept > -100:
        x = px.astype(np.int32) + 1000
        x[x >= 4096] -= 4096
        px = x
        intercept = -1000.0
    return px.astype(np.float64) * slope + intercept


def window(hu, center, width):
    v = hu - (center - width / 2.0)
    v /= width
    return np.clip(v, 0.0, 1.0, out=v)  # in place: fresh 2 MB temporaries cost more than the arithmetic


def pad_square(img):
    rows, cols = img.shape
    if rows == cols:
        return img
    side = max(rows, cols)
    out = np.zeros((side, side), dtype=img.dtype)
    r0 = (side - rows) // 2
    c0 = (side - cols) // 2
    out[r0:r0 + rows, c0:c0 + cols] = img
    return out


_weights = {}


def area_weights(side, size):
    """size x side matrix: row o holds the overlap of output pixel o with each input pixel."""
    key = (side, size)
    if key not in _weights:
        scale = side / size
        w = np.zeros((size, side))
        for o in range(size):
            a, b = o * scale, (o + 1) * scale
            for p in range(int(np.floor(a)), int(np.ceil(b))):
                overlap = min(b, p + 1) - max(a, p)
                if overlap > 0:
                    w[o, p] = overlap / scale
        _weights[key] = w
    return _weights[key]


def downsample(img, size):
    side = img.shape[0]
    if side == size:
        return img
    if side % size == 0:
        f = side // size
        return img.reshape(size, f, size, f).mean(axis=(1, 3))
    w = area_weights(side, size)
    return w @ img @ w.T


def preprocess(path, size):
    hu = hounsfield(pydicom.dcmread(path))
    channels = [downsample(pad_square(window(hu, c, w)), size) for _, c, w in WINDOWS]
    v = np.stack(channels)
    return np.floor(v * 255.0 + 0.5).astype(np.uint8)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("list", help="text file with one DICOM path per line")
    ap.add_argument("out_dir", help="directory for reference-SIZE.u8 and reference-SIZE.paths.txt")
    ap.add_argument("size", nargs="?", type=int, default=128, help="output side in pixels (default 128)")
    ap.add_argument("--check", action="store_true", help="print the first record's byte sum before the summary")
    args = ap.parse_args()
    if args.size < 1:
        ap.error("size must be positive")

    with open(args.list, encoding="utf-8") as f:
        paths = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
    os.makedirs(args.out_dir, exist_ok=True)
    records_path = os.path.join(args.out_dir, f"reference-{args.size}.u8")
    list_path = os.path.join(args.out_dir, f"reference-{args.size}.paths.txt")

    n = 0
    failed = 0
    first_sum = None
    start = time.perf_counter()
    with open(records_path, "wb") as records, open(list_path, "w", encoding="utf-8") as written:
        for path in paths:
            try:
                rec = preprocess(path, args.size)
            except Exception as err:  # broken files are expected in RSNA data
                failed += 1
                print(f"{path}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}", file=sys.stderr)
                continue
            records.write(rec.tobytes())
            written.write(path + "\n")
            if first_sum is None:
                first_sum = int(rec.sum(dtype=np.int64))
            n += 1
    seconds = time.perf_counter() - start

    if args.check:
        print(json.dumps({"first_record_sum": first_sum}))
    print(json.dumps({
        "slices": n,
        "seconds": round(seconds, 4),
        "slices_per_s": round(n / seconds, 2) if seconds > 0 else None,
        "failed": failed,
    }))
    return 0 if n > 0 or not paths else 1


if __name__ == "__main__":
    sys.exit(main())
