"""Photos the platform cannot take as they are: HEIC/TIFF → JPEG, oversize → smaller.

The vault original is only read.  EXIF goes along (orientation reset to 1
when the pixels were turned upright, as pillow-heif does); a downscaled
photo keeps at least the platform's minimum resolution, then the
JPEG quality is lowered step by step if it is still too big.  Pillow's
encoder is deterministic, so the same original gives the same bytes.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from civdesk.checks import PlatformLimits
from civdesk.extract.images import register_heif

_TAG_ORIENTATION = 0x0112
QUALITY_FLOOR = 70


class ConvertError(ValueError):
    """The picture could not be converted; the message is for the clerk."""


@dataclass(frozen=True)
class Converted:
    data: bytes
    width: int
    height: int
    scaled: bool
    fits: bool  # False when even the smallest allowed version is over the limit


def to_jpeg(path: Path, kind: str, limits: PlatformLimits, quality: int) -> Converted:
    """The picture at ``path`` as a JPEG within ``limits.max_bytes`` where possible.

    ``quality`` is the JPEG quality tried first.
    """
    if kind in ("heic", "avif"):
        register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                exif = _exif_bytes(im, kind)
                icc = im.info.get("icc_profile")
                rgb = _rgb(im)
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise ConvertError(f"无法转换图片：{exc}") from None
    return _fit(rgb, exif, icc, limits, quality)


def _exif_bytes(im: Image.Image, kind: str) -> bytes:
    try:
        exif = im.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF: convert without it
        return b""
    if kind in ("heic", "avif") and exif.get(_TAG_ORIENTATION, 1) != 1:
        exif[_TAG_ORIENTATION] = 1  # pillow-heif returns the pixels upright
    try:
        return exif.tobytes() if len(exif) else b""
    except Exception:  # noqa: BLE001
        return b""


def _rgb(im: Image.Image) -> Image.Image:
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        back = Image.new("RGB", im.size, (255, 255, 255))
        back.paste(im, mask=im.getchannel("A"))
        return back
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        im = ImageOps.autocontrast(im.convert("I").point(lambda v: v / 256).convert("L"))
    return im.convert("RGB") if im.mode != "RGB" else im.copy()


def _encode(im: Image.Image, exif: bytes, icc: bytes | None, quality: int) -> bytes:
    out = io.BytesIO()
    kwargs: dict = {"quality": quality, "optimize": True}
    if exif:
        kwargs["exif"] = exif
    if icc:
        kwargs["icc_profile"] = icc
    im.save(out, "JPEG", **kwargs)
    return out.getvalue()


def _fit(im: Image.Image, exif: bytes, icc: bytes | None, limits: PlatformLimits,
         quality: int) -> Converted:
    data = _encode(im, exif, icc, quality)
    if len(data) <= limits.max_bytes:
        return Converted(data, im.width, im.height, False, True)
    long_side = max(im.size)
    # The smallest long side that keeps both sides at or above the minimum resolution.
    need_long = max(limits.min_width, limits.min_height)
    need_short = min(limits.min_width, limits.min_height)
    floor = min(long_side, max(need_long, -(-need_short * long_side // max(1, min(im.size)))))
    # Pixel count scales the size roughly linearly: aim straight at the limit.
    ratio = (limits.max_bytes / len(data)) ** 0.5 * 0.95
    side = max(floor, int(long_side * ratio))
    current = im
    while True:
        if side < long_side:
            scale = side / long_side
            current = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))),
                                Image.Resampling.LANCZOS)
        data = _encode(current, exif, icc, quality)
        if len(data) <= limits.max_bytes:
            return Converted(data, current.width, current.height, side < long_side, True)
        if side > floor:
            side = max(floor, int(side * 0.85))
        elif quality > QUALITY_FLOOR:
            quality -= 5
        else:
            return Converted(data, current.width, current.height, side < long_side, False)
