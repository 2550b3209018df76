"""Test images of every mode the loader must handle, written to a folder."""

import numpy as np
from PIL import Image


def write_mode_images(folder):
    """{name: (path, (height, width) after EXIF rotation)} for L, LA, P, RGB, RGBA, CMYK, I;16, EXIF."""
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (23, 31, 3), dtype=np.uint8))
    images = {
        "L": rgb.convert("L"), "LA": rgb.convert("LA"), "P": rgb.convert("P"), "RGB": rgb,
        "RGBA": rgb.convert("RGBA"), "CMYK": rgb.convert("CMYK"),
        "I16": Image.fromarray((rng.integers(0, 65535, (23, 31))).astype(np.uint16)),
    }
    out = {}
    for name, img in images.items():
        path = folder / (f"{name}.jpg" if name == "CMYK" else f"{name}.png")
        img.save(path)
        out[name] = (path, (23, 31))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    path = folder / "EXIF.jpg"
    rgb.save(path, exif=exif)
    out["EXIF"] = (path, (31, 23))
    return out
