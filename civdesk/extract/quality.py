"""Image quality measures computed once at import, used later by the checks.

- ``blur_score``: variance of the Laplacian of a grey copy scaled to about
  512 px on the long side.  Low values mean a blurry photo (模糊); the
  threshold is a setting of the checks, not decided here.
- ``dhash``: 64-bit difference hash as 16 hex digits, for near-duplicate
  photos (compare with ``hamming``).
- ``jpeg_quality``: the libjpeg quality (1..100) that would produce the
  file's luminance quantisation table; low values mean over-compression.
"""
from __future__ import annotations

from PIL import Image, ImageFilter, ImageStat

ANALYSIS_SIDE = 512

# The standard JPEG luminance table (ITU T.81 Annex K); sums are order-free.
_STD_LUMA_SUM = sum((
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
))
_LAPLACIAN = ImageFilter.Kernel((3, 3), (0, 1, 0, 1, -4, 1, 0, 1, 0), scale=1, offset=128)


def analysis_copy(im: Image.Image, side: int = ANALYSIS_SIDE) -> Image.Image:
    """A grey copy whose long side is at most ``side`` pixels."""
    grey = im.convert("L") if im.mode != "L" else im.copy()
    if max(grey.size) > side:
        grey.thumbnail((side, side), Image.Resampling.BILINEAR)
    return grey


def blur_score(grey: Image.Image) -> float:
    """Variance of the Laplacian (higher = sharper) of an ``analysis_copy``."""
    if grey.width < 3 or grey.height < 3:
        return 0.0
    lap = grey.filter(_LAPLACIAN).crop((1, 1, grey.width - 1, grey.height - 1))
    return round(float(ImageStat.Stat(lap).var[0]), 2)


def dhash(grey: Image.Image) -> str:
    """64-bit difference hash (rows of 9×8 grey pixels) as 16 hex digits."""
    small = grey.resize((9, 8), Image.Resampling.BOX)
    px = list(small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return f"{bits:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def jpeg_quality(quantization: dict[int, list[int]] | None) -> int | None:
    """Estimated libjpeg quality from a JPEG's quantisation tables (Pillow's
    ``im.quantization``), or None when there are none."""
    if not quantization:
        return None
    table = quantization.get(0) or next(iter(quantization.values()))
    if len(table) != 64:
        return None
    scale = sum(table) * 100.0 / _STD_LUMA_SUM
    if scale <= 0:
        return None
    quality = (200.0 - scale) / 2.0 if scale <= 100.0 else 5000.0 / scale
    return max(1, min(100, round(quality)))
