#!/usr/bin/env python3
"""Peer benchmark: zxing-cpp (PyPI `zxing-cpp`) over a frame/image directory with a manifest.json.

Prints the same key=value lines as `companion bench scan DIR` so the two stand side by
side. Scoring follows barcode-frames-dev/README.md: an expected code is found when any
decoded text equals its `text`, `text_raw` or one of its `alt_texts`; a false positive is
a distinct decoded text in a frame that matches none of that frame's expected codes.
A misread is a decoded code of the same symbology family as one of the frame's expected
codes (EAN/UPC, DataBar, DataBar Expanded, ... see FAMILY) whose text matches none of
them: a wrong read of a code that is there, not a decode of something else in the image.
An EAN/UPC read that differs from an expected code only by its 2/5-digit add-on (read on
one side and not the other) is the right item and not a misread (still a false positive
for fp_frames).
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
    # Companion reports DataBar Limited as DataBar (same data: a GTIN).
    "DataBar": "DataBar", "DataBarOmni": "DataBar", "DataBarStk": "DataBar",
    "DataBarStkOmni": "DataBar", "DataBarLtd": "DataBar", "DataBarLimited": "DataBar",
    "DataBarExp": "DataBarExp", "DataBarExpStk": "DataBarExp", "DataBarExpanded": "DataBarExp",
    "ITF": "ITF", "ITF14": "ITF",
}


def family(name):
    return FAMILY.get(name, name)


def gs1_check_ok(digits):
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def ean_mains(text):
    """GTIN-14s an EAN/UPC text can stand for: main of 8/12/13 digits, optional add-on."""
    if not text.isdigit():
        return set()
    out = set()
    for addon in (0, 2, 5):
        main = text[: len(text) - addon]
        if len(main) in (8, 12, 13) and gs1_check_ok(main):
            out.add(main.zfill(14))
    return out


def same_item_other_addon(frame, text):
    """An EAN/UPC read whose main symbol is an expected code's, only the add-on differing:
    the right item, not a misread (it still counts against fp_frames). Same rule as
    scan/src/bench.rs."""
    mains = ean_mains(text)
    if not mains:
        return False
    for e in frame["expected"]:
        for t in [e["text"], e.get("text_raw", e["text"]), *e.get("alt_texts", [])]:
            if ean_mains(t) & mains:
                return True
    return False


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
            if (r.text not in accepted and fam in expected_families and r.text not in wrong
                    and not same_item_other_addon(frame, r.text)):
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
