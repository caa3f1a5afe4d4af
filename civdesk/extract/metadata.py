"""Document metadata and text: PDF, OFD, DOCX/XLSX/PPTX, plain text.

Each reader takes a path and returns a frozen :class:`DocInfo`; none raises
for bad content (an ``OSError`` for a vanished file may propagate).  Text is
capped at ``TEXT_LIMIT`` characters in total.  ``text_status`` is ``ok``,
``none`` (nothing readable — an image-only PDF needs OCR), ``encrypted`` or
``error``.  PDF text comes per page so search can show the hit pages; PPTX
per slide; OFD per page; everything else as one page.
"""
from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree as ET

from .dates import parse_iso_datetime, parse_pdf_datetime
from .identify import text_encoding

TEXT_LIMIT = 2_000_000
XLSX_CELL_LIMIT = 2_000_000
TXT_READ_LIMIT = 8 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,15}\s*[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*(\d{1,4})\s*号")


@dataclass(frozen=True)
class DocInfo:
    """What a document reader found."""

    pages: int | None = None
    pages_estimated: bool = False  # pages as last saved in the file, not counted
    title: str | None = None
    author: str | None = None
    created: datetime | None = None
    modified: datetime | None = None
    encrypted: bool = False
    has_text_layer: bool | None = None
    text_pages: tuple[str, ...] = ()
    text_status: str = "none"
    error: str | None = None
    extra: dict = field(default_factory=dict)
    first_page: Any = None  # a PIL image of page 1 when asked for (PDF thumbnails)


class TextBudget:
    """Hands out the remaining characters of the total text cap."""

    def __init__(self, limit: int = TEXT_LIMIT):
        self.left = limit
        self.truncated = False

    def take(self, text: str) -> str:
        """``text`` without stray control characters, cut to what is left."""
        text = _CONTROL.sub("", text)
        if len(text) > self.left:
            text = text[:max(self.left, 0)]
            self.truncated = True
        self.left -= len(text)
        return text

    @property
    def exhausted(self) -> bool:
        return self.left <= 0


def _status(pages: tuple[str, ...]) -> str:
    return "ok" if any(p.strip() for p in pages) else "none"


def _with_cap(extra: dict, budget: TextBudget) -> dict:
    if budget.truncated:
        extra["text_truncated"] = True
    return extra


# --- PDF ---------------------------------------------------------------

def read_pdf(path: Path, render_side: int | None = None) -> DocInfo:
    """Pages, text layer, encryption, producer and dates of a PDF.

    With ``render_side`` the first page is also rendered (long side about that
    many pixels) from the same open document, for the thumbnail.
    """
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # noqa: BLE001 - FileDataError, RuntimeError, ValueError ...
        if not path.exists():
            raise
        return DocInfo(text_status="error", error=f"PDF 文件已损坏或不完整，无法打开（{type(exc).__name__}）")
    with doc:
        if doc.needs_pass and not doc.authenticate(""):
            return DocInfo(pages=_safe_page_count(doc), encrypted=True, text_status="encrypted",
                           error="PDF 文件已加密（需要密码），无法读取页面和文字")
        pages = _safe_page_count(doc)
        if not pages:
            return DocInfo(pages=0, text_status="error", error="PDF 文件已损坏或不完整：找不到任何页面")
        info = _read_open_pdf(doc, pages)
        if render_side:
            from .thumbs import render_pdf_page

            info = replace(info, first_page=render_pdf_page(doc, render_side))
        return info


def _safe_page_count(doc) -> int | None:  # noqa: ANN001
    try:
        return int(doc.page_count)
    except Exception:  # noqa: BLE001
        return None


def _read_open_pdf(doc, pages: int) -> DocInfo:  # noqa: ANN001
    meta = doc.metadata or {}
    budget = TextBudget()
    texts: list[str] = []
    bad_pages = 0
    for index in range(pages):
        if budget.exhausted:
            texts.append("")
            continue
        try:
            texts.append(budget.take(doc[index].get_text("text")))
        except Exception:  # noqa: BLE001 - one bad page must not lose the others
            bad_pages += 1
            texts.append("")
    text_pages = tuple(texts)
    extra = {k: v for k in ("producer", "creator", "format", "subject", "keywords")
             if (v := (meta.get(k) or "").strip())}
    if doc.is_encrypted:
        extra["permissions_restricted"] = True
    if doc.is_repaired:
        extra["repaired"] = True
    if bad_pages:
        extra["bad_pages"] = bad_pages
    error = f"PDF 文件部分损坏：{bad_pages} 页无法读取" if bad_pages else None
    status = _status(text_pages)
    return DocInfo(
        pages=pages, title=_clean_title(meta.get("title")), author=_blank_none(meta.get("author")),
        created=parse_pdf_datetime(meta.get("creationDate")), modified=parse_pdf_datetime(meta.get("modDate")),
        has_text_layer=status == "ok", text_pages=text_pages,
        text_status="error" if bad_pages == pages else status, error=error, extra=_with_cap(extra, budget))


def _blank_none(value: str | None) -> str | None:
    value = (value or "").replace("\x00", "").strip()
    return value or None


def _clean_title(value: str | None) -> str | None:
    """Drop the ``Microsoft Word - x.docx`` titles printers put in."""
    title = _blank_none(value)
    if title and title.startswith("Microsoft Word - "):
        title = title[len("Microsoft Word - "):]
    return title


# --- Office Open XML ---------------------------------------------------

def read_ooxml(path: Path, kind: str) -> DocInfo:
    """Core properties and text of a docx, xlsx or pptx."""
    try:
        with zipfile.ZipFile(path) as zf:
            props = _core_properties(zf)
            texts = _docx_text(zf) if kind == "docx" else _pptx_text(zf) if kind == "pptx" else []
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError, EOFError, zipfile.LargeZipFile) as exc:
        if not path.exists():
            raise
        return DocInfo(text_status="error", error=f"Office 文档已损坏或不完整，无法读取（{type(exc).__name__}）")
    except RuntimeError as exc:  # zipfile: an encrypted member
        return DocInfo(text_status="encrypted", encrypted=True, error=f"文档已加密，无法读取（{exc}）")
    if kind == "xlsx":
        return _read_xlsx(path, props)
    extra = props.pop("extra")
    saved_pages = props.pop("pages", None)
    if kind == "pptx":
        text_pages, count = tuple(texts), len(texts)
        extra["slides"] = count
    else:
        text_pages, count = ("\n".join(texts),), saved_pages
    # A DOCX's <Pages> is whatever the last program to save it wrote there
    # (python-docx keeps its template's 1): an estimate, shown as such.
    return DocInfo(pages=count, pages_estimated=kind == "docx" and count is not None,
                   text_pages=text_pages, text_status=_status(text_pages), extra=extra, **props)


#: Creation/modification stamps that documents inherit unchanged from the
#: template they were made from, so they say nothing about the document:
#: python-docx's default template (2013-12-24 07:15 in China time).
TEMPLATE_STAMPS = frozenset({"2013-12-23T23:15:00Z"})


def _core_properties(zf: zipfile.ZipFile) -> dict:
    """title/author/created/modified (+ pages, application) from docProps."""
    out: dict = {"title": None, "author": None, "created": None, "modified": None, "extra": {}}
    names = set(zf.namelist())
    if "docProps/core.xml" in names:
        for el in ET.fromstring(zf.read("docProps/core.xml")).iter():
            local, text = el.tag.rsplit("}", 1)[-1], (el.text or "").strip()
            if not text:
                continue
            if local == "title":
                out["title"] = text
            elif local == "creator":
                out["author"] = text
            elif local in ("created", "modified") and text in TEMPLATE_STAMPS:
                out["extra"]["template_stamp"] = text
            elif local == "created":
                out["created"] = parse_iso_datetime(text)
            elif local == "modified":
                out["modified"] = parse_iso_datetime(text)
            elif local == "lastModifiedBy":
                out["extra"]["last_modified_by"] = text
    if "docProps/app.xml" in names:
        for el in ET.fromstring(zf.read("docProps/app.xml")).iter():
            local, text = el.tag.rsplit("}", 1)[-1], (el.text or "").strip()
            if local == "Pages" and text.isdigit():
                out["pages"] = int(text)
            elif local == "Application" and text:
                out["extra"]["application"] = text
    return out


def _docx_text(zf: zipfile.ZipFile) -> list[str]:
    """Paragraphs in body order; table rows as tab-joined cells."""
    budget = TextBudget()
    lines: list[str] = []
    para: list[str] = []
    cells: list[list[str]] = []
    rows: list[list[str]] = []
    with zf.open("word/document.xml") as fh:
        for event, el in ET.iterparse(fh, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == _W + "tr":
                    rows.append([])
                elif tag == _W + "tc":
                    cells.append([])
                continue
            if tag == _W + "t":
                para.append(el.text or "")
            elif tag == _W + "tab":
                para.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                para.append("\n")
            elif tag == _W + "p":
                _emit("".join(para), cells, lines, budget)
                para = []
                el.clear()
            elif tag == _W + "tc" and cells:
                cell = "\n".join(p for p in cells.pop() if p)
                if rows:
                    rows[-1].append(cell)
            elif tag == _W + "tr" and rows:
                _emit("\t".join(rows.pop()), cells, lines, budget)
                el.clear()
            if budget.exhausted:
                break
    return lines


def _emit(text: str, cells: list[list[str]], lines: list[str], budget: TextBudget) -> None:
    """A finished paragraph or row goes into the open table cell, or the body."""
    if cells:
        cells[-1].append(text)
    else:
        lines.append(budget.take(text))


def _pptx_text(zf: zipfile.ZipFile) -> list[str]:
    """One string per slide, in slide order."""
    budget = TextBudget()
    slide_re = re.compile(r"ppt/slides/slide(\d+)\.xml$")
    slides = sorted((int(m.group(1)), n) for n in zf.namelist() if (m := slide_re.match(n)))
    out = []
    for _, name in slides:
        paras = []
        for p in ET.fromstring(zf.read(name)).iter(_A + "p"):
            paras.append("".join(t.text or "" for t in p.iter(_A + "t")))
        out.append(budget.take("\n".join(x for x in paras if x)))
    return out


def _read_xlsx(path: Path, props: dict) -> DocInfo:
    """Sheet names and cell text (read-only mode, capped)."""
    import openpyxl

    fh = open(path, "rb")  # noqa: SIM115 - closed below once the workbook is read; a file object: openpyxl refuses names without .xlsx (vault files have none)
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        fh.close()
        return DocInfo(text_status="error", error=f"Excel 表格已损坏或无法读取（{type(exc).__name__}）")
    budget = TextBudget()
    lines: list[str] = []
    cells_left = XLSX_CELL_LIMIT
    try:
        sheets = list(wb.sheetnames)
        for ws in wb.worksheets:
            lines.append(budget.take(f"【{ws.title}】"))
            for row in ws.iter_rows(values_only=True):
                cells_left -= len(row)
                values = [_cell_text(v) for v in row if v is not None and v != ""]
                if values:
                    lines.append(budget.take("\t".join(values)))
                if budget.exhausted or cells_left <= 0:
                    break
            if budget.exhausted or cells_left <= 0:
                break
    except Exception as exc:  # noqa: BLE001
        return DocInfo(text_status="error", error=f"Excel 表格已损坏或无法读取（{type(exc).__name__}）")
    finally:
        wb.close()
        fh.close()
    extra = dict(props["extra"])
    extra["sheets"] = sheets
    if cells_left <= 0:
        extra["text_truncated"] = True
    text = "\n".join(lines)
    status = "ok" if any(line and not line.startswith("【") for line in lines) else "none"
    return DocInfo(text_pages=(text,), text_status=status, extra=_with_cap(extra, budget),
                   title=props["title"], author=props["author"], created=props["created"],
                   modified=props["modified"])


def _cell_text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if (value.hour or value.minute) else "%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- OFD -----------------------------------------------------------------

def read_ofd(path: Path) -> DocInfo:
    """DocInfo (title, author, dates) and per-page text of an OFD (GB/T 33190)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _read_ofd_zip(zf)
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError, EOFError, RuntimeError) as exc:
        if not path.exists():
            raise
        return DocInfo(text_status="error", error=f"OFD 文件已损坏或无法读取（{type(exc).__name__}）")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(el: ET.Element, name: str) -> str | None:
    for child in el.iter():
        if _local(child.tag) == name and (child.text or "").strip():
            return child.text.strip()
    return None


def _read_ofd_zip(zf: zipfile.ZipFile) -> DocInfo:
    root = ET.fromstring(zf.read("OFD.xml"))
    info = next((el for el in root.iter() if _local(el.tag) == "DocInfo"), None)
    doc_root = _child_text(root, "DocRoot")
    title = author = created = modified = None
    extra: dict = {}
    if info is not None:
        title, author = _child_text(info, "Title"), _child_text(info, "Author")
        created = parse_iso_datetime(_child_text(info, "CreationDate"))
        modified = parse_iso_datetime(_child_text(info, "ModDate"))
        creator = _child_text(info, "Creator")
        if creator:
            extra["creator"] = creator
    if not doc_root:
        return DocInfo(title=title, author=author, created=created, modified=modified,
                       text_status="none", extra=extra)
    text_pages = _ofd_pages(zf, _ofd_path("", doc_root))
    return DocInfo(pages=len(text_pages), title=title, author=author, created=created,
                   modified=modified, has_text_layer=_status(text_pages) == "ok",
                   text_pages=text_pages, text_status=_status(text_pages), extra=extra)


def _ofd_path(base_dir: str, loc: str) -> str:
    """Resolve an OFD ST_Loc (absolute from the package root, or relative)."""
    loc = loc.strip().replace("\\", "/")
    joined = loc.lstrip("/") if loc.startswith("/") else str(PurePosixPath(base_dir) / loc)
    parts: list[str] = []
    for part in joined.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _ofd_pages(zf: zipfile.ZipFile, document_xml: str) -> tuple[str, ...]:
    budget = TextBudget()
    base = str(PurePosixPath(document_xml).parent)
    doc = ET.fromstring(zf.read(document_xml))
    names = set(zf.namelist())
    pages = []
    for el in doc.iter():
        if _local(el.tag) != "Page" or not el.get("BaseLoc"):
            continue
        content = _ofd_path(base, el.get("BaseLoc", ""))
        if content not in names:
            pages.append("")
            continue
        runs = []
        for obj in ET.fromstring(zf.read(content)).iter():
            if _local(obj.tag) == "TextObject":
                runs.append("".join(c.text or "" for c in obj.iter() if _local(c.tag) == "TextCode"))
        pages.append(budget.take("\n".join(runs)))
    return tuple(pages)


# --- plain text -----------------------------------------------------------

def read_txt(path: Path) -> DocInfo:
    """UTF-8 / UTF-16 / GB18030 text, decoded with the detected encoding."""
    with open(path, "rb") as fh:
        raw = fh.read(TXT_READ_LIMIT)
    encoding = text_encoding(raw[:64 * 1024]) or "gb18030"
    budget = TextBudget()
    text = budget.take(raw.decode(encoding, errors="replace").replace("\r\n", "\n"))
    extra = _with_cap({"encoding": "utf-8" if encoding == "utf-8-sig" else encoding}, budget)
    return DocInfo(text_pages=(text,), text_status=_status((text,)), extra=extra)


# --- shared -----------------------------------------------------------------

def find_doc_number(text: str) -> str | None:
    """The 文号 of an official document (``X文明办〔2024〕12号``), or None.

    Looks in the head of the text: a 文号 on its own line (optionally with
    签发人) wins; otherwise one in the first 300 characters that is not a
    quotation of another document (inside brackets or after 《》).
    """
    head = unicodedata.normalize("NFC", text[:3000])
    for line in head.splitlines():
        stripped = line.strip()
        m = _DOC_NUMBER.search(stripped)
        if m and m.start() == 0 and (m.end() == len(stripped) or "签发" in stripped[m.end():]):
            return _tidy_number(m.group(0))
    for m in _DOC_NUMBER.finditer(head[:300]):
        before = head[max(0, m.start() - 1):m.start()]
        if before not in ("（", "(", "》", "《"):
            return _tidy_number(m.group(0))
    return None


def _tidy_number(raw: str) -> str:
    """Normalise brackets to the official 〔〕 and drop spaces."""
    text = re.sub(r"\s+", "", raw)
    return re.sub(r"[\[［【(（]((?:19|20)\d{2})[\]］】)）]", r"〔\1〕", text)
