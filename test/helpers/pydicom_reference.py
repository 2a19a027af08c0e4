"""Reference pixels for the ichdetect tests, decoded by Debian's pydicom (with python3-gdcm).

usage: /usr/bin/python3 pydicom_reference.py OUT_DIR FILE...

For the i-th FILE it writes OUT_DIR/<i>.stored.f64 (pixel_array of the first frame, as pydicom returns
it: already sign-extended) and OUT_DIR/<i>.hu.f32 (pixel_array * RescaleSlope + RescaleIntercept,
computed in float64 and rounded once to float32), little endian, row-major; then prints one JSON line
per file. Exits 3 when pydicom or numpy cannot be imported, 4 when a file cannot be decoded.
"""
import json
import sys

try:
    import numpy as np
    import pydicom
except ImportError as err:
    sys.stderr.write(
        f"pydicom reference unavailable ({err}); install the Debian packages python3-pydicom python3-gdcm "
        f"python3-numpy and run the helper with /usr/bin/python3 (interpreter used: {sys.executable})\n"
    )
    sys.exit(3)


def main() -> None:
    out_dir = sys.argv[1]
    for i, path in enumerate(sys.argv[2:]):
        try:
            ds = pydicom.dcmread(path)
            pixels = ds.pixel_array
            if int(ds.get("NumberOfFrames", 1) or 1) > 1:
                pixels = pixels[0]
            slope = float(ds.get("RescaleSlope", 1))
            intercept = float(ds.get("RescaleIntercept", 0))
            stored = pixels.astype(np.float64)
            stored.astype("<f8").tofile(f"{out_dir}/{i}.stored.f64")
            (stored * slope + intercept).astype("<f4").tofile(f"{out_dir}/{i}.hu.f32")
            print(json.dumps({
                "path": path,
                "rows": int(pixels.shape[0]),
                "columns": int(pixels.shape[1]),
                "dtype": str(pixels.dtype),
                "transferSyntaxUID": str(ds.file_meta.TransferSyntaxUID),
                "pydicom": pydicom.__version__,
            }))
        except Exception as err:  # noqa: BLE001 - report any decoding failure as one line
            sys.stderr.write(f"pydicom could not decode {path}: {type(err).__name__}: {err}\n")
            sys.exit(4)


if __name__ == "__main__":
    main()
