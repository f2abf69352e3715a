#!/usr/bin/env python3
"""Peer benchmark: zxing-cpp (PyPI `zxing-cpp`) over a frame/image directory with a manifest.json.

Prints the same key=value lines as `companion bench scan DIR` so the two stand side by
side. Scoring follows barcode-frames-dev/README.md: an expected code is found when any
decoded text equals its `text`, `text_raw` or one of its `alt_texts`; a false positive is
a distinct decoded text in a frame that matches none of that frame's expected codes.
A misread is a decoded code of the same symbology family as one of the frame's expected
codes (EAN/UPC, DataBar, DataBar Expanded, ... see FAMILY) whose text matches none of
them: a wrong read of a code that is there, not a decode of something else in the image.
Timing covers only `read_barcodes`, the image already in memory. An image that cannot be
loaded is reported on stderr and counted as bad_images; the run goes on.

Usage: python3 scripts/zxing_bench.py DIR [--all-formats]
By default the read is restricted to the formats present in the manifest, as the
README's reference figure is ("formats restricted to those present").
"""
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image

# Symbology families for misreads: a decoder may legitimately report a UPC-A as EAN-13,
# a stacked DataBar as its plain form. Must stay equal to `family` in scan/src/bench.rs.
FAMILY = {
    "EAN13": "EAN/UPC", "EAN8": "EAN/UPC", "UPCA": "EAN/UPC", "UPCE": "EAN/UPC",
    "DataBar": "DataBar", "DataBarOmni": "DataBar", "DataBarStk": "DataBar",
    "DataBarStkOmni": "DataBar",
    "DataBarExp": "DataBarExp", "DataBarExpStk": "DataBarExp", "DataBarExpanded": "DataBarExp",
    "DataBarLtd": "DataBarLtd", "DataBarLimited": "DataBarLtd",
    "ITF": "ITF", "ITF14": "ITF",
}


def family(name):
    return FAMILY.get(name, name)


def percentile(values, q):
    if not values:
        return 0.0
    s = sorted(values)
    idx = min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))
    return s[idx]


def fmt_ms(v):
    return f"{v:.1f}"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    all_formats = "--all-formats" in sys.argv
    verbose = "--verbose" in sys.argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(args[0])
    manifest = json.loads((root / "manifest.json").read_text())
    present = sorted({e["format"] for f in manifest["frames"] for e in f["expected"]})
    formats = None
    if not all_formats:
        formats = zxingcpp.barcode_formats_from_str(",".join(present)) if present else None

    frames = expected = found = fp_frames = misreads = bad_images = 0
    sym = defaultdict(lambda: [0, 0, 0])  # expected, found, misreads
    ms = {"720": [], "1080": [], "empty": []}
    for frame in manifest["frames"]:
        frames += 1
        expected += len(frame["expected"])
        for e in frame["expected"]:
            sym[e["format"]][0] += 1
        try:
            gray = np.asarray(Image.open(root / frame["file"]).convert("L"))
        except Exception as err:  # a bad image is reported, the run goes on
            print(f"{frame['file']}: {err}", file=sys.stderr)
            bad_images += 1
            continue
        t0 = time.perf_counter()
        if formats is not None:
            results = zxingcpp.read_barcodes(gray, formats=formats)
        else:
            results = zxingcpp.read_barcodes(gray)
        elapsed = (time.perf_counter() - t0) * 1000.0
        texts = {r.text for r in results}
        accepted = set()
        for e in frame["expected"]:
            forms = {e["text"], e.get("text_raw", e["text"]), *e.get("alt_texts", [])}
            accepted |= forms
            if texts & forms:
                found += 1
                sym[e["format"]][1] += 1
        if texts - accepted:
            fp_frames += 1
        expected_families = {family(e["format"]): e["format"] for e in frame["expected"]}
        wrong = set()
        for r in results:
            fam = family(r.format.name)
            if r.text not in accepted and fam in expected_families and r.text not in wrong:
                wrong.add(r.text)
                misreads += 1
                sym[expected_families[fam]][2] += 1
        if verbose:
            missed = [e["text"] for e in frame["expected"]
                      if not texts & {e["text"], e.get("text_raw", e["text"]), *e.get("alt_texts", [])}]
            print(f"{frame['file']} {elapsed:.1f}ms missed={missed} fp={sorted(texts - accepted)}",
                  file=sys.stderr)
        key = "1080" if frame["height"] >= 1000 else "720"
        ms[key].append(elapsed)
        if not frame["expected"]:
            ms["empty"].append(elapsed)

    def med(v):
        return statistics.median(v) if v else 0.0

    print("decoder=zxing-cpp " + zxingcpp.__version__ if hasattr(zxingcpp, "__version__") else "decoder=zxing-cpp")
    print(f"frames={frames}")
    print(f"bad_images={bad_images}")
    print(f"codes_expected={expected}")
    print(f"codes_found={found}")
    print(f"fp_frames={fp_frames}")
    print(f"misreads={misreads}")
    print(f"median_ms_720={fmt_ms(med(ms['720']))}")
    print(f"p95_ms_720={fmt_ms(percentile(ms['720'], 0.95))}")
    print(f"median_ms_1080={fmt_ms(med(ms['1080']))}")
    print(f"p95_ms_1080={fmt_ms(percentile(ms['1080'], 0.95))}")
    print(f"median_ms_empty={fmt_ms(med(ms['empty']))}")
    print(f"median_ms_all={fmt_ms(med(ms['720'] + ms['1080']))}")
    for name in sorted(sym):
        e, f, m = sym[name]
        print(f"symbology={name} expected={e} found={f} misreads={m}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
