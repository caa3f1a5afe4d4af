"""Deterministic generator of realistic CivDesk input for benchmarks and tests.

It writes a tree laid out the way departments (责任单位) send material to the
文明办: ``市民政局/Ⅲ-5 开展道德模范评选表彰/照片/IMG_20240315_093012.jpg``.
Kinds of file (``kind`` in the summary):

=======  ====================================================================
photo    phone/camera JPEGs, EXIF DateTimeOriginal 2023-01..2024-12, Make/
         Model, Orientation (all of 1..8 once there are 8+ EXIF photos), GPS
         on some; some blurred, watermarked, over-compressed, or stripped of
         EXIF by WeChat (``mmexport…``/``微信图片_…``)
pdf      digital PDFs (text layer, embedded subset CJK font, red-head docs)
scan     image-only PDFs (scanned pages, no text layer)
docx     Word reports (说明报告, 工作总结 …), some with photos and tables
xlsx     Excel tables (活动统计表, 台账)
zip      archives of an item folder; most with GBK (CP936) entry names and no
         UTF-8 flag, as Windows Explorer writes them, a few UTF-8 flagged
bad      zero-byte, truncated JPEG/PDF/DOCX, a JPEG named .pdf, a PNG named
         .jpg, a .doc named .docx, Office lock files, Thumbs.db
dup      byte-identical copies of earlier files filed under another item
=======  ====================================================================

``files`` is the number of files written to disk (a zip counts as one file;
its entries are extra).  Everything comes from ``random.Random``: the plan
from ``Random(seed)``, each file's content from its own ``Random`` keyed by
seed and index, so ``--jobs`` does not change the output.  Zip timestamps,
Office core properties and PDF dates are fixed from the material's date, and
file modification times are set from it too.  Text comes from
``tests/fixtures/seeds``; text in PDFs and pictures uses the Droid Sans Fallback
font bundled in PyMuPDF, so the same library versions give the same bytes on
any machine (the Noto CJK ``.ttc`` fonts are CFF, which PyMuPDF cannot subset:
embedding one costs 13 MB per PDF).

Usage::

    python bench/make_corpus.py --files 200
    python bench/make_corpus.py --kind photo --files 500 --fixed-size
    python bench/make_corpus.py --kind pdf --files 200 --pages 10
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import random
import re
import shutil
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import docx
import openpyxl
import pymupdf
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.styles import Font as XlFont
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont
from PIL.TiffImagePlugin import IFDRational

KINDS = ("photo", "pdf", "scan", "docx", "xlsx", "zip", "bad", "dup")
DEFAULT_MIX: dict[str, float] = {
    "photo": 0.60, "pdf": 0.12, "scan": 0.07, "docx": 0.09,
    "xlsx": 0.05, "zip": 0.02, "bad": 0.03, "dup": 0.02,
}
KIND_ALIASES = {"photos": "photo", "pdfs": "pdf", "scans": "scan", "zips": "zip",
                "dups": "dup", "word": "docx", "excel": "xlsx"}
DATE_START = dt.date(2023, 1, 1)
DATE_END = dt.date(2024, 12, 31)
TZ = dt.timezone(dt.timedelta(hours=8))
CITY = "安宁市"
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "corpus"
DEFAULT_SEEDS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "seeds"
BAD_DEFECTS = ("zero_byte_jpg", "truncated_jpeg", "truncated_pdf", "jpeg_named_pdf",
               "zero_byte_pdf", "png_named_jpg", "doc_named_docx", "truncated_docx",
               "office_lock_file", "thumbs_db")


@dataclass(frozen=True)
class Item:
    """One 测评内容 of the sample checklist (codes match tests/fixtures/checklists)."""

    number: int
    name: str
    topic: str
    units: tuple[str, ...]

    @property
    def code(self) -> str:
        return f"Ⅲ-{self.number}"


ITEMS = (
    Item(1, "健全理论学习制度", "理论学习", ("市委宣传部", "市委组织部")),
    Item(2, "面向基层开展理论宣讲", "理论宣讲", ("市委宣传部", "市社科联", "市教育局")),
    Item(3, "核心价值观融入法治建设和社会治理", "核心价值观融入社会治理",
         ("市司法局", "市民政局", "市农业农村局")),
    Item(4, "公益广告宣传", "公益广告宣传", ("市城管局", "市融媒体中心")),
    Item(5, "开展道德模范评选表彰", "道德模范评选表彰", ("市文明办", "市民政局")),
    Item(6, "推荐宣传身边好人", "身边好人推荐评议", ("市文明办",)),
    Item(7, "志愿服务组织体系", "志愿服务", ("团市委", "市民政局")),
    Item(8, "学雷锋志愿服务站建设", "学雷锋志愿服务站建设", ("团市委", "市文旅局")),
    Item(9, "文明实践阵地建设", "新时代文明实践", ("市文明办",)),
    Item(10, "农贸市场规范管理", "农贸市场规范管理", ("市市场监管局", "市商务局")),
    Item(11, "公共厕所建设管理", "公共厕所建设管理", ("市城管局",)),
    Item(12, "文明交通", "文明交通宣传教育", ("市公安局交警支队", "市交通运输局")),
    Item(13, "督查整改", "督查整改", ("市文明办",)),
)
FOLDER_STYLES: tuple[Callable[[Item], str], ...] = (
    lambda it: f"{it.code} {it.name}",
    lambda it: f"{it.code}{it.topic}",
    lambda it: f"3-{it.number} {it.name}",
    lambda it: f"（{it.code}）{it.name}",
    lambda it: f"三-{it.number}、{it.topic}",
)
# (make, model, file-name pattern, weight); {d} is the datetime, {seq} a counter.
CAMERAS = (
    ("HUAWEI", "ANA-AN00", "IMG_{d:%Y%m%d_%H%M%S}.jpg", 5),
    ("HONOR", "ANY-AN00", "IMG_{d:%Y%m%d_%H%M%S}.jpg", 2),
    ("Xiaomi", "M2102K1C", "IMG_{d:%Y%m%d_%H%M%S}.jpg", 3),
    ("OPPO", "PDEM10", "IMG{d:%Y%m%d%H%M%S}.jpg", 2),
    ("vivo", "V2049A", "IMG_{d:%Y%m%d_%H%M%S}.jpg", 2),
    ("Apple", "iPhone 13", "IMG_{seq:04d}.JPG", 2),
    ("Canon", "Canon EOS 80D", "IMG_{seq:04d}.JPG", 1),
    ("NIKON CORPORATION", "NIKON D7500", "DSC_{seq:04d}.JPG", 1),
)
ORIENTATION_WEIGHTS = {6: 5.0, 8: 3.0, 3: 2.0, 2: 0.25, 4: 0.25, 5: 0.25, 7: 0.25}
STORE_TRANSPOSE = {  # upright scene -> stored pixels, inverse of ImageOps.exif_transpose
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
PLACES = ("连然街道", "金方街道", "太平新城街道", "八街街道", "县街街道", "温泉街道",
          "草铺街道", "青龙街道", "禄脿街道")
COMMUNITIES = ("大屯社区", "玉泉社区", "宁湖社区", "金色社区", "龙山社区", "螳螂川社区")
SLOGANS = ("创建全国文明城市 建设美好幸福家园", "讲文明 树新风", "文明安宁 你我共建",
           "弘扬雷锋精神 争做时代先锋", "社会主义核心价值观", "文明交通 从我做起")
PEOPLE = ("李文宏", "张丽", "王建国", "赵敏", "杨帆", "陈志刚", "刘洋", "周晓梅",
          "Administrator", "lenovo", "user")
FALLBACK_TEXT = (
    "为深入推进全国文明城市创建工作，进一步提升市民文明素质和城市文明程度，"
    "结合我市实际，现将有关工作情况报告如下。",
    "一是加强组织领导，成立工作专班，明确责任分工，定期召开推进会。",
    "二是强化宣传引导，利用报纸、电视、网站和新媒体广泛开展宣传。",
    "三是狠抓问题整改，建立问题清单，实行对账销号，确保整改到位。",
)


class Reporter(Protocol):
    """What ``make_corpus`` needs of a progress object (civdesk.progress fits)."""

    def update(self, done: int, total: int, message: str = "") -> None: ...


@dataclass(frozen=True)
class CorpusEntry:
    """One file on disk.  ``facts`` keys by kind:

    photo: size (w, h stored), orientation, exif, gps, blurred, watermark,
    low_quality, make, model; pdf/scan: pages, text_layer; docx: pictures,
    table; xlsx: rows; zip: encoding ("cp936"/"utf-8"), names (entry names);
    bad: defect; dup: dup_of (relative path of the original).
    """

    path: Path
    kind: str
    unit: str
    item_code: str
    date: dt.datetime
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class CorpusSummary:
    """What was generated: entries in plan order, with counts per kind."""

    out: Path
    seed: int
    entries: list[CorpusEntry]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(e.kind for e in self.entries)
        return {k: found[k] for k in KINDS if found[k]}

    @property
    def paths(self) -> list[Path]:
        return [e.path for e in self.entries]

    @property
    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths)

    def of_kind(self, kind: str) -> list[CorpusEntry]:
        return [e for e in self.entries if e.kind == kind]

    def to_json(self) -> str:
        def row(e: CorpusEntry) -> dict[str, Any]:
            d = asdict(e)
            d["path"] = e.path.relative_to(self.out).as_posix()
            d["date"] = e.date.isoformat()
            return d
        return json.dumps({"seed": self.seed, "counts": self.counts,
                           "entries": [row(e) for e in self.entries]},
                          ensure_ascii=False, indent=1, default=list)


@dataclass(frozen=True)
class Job:
    """The plan for one file; content is made from ``Random(f"{seed}:{index}")``."""

    index: int
    kind: str
    relpath: str
    unit: str
    item: int
    when: dt.datetime
    params: Mapping[str, Any]


# ---------------------------------------------------------------- text & fonts

@lru_cache(maxsize=4)
def _paragraphs(seeds_dir: str) -> tuple[str, ...]:
    """Seed texts as clean paragraphs (markdown markers removed)."""
    paras: list[str] = []
    for path in sorted(Path(seeds_dir).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^[#>\-\s]+|\*\*|`", "", line).strip()
            if len(line) >= 4:
                paras.append(line)
    return tuple(paras) or FALLBACK_TEXT


def take_text(rng: random.Random, seeds_dir: str, chars: int) -> list[str]:
    """Consecutive seed paragraphs from a random start, at least ``chars`` long."""
    paras = _paragraphs(seeds_dir)
    i, out, n = rng.randrange(len(paras)), [], 0
    while n < chars:
        out.append(paras[i % len(paras)])
        n += len(out[-1])
        i += 1
    return out


@lru_cache(maxsize=1)
def _cjk_font_bytes() -> bytes:
    return bytes(pymupdf.Font("cjk").buffer)


@lru_cache(maxsize=64)
def pil_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_cjk_font_bytes()), max(6, size))


@lru_cache(maxsize=1)
def pdf_font() -> pymupdf.Font:
    return pymupdf.Font("cjk")


def wrap(text: str, width: int) -> list[str]:
    """Break text into lines of ``width`` full-width cells (ASCII is half a cell)."""
    lines, cur, used = [], "", 0.0
    for ch in text:
        w = 0.5 if ord(ch) < 0x2E80 else 1.0
        if used + w > width and cur:
            lines.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += w
    return lines + [cur] if cur else lines


def full_unit(unit: str) -> str:
    """Full name of a unit as printed on its documents: 市民政局 -> 安宁市民政局."""
    if unit == "团市委":
        return f"共青团{CITY}委员会"
    return CITY + unit[1:] if unit.startswith("市") else unit


def red_head(unit: str) -> str:
    """The red banner line of an official document (红头)."""
    return f"中共{CITY}委文明办文件" if unit == "市文明办" else f"{full_unit(unit)}文件"


def days_before(rng: random.Random, when: dt.datetime, most: int) -> dt.datetime:
    """A time up to ``most`` days before ``when``, never before DATE_START."""
    room = (when.date() - DATE_START).days
    return when - dt.timedelta(days=rng.randint(0, max(0, min(most, room))))


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---------------------------------------------------------------- photos

def _gradient(d: ImageDraw.ImageDraw, box: tuple[int, int, int, int],
              top: tuple[int, ...], bottom: tuple[int, ...]) -> None:
    x0, y0, x1, y1 = box
    span = max(1, y1 - y0)
    for y in range(y0, y1):
        t = (y - y0) / span
        d.line([(x0, y), (x1, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))


def _background(rng: random.Random, w: int, h: int, horizon: float) -> Image.Image:
    """Soft sky, clouds, trees and ground, drawn small and upscaled (cheap)."""
    sw, sh = max(48, w // 16), max(36, h // 16)
    small = Image.new("RGB", (sw, sh))
    d = ImageDraw.Draw(small)
    hz = int(sh * horizon)
    sky = (rng.randint(120, 190), rng.randint(160, 210), rng.randint(215, 255))
    _gradient(d, (0, 0, sw, hz), sky, (235, 238, 242))
    ground = (rng.randint(80, 140), rng.randint(90, 140), rng.randint(70, 120))
    _gradient(d, (0, hz, sw, sh), tuple(int(c * 1.2) for c in ground), ground)
    for _ in range(rng.randint(2, 6)):
        x, y, r = rng.randrange(sw), rng.randrange(max(1, hz // 2)), rng.randint(2, max(3, sw // 8))
        d.ellipse([x - r * 2, y - r, x + r * 2, y + r], fill=(248, 248, 250))
    for _ in range(rng.randint(4, 12)):
        x, r = rng.randrange(sw), rng.randint(2, max(3, min(sw // 12, hz // 3)))
        g = (rng.randint(30, 80), rng.randint(90, 150), rng.randint(30, 80))
        d.ellipse([x - r, hz - 2 * r, x + r, hz + r // 2], fill=g)
    small = small.filter(ImageFilter.GaussianBlur(1))
    return small.resize((w, h), Image.Resampling.BILINEAR)


def _buildings(rng: random.Random, d: ImageDraw.ImageDraw, w: int, h: int, base: int) -> None:
    for _ in range(rng.randint(2, 6)):
        bw, bh = rng.randint(w // 12, w // 4), rng.randint(h // 8, int(base - 0.15 * h))
        x = rng.randrange(-bw // 2, w)
        col = tuple(rng.randint(120, 225) for _ in range(3))
        d.rectangle([x, base - bh, x + bw, base], fill=col)
        win = tuple(max(0, c - rng.randint(50, 90)) for c in col)
        step_x, step_y = max(6, bw // 7), max(6, bh // 10)
        for wy in range(base - bh + step_y // 2, base - step_y, step_y):
            for wx in range(x + step_x // 3, x + bw - step_x // 2, step_x):
                d.rectangle([wx, wy, wx + step_x // 2, wy + step_y // 2], fill=win)


def _people(rng: random.Random, d: ImageDraw.ImageDraw, w: int, h: int, base: int,
            volunteers: bool) -> None:
    palette = ((40, 60, 120), (180, 40, 40), (225, 225, 225), (35, 35, 40),
               (200, 160, 60), (60, 110, 70), (120, 80, 150))
    for _ in range(rng.randint(8, 40)):
        s = rng.randint(h // 45, h // 14)
        x, y = rng.randrange(w), rng.randint(base, h + s)
        body = (200, 30, 30) if volunteers and rng.random() < 0.6 else rng.choice(palette)
        body = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in body)
        d.ellipse([x + s // 4, y - 3 * s, x + s - s // 4, y - 2 * s - s // 3], fill=(70, 50, 40))
        d.rounded_rectangle([x, y - 2 * s - s // 3, x + s, y], radius=max(1, s // 5), fill=body)


def _banner(rng: random.Random, d: ImageDraw.ImageDraw, w: int, h: int) -> None:
    size = max(8, h // rng.randint(16, 26))
    text = rng.choice(SLOGANS)
    x, y = rng.randint(0, w // 3), rng.randint(int(h * 0.16), int(h * 0.4))
    tw = int(d.textlength(text, font=pil_font(size)))
    d.rectangle([x, y, x + tw + size, y + size * 3 // 2], fill=(190, 20, 30))
    d.text((x + size // 2, y + size // 5), text, font=pil_font(size), fill=(255, 225, 90))


def _watermark(d: ImageDraw.ImageDraw, w: int, h: int, when: dt.datetime, place: str) -> None:
    """A '水印相机' stamp: big time, date and place in the lower left."""
    big, small = max(8, h // 14), max(6, h // 36)
    x, y = w // 30, h - h // 30 - big - 2 * small
    d.rectangle([x - small // 2, y - small // 2, x + 12 * small, y + big + 2 * small],
                fill=(40, 40, 40))
    d.text((x, y), when.strftime("%H:%M"), font=pil_font(big), fill=(255, 255, 255))
    d.text((x, y + big + small // 4), f"{when:%Y.%m.%d} {place}", font=pil_font(small),
           fill=(255, 200, 0))


def _add_noise(rng: random.Random, img: Image.Image, amount: int) -> Image.Image:
    """Add zero-mean grey noise from a tiled random tile (sensor grain)."""
    if amount <= 0:
        return img
    ts = min(256, img.width, img.height)
    lut = [v * 2 * amount // 255 for v in range(256)]
    tile = Image.frombytes("L", (ts, ts), rng.randbytes(ts * ts)).point(lut)
    noise = Image.new("L", img.size)
    for y in range(0, img.height, ts):
        for x in range(0, img.width, ts):
            noise.paste(tile, (x, y))
    if img.mode == "RGB":
        noise = Image.merge("RGB", (noise, noise, noise))
    return ImageChops.add(img, noise, 1.0, -amount)


def render_scene(rng: random.Random, w: int, h: int, *, blurred: bool, volunteers: bool,
                 stamp: tuple[dt.datetime, str] | None = None) -> Image.Image:
    """An upright outdoor event scene of ``w``×``h``: sharp edges unless blurred."""
    horizon = rng.uniform(0.45, 0.6)
    img = _background(rng, w, h, horizon)
    d = ImageDraw.Draw(img)
    base = int(h * horizon)
    _buildings(rng, d, w, h, base)
    if rng.random() < 0.7:
        _banner(rng, d, w, h)
    _people(rng, d, w, h, base, volunteers)
    if stamp:
        _watermark(d, w, h, *stamp)
    if blurred:
        f = rng.randint(20, 30)
        img = img.resize((max(4, w // f), max(3, h // f)), Image.Resampling.BOX)
        img = img.resize((w, h), Image.Resampling.BICUBIC)
    return _add_noise(rng, img, 2 if blurred else rng.randint(4, 6))


def _rational(value: float, den: int = 10000) -> IFDRational:
    return IFDRational(round(value * den), den)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    deg = int(value)
    minutes = int((value - deg) * 60)
    sec = (value - deg - minutes / 60) * 3600
    return IFDRational(deg, 1), IFDRational(minutes, 1), _rational(sec, 100)


def build_exif(rng: random.Random, p: Mapping[str, Any], when: dt.datetime) -> Image.Exif:
    """EXIF as a phone writes it: camera, dates, orientation, exposure, GPS."""
    exif = Image.Exif()
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F], exif[0x0110] = p["make"], p["model"]
    exif[0x0112] = p["orientation"]
    exif[0x0131] = f"{p['model']} 4.0.0.{rng.randint(100, 300)}"
    exif[0x0132] = stamp
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = ifd[0x9004] = stamp
    ifd[0x9011] = "+08:00"
    ifd[0x829A] = IFDRational(1, rng.choice((30, 60, 100, 125, 250, 500)))
    ifd[0x829D] = _rational(rng.choice((1.8, 2.2, 4.0, 5.6)), 10)
    ifd[0x8827] = rng.choice((50, 100, 200, 400))
    ifd[0x920A] = _rational(rng.choice((4.7, 5.6, 27.0, 35.0)), 10)
    ifd[0xA002], ifd[0xA003] = p["size"]
    if p["gps"]:
        lat, lon = 24.92 + rng.uniform(-0.08, 0.08), 102.48 + rng.uniform(-0.08, 0.08)
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x02\x00\x00"
        gps[0x0001], gps[0x0002] = "N", _dms(lat)
        gps[0x0003], gps[0x0004] = "E", _dms(lon)
        gps[0x0005], gps[0x0006] = b"\x00", _rational(rng.uniform(1780, 1900), 10)
        gps[0x001D] = when.strftime("%Y:%m:%d")
    return exif


def make_photo(rng: random.Random, p: Mapping[str, Any], when: dt.datetime) -> bytes:
    """A JPEG with stored size ``p['size']`` and the planned EXIF and defects."""
    w, h = p["size"]
    o = p["orientation"]
    uw, uh = (h, w) if o >= 5 else (w, h)
    stamp = (when, rng.choice(PLACES)) if p["watermark"] else None
    img = render_scene(rng, uw, uh, blurred=p["blurred"], volunteers=p["volunteers"],
                       stamp=stamp)
    if o in STORE_TRANSPOSE:
        img = img.transpose(STORE_TRANSPOSE[o])
    quality = rng.randint(25, 35) if p["low_quality"] else p["quality"]
    buf = io.BytesIO()
    if p["exif"]:
        img.save(buf, "JPEG", quality=quality, exif=build_exif(rng, p, when))
    else:
        img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


# ---------------------------------------------------------------- PDFs

def _pdf_metadata(title: str, when: dt.datetime, scanner: bool) -> dict[str, str]:
    stamp = when.strftime("D:%Y%m%d%H%M%S+08'00'")
    tool = "Canon iR-ADV C5535" if scanner else "WPS 文字"
    return {"title": "" if scanner else title, "author": "", "subject": "", "keywords": "",
            "creator": tool, "producer": tool, "creationDate": stamp, "modDate": stamp}


def _pdf_bytes(doc: pymupdf.Document) -> bytes:
    return doc.tobytes(garbage=3, deflate=True, no_new_id=True)


def _doc_lines(rng: random.Random, p: Mapping[str, Any], when: dt.datetime, width: int,
               per_page: int, seeds: str) -> list[tuple[str, str]]:
    """(style, text) lines for a whole document: title, salutation, body, closing."""
    lines: list[tuple[str, str]] = [("title", t) for t in wrap(p["title"], width - 4)]
    lines += [("blank", ""), ("body", "各县（市、区）文明办，市级各有关单位：")]
    need = per_page * p["pages"] - len(lines) - 4
    body: list[tuple[str, str]] = []
    for para in take_text(rng, seeds, max(200, need * width)):
        body += [("body", t) for t in wrap("　　" + para, width)]
        if len(body) >= need:
            break
    lines += body[:max(0, need)]
    return lines + [("blank", ""), ("right", p["unit"]), ("right", cn_date(when))]


def make_digital_pdf(rng: random.Random, p: Mapping[str, Any], when: dt.datetime,
                     seeds: str) -> bytes:
    """An A4 PDF with a text layer; red-head layout for official documents."""
    doc = pymupdf.open()
    font, size, left, top, lead = pdf_font(), 14.0, 72.0, 90.0, 22.0
    width = int((595 - 2 * left) // size)
    per_page = int((842 - top - 80) // lead)
    lines = _doc_lines(rng, p, when, width, per_page, seeds)
    for n in range(p["pages"]):
        page = doc.new_page(width=595, height=842)
        y = top
        if n == 0 and p["redhead"]:
            red = pymupdf.TextWriter(page.rect, color=(0.8, 0, 0))
            head = red_head(p["unit"])
            red.append((297 - len(head) * 14, 100), head, font=font, fontsize=28)
            red.write_text(page)
            tw = pymupdf.TextWriter(page.rect)
            tw.append((230, 140), p["docno"], font=font, fontsize=12)
            tw.write_text(page)
            page.draw_line((left, 152), (595 - left, 152), color=(0.8, 0, 0), width=1.5)
            y = 190
        tw = pymupdf.TextWriter(page.rect)
        chunk = lines[n * per_page:(n + 1) * per_page]
        for style, text in chunk:
            if y > 842 - 70:
                break
            x = left
            if style == "title":
                x = max(left, 297 - len(text) * 9)
            elif style == "right":
                x = 595 - left - len(text) * size
            if text:
                tw.append((x, y), text, font=font, fontsize=18 if style == "title" else size)
            y += lead
        tw.append((280, 800), f"— {n + 1} —", font=font, fontsize=10)
        tw.write_text(page)
    doc.set_metadata(_pdf_metadata(p["title"], when, scanner=False))
    doc.subset_fonts()
    return _pdf_bytes(doc)


def _seal(d: ImageDraw.ImageDraw, cx: int, cy: int, r: int, unit: str) -> None:
    red = (210, 40, 40)
    d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(2, r // 14))
    star = [(cx + (r * 0.35 if k % 2 == 0 else r * 0.14) * math.sin(k * math.pi / 5),
             cy - (r * 0.35 if k % 2 == 0 else r * 0.14) * math.cos(k * math.pi / 5))
            for k in range(10)]
    d.polygon(star, fill=red)
    name = full_unit(unit)[:9]
    d.text((cx - len(name) * r // 10, cy + r // 3), name, font=pil_font(r // 5), fill=red)


def _scan_page(rng: random.Random, lines: Sequence[tuple[str, str]], first: bool,
               p: Mapping[str, Any], color: bool) -> Image.Image:
    """A 150 dpi scanned A4 page: paper tone, skew, grain, red ink if colour."""
    W, H, margin, size, lead = 1240, 1754, 150, 30, 48
    paper = rng.randint(236, 250)
    img = Image.new("RGB", (W, H), (paper, paper, paper - rng.randint(0, 8)))
    d = ImageDraw.Draw(img)
    y = margin
    if first and p["redhead"]:
        head = red_head(p["unit"])
        d.text((W // 2 - len(head) * 30, y), head, font=pil_font(60), fill=(200, 30, 30))
        d.text((W // 2 - len(p["docno"]) * 12, y + 100), p["docno"], font=pil_font(26),
               fill=(20, 20, 20))
        d.line([(margin, y + 150), (W - margin, y + 150)], fill=(200, 30, 30), width=4)
        y += 200
    for style, text in lines:
        x = margin
        if style == "title":
            x = max(margin, W // 2 - len(text) * 19)
        elif style == "right":
            x = W - margin - len(text) * size
        if text:
            d.text((x, y), text, font=pil_font(38 if style == "title" else size), fill=(25, 25, 25))
        y += lead
    if p["seal"] and lines and lines[-1][0] == "right":
        _seal(d, W - margin - 160, y - 90, 120, p["unit"])
    img = img.rotate(rng.uniform(-1.2, 1.2), resample=Image.Resampling.BILINEAR,
                     fillcolor=(paper, paper, paper))
    img = _add_noise(rng, img if color else img.convert("L"), 6)
    return img


def make_scan_pdf(rng: random.Random, p: Mapping[str, Any], when: dt.datetime,
                  seeds: str) -> bytes:
    """An image-only PDF: each page one JPEG, no text layer."""
    per_page = 26
    lines = _doc_lines(rng, p, when, 31, per_page, seeds)
    doc = pymupdf.open()
    color = p["redhead"] or p["seal"]
    for n in range(p["pages"]):
        chunk = lines[n * per_page:(n + 1) * per_page]
        img = _scan_page(rng, chunk, n == 0, p, color)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=rng.randint(65, 85))
        page = doc.new_page(width=595, height=842)
        page.insert_image(page.rect, stream=buf.getvalue())
    doc.set_metadata(_pdf_metadata(p["title"], when, scanner=True))
    return _pdf_bytes(doc)


# ---------------------------------------------------------------- Office files

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def utc_naive(when: dt.datetime) -> dt.datetime:
    """Office stores core-property times in UTC."""
    return when.astimezone(dt.timezone.utc).replace(tzinfo=None)


def normalize_ooxml(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an Office zip with fixed entry times and core-property dates."""
    iso = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              rb"\g<1>" + iso.encode() + rb"\g<3>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type, zi.create_system = zipfile.ZIP_DEFLATED, 0
            dst.writestr(zi, body)
    return out.getvalue()


def _east_asian(run: Any, name: str) -> None:
    run.font.name = name
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _docx_table(rng: random.Random, doc: Any, p: Mapping[str, Any], when: dt.datetime) -> None:
    rows = rng.randint(3, 8)
    table = doc.add_table(rows=rows + 1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "活动名称", "时间", "地点", "参与人数")):
        cell.text = text
    for i in range(rows):
        d = days_before(rng, when, 90)
        values = (str(i + 1), f"{p['topic']}{rng.choice(('宣传活动', '志愿服务', '专题会议'))}",
                  f"{d:%Y.%m.%d}", rng.choice(PLACES) + rng.choice(COMMUNITIES),
                  str(rng.randint(12, 300)))
        for cell, text in zip(table.rows[i + 1].cells, values):
            cell.text = text


def make_docx(rng: random.Random, p: Mapping[str, Any], when: dt.datetime, seeds: str) -> bytes:
    """A Word report: title, body from seeds, optional table and photos, signature."""
    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(p["title"])
    run.bold, run.font.size = True, Pt(22)
    _east_asian(run, "方正小标宋简体")
    paras = take_text(rng, seeds, rng.randint(600, 3000))
    for i, text in enumerate(paras):
        para = doc.add_paragraph(text)
        para.paragraph_format.first_line_indent = Pt(32)
        if p["table"] and i == len(paras) // 2:
            _docx_table(rng, doc, p, when)
    for k in range(p["pictures"]):
        shot = days_before(rng, when, 60)
        img = render_scene(rng, 800, 600, blurred=False, volunteers=True)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=80)
        doc.add_picture(buf, width=Cm(14))
        cap = doc.add_paragraph(f"图{k + 1}：{cn_date(shot)}，{p['unit']}在{rng.choice(PLACES)}"
                                f"开展{p['topic']}活动")
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in (p["unit"], cn_date(when)):
        para = doc.add_paragraph(text)
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    props = doc.core_properties
    props.author = props.last_modified_by = p["author"]
    props.title, props.revision = p["title"], rng.randint(1, 9)
    props.created = props.modified = props.last_printed = utc_naive(when)
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_ooxml(buf.getvalue(), when)


def make_xlsx(rng: random.Random, p: Mapping[str, Any], when: dt.datetime) -> bytes:
    """An Excel table: merged title row, header, activity rows with mixed date styles."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = rng.choice(("Sheet1", "汇总表", f"{when.year}年"))
    headers = ("序号", "活动名称", "活动时间", "活动地点", "参与人数", "责任单位", "备注")
    ws.append([p["title"]])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = XlFont(bold=True, size=16)
    ws.append(list(headers))
    string_dates = rng.random() < 0.3
    for i in range(p["rows"]):
        d = days_before(rng, when, 300).replace(
            tzinfo=None, hour=0, minute=0, second=0)
        ws.append([i + 1, f"{p['topic']}{rng.choice(('宣传活动', '志愿服务', '进社区', '培训'))}",
                   f"{d.year}.{d.month}.{d.day}" if string_dates else d,
                   rng.choice(PLACES) + rng.choice(COMMUNITIES), rng.randint(8, 500),
                   p["unit"], rng.choice(("", "", "已完成", "常态化开展"))])
        if not string_dates:
            ws.cell(row=i + 3, column=3).number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFG", (6, 30, 14, 24, 10, 16, 12)):
        ws.column_dimensions[col].width = width
    if rng.random() < 0.3:
        wb.create_sheet("Sheet2")
    wb.properties.creator = wb.properties.lastModifiedBy = p["author"]
    wb.properties.created = wb.properties.modified = utc_naive(when)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_ooxml(buf.getvalue(), when)


# ---------------------------------------------------------------- zips

class GbkZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored in CP936 without the UTF-8 flag (0x800)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's name)
        return self.filename.encode("cp936"), self.flag_bits & ~0x800


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    return (when.year, when.month, when.day, when.hour, when.minute, when.second & ~1)


def write_zip(entries: Sequence[tuple[str, bytes, dt.datetime]], encoding: str) -> bytes:
    """A zip of (name, data, time) with names in ``encoding`` ("cp936" or "utf-8")."""
    out = io.BytesIO()
    cls = GbkZipInfo if encoding == "cp936" else zipfile.ZipInfo
    with zipfile.ZipFile(out, "w") as zf:
        for name, data, when in entries:
            zi = cls(name, date_time=_zip_time(when))
            zi.compress_type, zi.create_system = zipfile.ZIP_DEFLATED, 0
            zf.writestr(zi, data)
    return out.getvalue()


def make_zip(rng: random.Random, p: Mapping[str, Any], when: dt.datetime,
             seeds: str) -> tuple[bytes, list[str]]:
    """An item folder zipped: small photos, a report and a PDF inside."""
    entries: list[tuple[str, bytes, dt.datetime]] = []
    prefix = p["prefix"]
    for k in range(p["count"]):
        t = days_before(rng, when, 40).replace(
            hour=rng.randint(8, 18), minute=rng.randrange(60), second=rng.randrange(60))
        choice = rng.random()
        if choice < 0.6:
            w, h = p["photo_size"]
            photo = {"size": (w, h), "orientation": rng.choice((1, 1, 1, 6)), "exif": True,
                     "gps": rng.random() < 0.4, "blurred": False, "watermark": False,
                     "low_quality": False, "quality": 88, "volunteers": True,
                     "make": "HUAWEI", "model": "ANA-AN00"}
            name, data = f"IMG_{t:%Y%m%d_%H%M%S}.jpg", make_photo(rng, photo, t)
        elif choice < 0.8:
            doc = dict(p["doc"], pages=1)
            data = make_docx(rng, dict(doc, pictures=0, table=False), t, seeds)
            name = f"{doc['title']}.docx"
        else:
            doc = dict(p["doc"], pages=rng.randint(1, 2))
            name, data = f"{t:%Y%m%d}{doc['title']}.pdf", make_digital_pdf(rng, doc, t, seeds)
        name = f"{prefix}{name}"
        if any(e[0] == name for e in entries):
            name = name.replace(".", f"（{k}）.", 1) if "." in name else f"{name}（{k}）"
        entries.append((name, data, t))
    return write_zip(entries, p["encoding"]), [e[0] for e in entries]


# ---------------------------------------------------------------- bad files

def make_bad(rng: random.Random, p: Mapping[str, Any], when: dt.datetime, seeds: str) -> bytes:
    """The damaged or mislabelled file named by ``p['defect']``."""
    defect = p["defect"]
    small_photo = {"size": (640, 480), "orientation": 1, "exif": True, "gps": False,
                   "blurred": False, "watermark": False, "low_quality": False,
                   "quality": 85, "volunteers": False, "make": "HUAWEI", "model": "ANA-AN00"}
    if defect in ("zero_byte_jpg", "zero_byte_pdf"):
        return b""
    if defect in ("truncated_jpeg", "jpeg_named_pdf"):
        data = make_photo(rng, small_photo, when)
        return data[: len(data) * rng.randint(30, 70) // 100] if defect == "truncated_jpeg" else data
    if defect == "truncated_pdf":
        data = make_digital_pdf(rng, dict(p["doc"], pages=2), when, seeds)
        return data[: len(data) * rng.randint(30, 70) // 100]
    if defect == "png_named_jpg":
        buf = io.BytesIO()
        render_scene(rng, 480, 360, blurred=False, volunteers=False).save(buf, "PNG")
        return buf.getvalue()
    if defect == "truncated_docx":
        data = make_docx(rng, dict(p["doc"], pictures=0, table=False), when, seeds)
        return data[: len(data) // 2]
    if defect == "office_lock_file":
        owner = p["doc"]["author"].encode("utf-16-le")[:100]
        return bytes([len(owner) // 2]) + b"\x00" + owner.ljust(160, b"\x00")[:160]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # doc_named_docx, thumbs_db
    return ole + rng.randbytes(rng.randint(4, 40) * 512 - len(ole))


# ---------------------------------------------------------------- planning

def parse_mix(text: str) -> dict[str, float]:
    """``photos=0.6,pdf=0.15`` -> weights; kinds not named get weight 0."""
    mix: dict[str, float] = {}
    for part in filter(None, (s.strip() for s in text.split(","))):
        key, _, value = part.partition("=")
        kind = KIND_ALIASES.get(key.strip(), key.strip())
        if kind not in KINDS:
            raise ValueError(f"unknown kind {key!r}; known: {', '.join(KINDS)}")
        mix[kind] = float(value)
    return mix


def allocate(files: int, mix: Mapping[str, float]) -> dict[str, int]:
    """Split ``files`` over kinds by weight; every weighted kind gets one if it can."""
    weights = {k: float(mix.get(k, 0)) for k in KINDS if mix.get(k, 0) > 0}
    if not weights or files < 1:
        raise ValueError("need files >= 1 and at least one kind with a positive weight")
    total = sum(weights.values())
    exact = {k: files * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: (counts[k] - exact[k], KINDS.index(k)))
    for k in by_remainder[: files - sum(counts.values())]:
        counts[k] += 1
    for k in weights:
        if counts[k] == 0 and files >= len(weights):
            donor = max(counts, key=lambda d: counts[d])
            counts[donor] -= 1
            counts[k] += 1
    if counts.get("dup") and counts["dup"] == files:
        raise ValueError("dup needs other kinds to copy from")
    return counts


def random_time(rng: random.Random) -> dt.datetime:
    day = DATE_START + dt.timedelta(days=rng.randrange((DATE_END - DATE_START).days + 1))
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60),
                       rng.randrange(60), tzinfo=TZ)


def orientations(rng: random.Random, n: int) -> list[int]:
    """EXIF orientations for ``n`` photos: every value 1..8 once n >= 8, mostly 1."""
    if n < 8:
        return [rng.choice((1, 1, 1, 6, 8, 3)) for _ in range(n)]
    rotated = max(7, round(n * 0.22))
    values = [2, 3, 4, 5, 6, 7, 8]
    keys, weights = list(ORIENTATION_WEIGHTS), list(ORIENTATION_WEIGHTS.values())
    values += rng.choices(keys, weights, k=rotated - 7)
    values += [1] * (n - len(values))
    rng.shuffle(values)
    return values


@dataclass
class Planner:
    """Decides kinds, places, names and per-file parameters from one Random."""

    rng: random.Random
    photo_size: tuple[int, int]
    fixed_size: bool
    pages: int | None
    used: set[str] = field(default_factory=set)
    unit_style: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    seq: int = 0

    def style(self, unit: str) -> tuple[int, str, str]:
        """Each unit names folders its own way: (folder style, wrapper, photo dir)."""
        if unit not in self.unit_style:
            r = self.rng
            self.unit_style[unit] = (r.randrange(len(FOLDER_STYLES)),
                                     r.choice(("", "", "", "网申材料", "{year}年创文材料")),
                                     r.choice(("", "照片", "图片")))
        return self.unit_style[unit]

    def place(self, unit: str, item: Item, when: dt.datetime, name: str, photo: bool) -> str:
        folder, wrapper, photo_dir = self.style(unit)
        parts = [unit]
        if wrapper:
            parts.append(wrapper.format(year=when.year))
        if self.rng.random() > 0.05:  # 5 % left loose in the unit folder
            parts.append(FOLDER_STYLES[folder](item))
            if photo and photo_dir:
                parts.append(photo_dir)
        return self.unique("/".join(parts + [name]))

    def unique(self, rel: str) -> str:
        stem, dot, ext = rel.rpartition(".")
        if not dot or "/" in ext:
            stem, ext = rel, ""
        candidate, k = rel, 1
        while candidate.casefold() in self.used:
            k += 1
            candidate = f"{stem} ({k}).{ext}" if ext else f"{stem} ({k})"
        self.used.add(candidate.casefold())
        return candidate

    def doc_params(self, unit: str, item: Item, when: dt.datetime, kind: str) -> dict[str, Any]:
        r, y = self.rng, when.year
        titles = (f"关于开展{y}年{item.topic}活动的通知",
                  f"关于印发《{CITY}{y}年{item.topic}工作方案》的通知",
                  f"{unit}{y}年{item.topic}工作总结",
                  f"{unit}关于{item.topic}工作开展情况的报告",
                  f"{item.code}{item.topic}说明报告",
                  f"关于{item.topic}工作的情况说明",
                  f"{y}年{item.topic}实施方案")
        if kind == "xlsx":
            titles = (f"{y}年{item.topic}活动统计表", f"{unit}{y}年{item.topic}工作台账",
                      f"{item.topic}情况统计表（{y}年）")
        abbrev = "文明办" if unit == "市文明办" else unit.lstrip("市")[:2]
        return {"title": r.choice(titles), "unit": unit, "topic": item.topic,
                "docno": f"安{abbrev}发〔{y}〕{r.randint(1, 60)}号",
                "author": r.choice(PEOPLE), "redhead": r.random() < 0.5,
                "seal": r.random() < 0.6, "pages": self.pages or r.randint(1, 6),
                "pictures": r.choice((0, 0, 1, 2, 3)), "table": r.random() < 0.3,
                "rows": r.randint(8, 120)}

    def doc_name(self, p: Mapping[str, Any], item: Item, when: dt.datetime, ext: str) -> str:
        style = self.rng.randrange(6)
        title = p["title"]
        return (title, f"{when:%Y%m%d}{title}", f"{title}（{when.year}.{when.month}.{when.day}）",
                f"{item.code} {title}", f"附件{self.rng.randint(1, 5)}：{title}",
                f"{when.year}.{when.month}.{when.day} {title}")[style] + "." + ext

    def photo_params(self, orientation: int, exif: bool) -> dict[str, Any]:
        r, (W, H) = self.rng, self.photo_size
        scale = 1.0 if self.fixed_size else r.choices((1.0, 0.816, 0.5, 0.32), (6, 2, 1, 1))[0]
        if not exif and not self.fixed_size:
            scale = r.choice((0.48, 0.32))  # WeChat re-encodes to 1920/1280 px
        w, h = max(16, round(W * scale)), max(12, round(H * scale))
        if orientation == 1 and r.random() < 0.15:
            w, h = h, w  # phones that rotate pixels: portrait, orientation 1
        make, model, pattern, _ = r.choices(CAMERAS, [c[3] for c in CAMERAS])[0]
        return {"size": (w, h), "orientation": orientation, "exif": exif,
                "gps": exif and r.random() < 0.4, "blurred": r.random() < 0.1,
                "watermark": r.random() < 0.06, "low_quality": r.random() < 0.05,
                "quality": r.choice((85, 88, 90, 92)), "volunteers": r.random() < 0.4,
                "make": make, "model": model, "pattern": pattern}

    def photo_name(self, p: Mapping[str, Any], item: Item, when: dt.datetime) -> str:
        r = self.rng
        if not p["exif"]:
            if r.random() < 0.5:
                return f"mmexport{int(when.timestamp() * 1000) + r.randrange(1000)}.jpg"
            return f"微信图片_{when:%Y%m%d%H%M%S}.jpg"
        if r.random() < 0.35:
            what = item.topic + r.choice(("活动现场", "会议", "宣传活动", "现场照片", "工作推进会"))
            return r.choice((f"{when.year}.{when.month}.{when.day} {what}（{r.randint(1, 9)}）.jpg",
                             f"{item.code} {what}{r.randint(1, 9)}.jpg",
                             f"{when:%Y%m%d}{what}.jpg"))
        self.seq += 1
        return p["pattern"].format(d=when, seq=1000 + self.seq * 7 % 9000)


def plan_corpus(files: int, seed: int, mix: Mapping[str, float], photo_size: tuple[int, int],
                fixed_size: bool, pages: int | None) -> list[Job]:
    """All file decisions, made sequentially from ``Random(seed)``."""
    rng = random.Random(seed)
    counts = allocate(files, mix)
    kinds = [k for k in KINDS if k != "dup" for _ in range(counts.get(k, 0))]
    rng.shuffle(kinds)
    kinds += ["dup"] * counts.get("dup", 0)
    n_photos = counts.get("photo", 0)
    n_stripped = round(n_photos * 0.12) if n_photos - round(n_photos * 0.12) >= 8 else 0
    exif_flags = [False] * n_stripped + [True] * (n_photos - n_stripped)
    rng.shuffle(exif_flags)
    orients = iter(orientations(rng, n_photos - n_stripped))
    exif_iter = iter(exif_flags)
    planner = Planner(rng, photo_size, fixed_size, pages)
    defects = list(BAD_DEFECTS)
    rng.shuffle(defects)
    jobs: list[Job] = []
    made: Counter[str] = Counter()
    for index, kind in enumerate(kinds):
        item = rng.choice(ITEMS)
        unit = rng.choice(item.units)
        when = random_time(rng)
        params: dict[str, Any]
        if kind == "photo":
            exif = next(exif_iter)
            params = planner.photo_params(next(orients) if exif else 1, exif)
            rel = planner.place(unit, item, when, planner.photo_name(params, item, when), True)
        elif kind in ("pdf", "scan", "docx", "xlsx"):
            params = planner.doc_params(unit, item, when, kind)
            if kind == "scan":
                params["pages"] = pages or rng.randint(1, 4)
            ext = "pdf" if kind in ("pdf", "scan") else kind
            rel = planner.place(unit, item, when, planner.doc_name(params, item, when, ext), False)
        elif kind == "zip":
            params = _zip_params(planner, unit, item, when, made["zip"])
            batch = rng.choice(("", "（第一批）", "（第二批）", "（补充）"))
            rel = planner.unique(f"{unit}/{unit}{item.code}{item.topic}材料{batch}.zip")
        elif kind == "bad":
            params = {"defect": defects[made["bad"] % len(defects)],
                      "doc": planner.doc_params(unit, item, when, "docx")}
            rel = planner.place(unit, item, when, _bad_name(rng, params, when), False)
        else:
            source, rel = _dup_plan(planner, jobs, rng)
            params = {"dup_of": source.relpath}
            unit, item, when = source.unit, ITEMS[source.item], source.when
        made[kind] += 1
        jobs.append(Job(index, kind, rel, unit, ITEMS.index(item), when, params))
    return jobs


def _zip_params(planner: Planner, unit: str, item: Item, when: dt.datetime,
                nth: int) -> dict[str, Any]:
    r = planner.rng
    folder = FOLDER_STYLES[planner.style(unit)[0]](item)
    top = r.choice((f"{unit}网申材料/", ""))
    W, H = planner.photo_size
    scale = min(1.0, 1600 / max(W, H))
    return {"encoding": "utf-8" if nth % 4 == 3 else "cp936", "count": r.randint(3, 8),
            "prefix": f"{top}{folder}/",
            "photo_size": (max(16, round(W * scale)), max(12, round(H * scale))),
            "doc": planner.doc_params(unit, item, when, "docx")}


def _bad_name(rng: random.Random, p: Mapping[str, Any], when: dt.datetime) -> str:
    title = p["doc"]["title"]
    return {"zero_byte_jpg": f"IMG_{when:%Y%m%d_%H%M%S}.jpg",
            "truncated_jpeg": f"微信图片_{when:%Y%m%d%H%M%S}.jpg",
            "truncated_pdf": f"{title}.pdf", "jpeg_named_pdf": f"{title}（扫描件）.pdf",
            "zero_byte_pdf": f"{when:%Y%m%d}{title}.pdf",
            "png_named_jpg": f"截图{when:%Y%m%d}.jpg", "doc_named_docx": f"{title}.docx",
            "truncated_docx": f"{title}（修改稿）.docx", "office_lock_file": f"~${title}.docx",
            "thumbs_db": "Thumbs.db"}[p["defect"]]


def _dup_plan(planner: Planner, jobs: Sequence[Job], rng: random.Random) -> tuple[Job, str]:
    """Copy an earlier photo or document into another item of the same unit."""
    sources = [j for j in jobs if j.kind in ("photo", "pdf", "scan", "docx", "xlsx")] or \
        [j for j in jobs if j.kind != "dup"]
    src = rng.choice(sources)
    others = [it for it in ITEMS if it.number != ITEMS[src.item].number and src.unit in it.units]
    others = others or [it for it in ITEMS if it.number != ITEMS[src.item].number]
    name = src.relpath.rsplit("/", 1)[-1]
    if rng.random() < 0.4:
        name = "副本-" + name if rng.random() < 0.5 else name.replace(".", " - 副本.", 1)
    rel = planner.place(src.unit, rng.choice(others), src.when, name, src.kind == "photo")
    return src, rel


# ---------------------------------------------------------------- writing

def _content(job: Job, seed: int, seeds: str) -> tuple[bytes, dict[str, Any]]:
    rng = random.Random(f"civdesk-corpus:{seed}:{job.index}")
    p, when = job.params, job.when
    if job.kind == "photo":
        facts = {k: p[k] for k in ("size", "orientation", "exif", "gps", "blurred",
                                    "watermark", "low_quality", "make", "model")}
        return make_photo(rng, p, when), facts
    if job.kind == "pdf":
        return make_digital_pdf(rng, p, when, seeds), {"pages": p["pages"], "text_layer": True}
    if job.kind == "scan":
        return make_scan_pdf(rng, p, when, seeds), {"pages": p["pages"], "text_layer": False}
    if job.kind == "docx":
        return make_docx(rng, p, when, seeds), {"pictures": p["pictures"], "table": p["table"]}
    if job.kind == "xlsx":
        return make_xlsx(rng, p, when), {"rows": p["rows"]}
    if job.kind == "zip":
        data, names = make_zip(rng, p, when, seeds)
        return data, {"encoding": p["encoding"], "names": names}
    return make_bad(rng, p, when, seeds), {"defect": p["defect"]}


def _mtime(job: Job) -> float:
    """Files arrive a few days after they were made (received by QQ or mail)."""
    delay = random.Random(f"mtime:{job.relpath}").randint(0, 10 * 86400)
    return job.when.timestamp() + delay


def write_job(job: Job, out: str, seed: int, seeds: str) -> CorpusEntry:
    """Make one file, write it under ``out`` and return its entry (picklable)."""
    path = Path(out, *job.relpath.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if job.kind == "dup":
        data, facts = Path(out, *job.params["dup_of"].split("/")).read_bytes(), dict(job.params)
    else:
        data, facts = _content(job, seed, seeds)
    path.write_bytes(data)
    os.utime(path, (_mtime(job), _mtime(job)))
    return CorpusEntry(path, job.kind, job.unit, ITEMS[job.item].code, job.when, facts)


def _run(jobs: Sequence[Job], out: Path, seed: int, seeds: str,
         workers: int) -> Iterator[CorpusEntry]:
    first = [j for j in jobs if j.kind != "dup"]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            yield from pool.map(write_job, first, [str(out)] * len(first),
                                [seed] * len(first), [seeds] * len(first), chunksize=4)
    else:
        for job in first:
            yield write_job(job, str(out), seed, seeds)
    for job in jobs[len(first):]:
        yield write_job(job, str(out), seed, seeds)


def make_corpus(out: Path, files: int, seed: int = 0, *, mix: Mapping[str, float] | None = None,
                photo_size: tuple[int, int] = (4000, 3000), fixed_size: bool = False,
                pages: int | None = None, seeds_dir: Path | None = None, jobs: int = 1,
                progress: Reporter | None = None) -> CorpusSummary:
    """Generate ``files`` files under ``out`` (which must be absent or empty)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    seeds = str(seeds_dir or DEFAULT_SEEDS)
    plan = plan_corpus(files, seed, mix or DEFAULT_MIX, photo_size, fixed_size, pages)
    entries: list[CorpusEntry] = []
    for entry in _run(plan, out, seed, seeds, jobs):
        entries.append(entry)
        if progress is not None:
            progress.update(len(entries), len(plan), entry.path.name)
            check = getattr(progress, "check_cancelled", None)
            if check:
                check()
    order = {j.relpath: j.index for j in plan}
    entries.sort(key=lambda e: order[e.path.relative_to(out).as_posix()])
    return CorpusSummary(out, seed, entries)


# ---------------------------------------------------------------- CLI

class _TextBar:
    def __init__(self) -> None:
        self.start, self.shown = time.monotonic(), -1

    def update(self, done: int, total: int, message: str = "") -> None:
        pct = done * 100 // max(1, total)
        if pct != self.shown or done == total:
            self.shown = pct
            sys.stderr.write(f"\r{done}/{total} {pct:3d}%  {time.monotonic() - self.start:6.1f}s")
            if done == total:
                sys.stderr.write("\n")


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().replace("×", "x").partition("x")
    return int(w), int(h)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default %(default)s)")
    ap.add_argument("--files", type=int, default=200, help="files to write (default 200)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--photo-size", type=_size, default=(4000, 3000), help="largest photo, WxH")
    ap.add_argument("--fixed-size", action="store_true", help="every photo exactly --photo-size")
    ap.add_argument("--mix", help="weights, e.g. photo=0.6,pdf=0.15,docx=0.1 (others 0); "
                                  f"kinds: {', '.join(KINDS)}")
    ap.add_argument("--kind", help="make only this kind (same as --mix KIND=1)")
    ap.add_argument("--pages", type=int, help="pages of every PDF (digital and scanned)")
    ap.add_argument("--seeds", type=Path, help="folder of seed .txt files")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output is the same)")
    ap.add_argument("--force", action="store_true", help="delete --out first if it exists")
    ap.add_argument("--manifest", type=Path, help="write a JSON manifest of the corpus here")
    args = ap.parse_args(argv)
    mix = parse_mix(args.mix) if args.mix else DEFAULT_MIX
    if args.kind:
        mix = parse_mix(f"{args.kind}=1")
    if args.force and args.out.exists():
        shutil.rmtree(args.out)
    summary = make_corpus(args.out, args.files, args.seed, mix=mix, photo_size=args.photo_size,
                          fixed_size=args.fixed_size, pages=args.pages, seeds_dir=args.seeds,
                          jobs=args.jobs, progress=_TextBar())
    if args.manifest:
        args.manifest.write_text(summary.to_json(), encoding="utf-8")
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items())
    print(f"{len(summary.entries)} files, {summary.total_bytes / 1e6:.1f} MB in {args.out}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
