"""Read a picture once: header facts, EXIF, and one reduced, upright decode.

``read_picture`` opens the file a single time.  From the header it takes the
pixel size and EXIF (date taken, camera, GPS, orientation, JPEG tables); it
refuses to decode decompression bombs (more pixels than Pillow's
``Image.MAX_IMAGE_PIXELS``, read at call time); otherwise it decodes at a
reduced size (``draft`` for JPEG) and turns the pixels upright with
``ImageOps.exif_transpose``.  HEIC/HEIF goes through pillow-heif, which
returns pixels already upright.  Bad files give a Chinese reason, never an
exception (except ``OSError`` for a file that vanished).
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps

from .dates import parse_exif_datetime

_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_MAKE, _TAG_MODEL = 0x010F, 0x0110
_TAG_DESCRIPTION, _TAG_SOFTWARE, _TAG_ARTIST = 0x010E, 0x0131, 0x013B
_IFD_EXIF, _IFD_GPS = 0x8769, 0x8825
_TAG_ORIGINAL, _TAG_DIGITIZED = 0x9003, 0x9004

_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP", "tiff": "TIFF",
               "webp": "WEBP", "heic": "HEIF", "avif": "AVIF"}
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_OK_AFTER_SCAN = frozenset(
    {0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE} | set(range(0xE0, 0xF0)) | set(range(0xC0, 0xD0)))

BAD_IMAGE = "图片文件已损坏或不完整：{}"


@dataclass(frozen=True)
class PictureInfo:
    """What the header and EXIF say; sizes are as displayed (upright)."""

    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    taken_at: datetime | None = None
    camera: str | None = None
    gps: tuple[float, float] | None = None
    jpeg_tables: dict | None = None
    bomb: bool = False
    error: str | None = None
    extra: dict = field(default_factory=dict)


_heif_registered = False


def register_heif() -> bool:
    """Register pillow-heif's opener once; False when it is not installed."""
    global _heif_registered
    if not _heif_registered:
        try:
            import pillow_heif
        except ImportError:
            return False
        pillow_heif.register_heif_opener()
        _heif_registered = True
    return True


def read_picture(path: Path, kind: str, decode_side: int | None = 512
                 ) -> tuple[PictureInfo, Image.Image | None]:
    """Header facts plus, when ``decode_side`` is set, an upright decode whose
    sides are at least ``decode_side`` (or the full image when smaller)."""
    if kind in ("heic", "avif"):
        register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError:
        return _bomb_info(path, kind), None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        if not path.exists():
            raise
        return PictureInfo(error=BAD_IMAGE.format(_describe(exc))), None
    with im:
        return _read_open(path, kind, im, decode_side)


def _read_open(path: Path, kind: str, im: Image.Image, decode_side: int | None
               ) -> tuple[PictureInfo, Image.Image | None]:
    facts = _header_facts(im, kind)
    limit = Image.MAX_IMAGE_PIXELS
    if limit and im.width * im.height > limit:
        return PictureInfo(**facts, bomb=True, error=_bomb_reason(im.width, im.height)), None
    if decode_side is None:
        return PictureInfo(**facts), None
    damage = jpeg_damage(path) if kind == "jpeg" else None
    try:
        if kind == "jpeg":
            im.draft("RGB", (decode_side, decode_side))
        im.load()
        upright = ImageOps.exif_transpose(im)
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        return PictureInfo(**facts, error=BAD_IMAGE.format(_describe(exc))), None
    error = BAD_IMAGE.format(damage) if damage else None
    return PictureInfo(**facts, error=error), upright


def _header_facts(im: Image.Image, kind: str) -> dict:
    """Size, orientation, EXIF date/camera/GPS and JPEG tables from the header."""
    try:
        exif = im.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF must not hide the picture
        exif = Image.Exif()
    orientation = _int_or_none(exif.get(_TAG_ORIENTATION))
    if orientation is None and kind in ("heic", "avif"):
        orientation = _int_or_none(im.info.get("original_orientation"))
    width, height = im.size
    if kind not in ("heic", "avif") and orientation in (5, 6, 7, 8):
        width, height = height, width
    sub = _safe_ifd(exif, _IFD_EXIF)
    taken = (parse_exif_datetime(sub.get(_TAG_ORIGINAL)) or parse_exif_datetime(sub.get(_TAG_DIGITIZED))
             or parse_exif_datetime(exif.get(_TAG_DATETIME)))
    extra: dict = {"format": im.format or "", "mode": im.mode}
    for key, tag in (("description", _TAG_DESCRIPTION), ("software", _TAG_SOFTWARE), ("artist", _TAG_ARTIST)):
        text = _clean(exif.get(tag))
        if text:
            extra[key] = text[:500]
    frames = getattr(im, "n_frames", 1)
    if isinstance(frames, int) and frames > 1:
        extra["frames"] = frames
    return {
        "width": width, "height": height, "orientation": orientation, "taken_at": taken,
        "camera": _camera(exif.get(_TAG_MAKE), exif.get(_TAG_MODEL)),
        "gps": _gps(_safe_ifd(exif, _IFD_GPS)),
        "jpeg_tables": getattr(im, "quantization", None) if kind == "jpeg" else None,
        "extra": extra,
    }


def _safe_ifd(exif: Image.Exif, tag: int) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # noqa: BLE001 - malformed sub-IFD
        return {}


def _int_or_none(value: object) -> int | None:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 8 else None


def _clean(value: object) -> str | None:
    """EXIF text without NULs and padding."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


def _camera(make: object, model: object) -> str | None:
    """``Canon`` + ``Canon EOS 40D`` → ``Canon EOS 40D``."""
    make_s, model_s = _clean(make), _clean(model)
    if not model_s:
        return make_s
    if not make_s or model_s.lower().startswith(make_s.split()[0].lower()):
        return model_s
    return f"{make_s} {model_s}"


def _gps(gps: dict) -> tuple[float, float] | None:
    """(latitude, longitude) in decimal degrees, south/west negative."""
    try:
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 6), round(lon, 6)


def _degrees(value: object) -> float:
    parts = [float(x) for x in value]  # type: ignore[union-attr]
    d, m, s = (parts + [0.0, 0.0])[:3]
    if any(x != x for x in (d, m, s)):  # NaN from a zero denominator
        raise ValueError("bad rational")
    return d + m / 60 + s / 3600


def _bomb_reason(width: int | None, height: int | None) -> str:
    size = f"{width}×{height} 像素" if width and height else "像素数过多"
    return f"图片尺寸过大（{size}），疑似“解压炸弹”，未解码"


def _bomb_info(path: Path, kind: str) -> PictureInfo:
    """Pillow refused to open: read the size from the header without the check."""
    width = height = None
    try:
        Image.init()
        factory = Image.OPEN[_PIL_FORMAT[kind]][0]
        with open(path, "rb") as fh:
            header = factory(fh, str(path))  # type: ignore[arg-type]
            width, height = header.size
    except Exception:  # noqa: BLE001 - the size is a courtesy
        pass
    return PictureInfo(width=width, height=height, bomb=True, error=_bomb_reason(width, height))


def _describe(exc: BaseException) -> str:
    """A short Chinese description of a Pillow decode error."""
    text = str(exc)
    if "truncated" in text:
        return "文件被截断"
    if "cannot identify" in text:
        return "无法识别图片格式"
    return f"无法解码（{type(exc).__name__}: {text[:80]}）"


def jpeg_damage(path: Path) -> str | None:
    """Look for broken structure in a JPEG that decoders silently paper over
    (a wiped block inside the scan data, missing end marker)."""
    data = path.read_bytes()
    pos = 2
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:
            return "文件结构错误"
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            return None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        pos += 2 + length
        if marker == 0xDA:
            found = _JPEG_MARKER.search(data, pos)
            if not found:
                return "文件被截断（缺少结束标记）"
            pos = found.start()
            fill = pos
            while fill < len(data) and data[fill] == 0xFF:
                fill += 1
            if fill >= len(data):
                return "文件被截断（缺少结束标记）"
            if fill - pos > 32 or data[fill] not in _JPEG_OK_AFTER_SCAN | {0xD9}:
                return "图像数据中有损坏的区块"
            pos = fill - 1
    return "文件被截断（缺少结束标记）"
