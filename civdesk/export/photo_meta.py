"""Photos ready for the web: upright pixels and the caption inside the file.

An upload page shows a JPEG as its pixels lie, ignoring the EXIF
orientation tag, so a photo the camera tagged "rotate 90°" appears sideways.
:func:`web_jpeg` turns such a photo upright (the only case that re-encodes,
at quality 92) and sets the tag to 1; every other photo keeps its
compressed image data byte for byte.  The rest of EXIF is kept.

The caption goes where Windows Explorer's details pane and photo tools look:
XMP ``dc:description`` (UTF-8), EXIF ``ImageDescription`` (UTF-8 bytes) and
``XPComment`` (UTF-16LE, Windows' own tag).  The metadata segments are
spliced into the JPEG's header without decoding the image, which is fast
and lossless.  The result depends only on the input bytes and the caption.
"""
from __future__ import annotations

import io
import struct
import warnings

from PIL import Image, ImageOps

from civdesk.safetext import xml_text

TAG_ORIENTATION = 0x0112
TAG_DESCRIPTION = 0x010E
TAG_XP_COMMENT = 0x9C9C
TAG_MAKER_NOTE = 0x927C
EXIF_HEAD = b"Exif\x00\x00"
XMP_HEAD = b"http://ns.adobe.com/xap/1.0/\x00"
SEGMENT_MAX = 65533  # payload bytes of one JPEG marker segment
UPRIGHT_QUALITY = 92


class NotJpeg(ValueError):
    """The bytes are not a JPEG this module can rewrite."""


def web_jpeg(data: bytes, caption: str) -> tuple[bytes, bool]:
    """``data`` upright with ``caption`` in its metadata; and whether the pixels were turned."""
    segments, rest = split_segments(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as im:
            try:
                exif = im.getexif()
            except Exception:  # noqa: BLE001 - broken EXIF: write a fresh one
                exif = Image.Exif()
            orientation = exif.get(TAG_ORIENTATION, 1)
            turned = orientation in (2, 3, 4, 5, 6, 7, 8)
            if turned:
                upright = ImageOps.exif_transpose(im)
                icc = im.info.get("icc_profile")
                out = io.BytesIO()
                upright.convert("RGB" if upright.mode not in ("RGB", "L") else upright.mode).save(
                    out, "JPEG", quality=UPRIGHT_QUALITY, **({"icc_profile": icc} if icc else {}))
                segments, rest = split_segments(out.getvalue())
    if turned or TAG_ORIENTATION in exif:
        exif[TAG_ORIENTATION] = 1
    if caption:
        exif[TAG_DESCRIPTION] = caption.encode("utf-8")
        exif[TAG_XP_COMMENT] = caption.encode("utf-16-le") + b"\x00\x00"
    new = [_segment(0xE1, body) for body in (_exif_payload(exif), xmp_packet(caption) if caption else b"")
           if body]
    kept = [s for s in segments if not _is_exif(s) and not _is_xmp(s)]
    head = [s for s in kept if s[1] == 0xE0][:1]  # JFIF APP0 stays first
    tail = [s for s in kept if s not in head]
    return b"\xff\xd8" + b"".join(head + new + tail) + rest, turned


def split_segments(data: bytes) -> tuple[list[bytes], bytes]:
    """The marker segments before the image data, and everything from the first SOS on."""
    if data[:2] != b"\xff\xd8":
        raise NotJpeg("不是 JPEG 文件")
    pos, out = 2, []
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise NotJpeg("JPEG 文件头损坏")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:
            return out, data[pos:]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(data[pos:pos + 2])
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if length < 2 or pos + 2 + length > len(data):
            raise NotJpeg("JPEG 文件头损坏")
        out.append(data[pos:pos + 2 + length])
        pos += 2 + length
    raise NotJpeg("JPEG 文件没有图像数据")


def _is_exif(segment: bytes) -> bool:
    return segment[1] == 0xE1 and segment[4:10] == EXIF_HEAD


def _is_xmp(segment: bytes) -> bool:
    return segment[1] == 0xE1 and segment[4:4 + len(XMP_HEAD)] == XMP_HEAD


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _exif_payload(exif: Image.Exif) -> bytes:
    """``Exif\\0\\0`` + TIFF; without the maker note, then empty, when it does not fit one segment."""
    if not len(exif):
        return b""
    for drop in ((), (TAG_MAKER_NOTE,)):
        for tag in drop:
            ifd = exif.get_ifd(0x8769)
            ifd.pop(tag, None)
        try:
            body = exif.tobytes()
        except Exception:  # noqa: BLE001 - a tag Pillow cannot write back: keep what it can
            return b""
        if len(body) <= SEGMENT_MAX:
            return body
    return b""


def xmp_packet(caption: str) -> bytes:
    """An XMP packet with ``caption`` as ``dc:description`` (x-default), UTF-8."""
    text = (xml_text(caption).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    body = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text}</rdf:li></rdf:Alt></dc:description>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>')
    payload = XMP_HEAD + body.encode("utf-8")
    return payload if len(payload) <= SEGMENT_MAX else b""


def read_caption(data: bytes) -> dict[str, str]:
    """The caption as stored by :func:`web_jpeg`: ``xmp``, ``description``, ``xp_comment``."""
    import re

    segments, _ = split_segments(data)
    out: dict[str, str] = {}
    for s in segments:
        if _is_xmp(s):
            m = re.search(r'<dc:description>.*?<rdf:li[^>]*>(.*?)</rdf:li>',
                          s[4 + len(XMP_HEAD):].decode("utf-8"), re.S)
            if m:
                out["xmp"] = (m.group(1).replace("&lt;", "<").replace("&gt;", ">")
                              .replace("&amp;", "&"))
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
    if TAG_DESCRIPTION in exif:
        value = exif[TAG_DESCRIPTION]
        out["description"] = (value if isinstance(value, bytes) else value.encode("latin-1")) \
            .rstrip(b"\x00").decode("utf-8")
    if TAG_XP_COMMENT in exif:
        value = exif[TAG_XP_COMMENT]
        raw = value if isinstance(value, bytes) else bytes(value)
        out["xp_comment"] = raw.decode("utf-16-le").rstrip("\x00")
    return out
