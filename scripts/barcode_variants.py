#!/usr/bin/env python3
"""Writes degraded copies of the real label images, each set with its manifest, so that the
scanner can be judged on images it was not tuned on (companion bench scan OUT/SET).

    target/zxing-venv/bin/python scripts/barcode_variants.py OUT   # needs Pillow and numpy

Sets: scale (0.7x, bicubic), blurnoise (Gaussian blur 0.8 px + noise sigma 6, seed 7),
rot6 (turned 6 degrees, white fill), rot180, jpeg (quality 35). The few images in
fixtures/barcode-variants come from these sets.
"""
import io
import json
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

SRC = os.path.join(os.path.dirname(__file__), "..", "fixtures", "barcode-real")


def main(out):
    manifest = json.load(open(os.path.join(SRC, "manifest.json")))
    rng = np.random.default_rng(7)

    def blurnoise(im):
        a = np.asarray(im.filter(ImageFilter.GaussianBlur(0.8))).astype(np.float32)
        a += rng.normal(0, 6, a.shape)
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))

    def jpeg(im):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=35)
        buf.seek(0)
        return Image.open(buf).convert("L")

    sets = {
        "scale": lambda im: im.resize(
            (max(1, int(im.size[0] * 0.7)), max(1, int(im.size[1] * 0.7))), Image.BICUBIC
        ),
        "blurnoise": blurnoise,
        "rot6": lambda im: im.rotate(6, resample=Image.BILINEAR, expand=True, fillcolor=255),
        "rot180": lambda im: im.rotate(180),
        "jpeg": jpeg,
    }
    for name, transform in sets.items():
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        frames = []
        for frame in manifest["frames"]:
            image = transform(Image.open(os.path.join(SRC, frame["file"])).convert("L"))
            image.save(os.path.join(folder, frame["file"]))
            frames.append(dict(frame, width=image.size[0], height=image.size[1]))
        variant = dict(manifest, set=f"{manifest['set']}-{name}", frames=frames)
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(variant, f, indent=1)
        print(folder)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
