"""四性检测 (DA/T 70-2018) of a transfer carrier: 真实性、完整性、可用性、安全性.

Runs on the carrier alone (a folder or a zip), without the library, so the receiving
archive can rerun it: ``civdesk archive check PATH``.  Every check item is always
reported, with 通过 / 不通过 / 未检测 and the files concerned; the virus scan uses
ClamAV's ``clamscan`` where it is installed (signature database from the setting or
``CIVDESK_CLAMAV_DB``) and otherwise says plainly that it was not done.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from civdesk.archive import layout
from civdesk.archive.codes import CodeRule, parse_code
from civdesk.archive.xmlfiles import (
    CATALOGUE_XML,
    CATALOGUE_XSD,
    ITEM_XSD,
    read_catalogue,
    read_item_files,
    validate,
)
from civdesk.progress import NullProgress, Progress

PASS, FAIL, NOT_DONE = "通过", "不通过", "未检测"
ASPECTS = ("真实性", "完整性", "可用性", "安全性")
CLAMAV_DB_ENV = "CIVDESK_CLAMAV_DB"
EXECUTABLE_EXTS = frozenset({"exe", "dll", "com", "bat", "cmd", "scr", "msi", "ps1", "vbs", "vbe",
                             "js", "jse", "wsf", "hta", "jar", "sh", "py", "lnk", "pif", "cpl",
                             "docm", "xlsm", "pptm", "dotm", "xltm"})
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile)\b")
_COUNT_LINE = re.compile(r"^\s*(件数|文件数)\s*[：:]\s*(\d+)", re.MULTILINE)
CHUNK = 1 << 20


@dataclass(frozen=True)
class CheckItem:
    aspect: str  # 真实性 / 完整性 / 可用性 / 安全性
    name: str
    status: str  # 通过 / 不通过 / 未检测
    detail: str = ""
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class CarrierReport:
    path: str
    items: tuple[CheckItem, ...]
    entries: int  # 件 in the catalogue
    files: int  # files under 电子档案/ (metadata files excluded)
    bytes: int  # of every file on the carrier

    @property
    def ok(self) -> bool:
        return all(i.status != FAIL for i in self.items)

    @property
    def failed(self) -> tuple[CheckItem, ...]:
        return tuple(i for i in self.items if i.status == FAIL)

    def summary(self) -> dict[str, str]:
        """Per aspect: 通过, 不通过 or 未检测 (an aspect with an unchecked item and no failure)."""
        out = {}
        for a in ASPECTS:
            statuses = {i.status for i in self.items if i.aspect == a}
            out[a] = FAIL if FAIL in statuses else NOT_DONE if NOT_DONE in statuses else PASS
        return out


@dataclass
class _Finds:
    """Problems found, per check item: file → reason."""

    by_item: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, item: str, path: str, reason: str) -> None:
        self.by_item.setdefault(item, {}).setdefault(path, reason)

    def result(self, aspect: str, item: str, ok_text: str) -> CheckItem:
        found = self.by_item.get(item)
        if not found:
            return CheckItem(aspect, item, PASS, ok_text)
        files = tuple(sorted(found))
        shown = "；".join(f"{p}：{r}" for p, r in sorted(found.items())[:20])
        more = f"（另有 {len(found) - 20} 处）" if len(found) > 20 else ""
        return CheckItem(aspect, item, FAIL, shown + more, files)


# check item names, in report order
DIGEST = "文件摘要（SHA-256）与登记一致"
PROPERTIES = "元数据与文件属性一致（名称、大小、格式）"
CODE_FORM = "档号格式正确"
CODE_UNIQUE = "档号唯一"
CODE_PLACE = "档号与存放位置一致"
HAS_CONTENT = "目录条目均有内容和元数据"
NO_GAPS = "件号连续无缺号"
REQUIRED = "必备元数据齐全"
ALL_FILES = "校验清单所列文件齐全"
COUNTS = "数量与说明文件、移交登记表一致"
OPENS = "文件可以打开"
FORMATS = "长期保存格式"
NO_CRYPT = "无加密、无口令"
XSD_VALID = "XML 符合 XSD"
NO_STRAY = "无多余文件"
NO_EXEC = "无可执行文件或宏"
VIRUS = "病毒检测（ClamAV）"


def check_carrier(path: Path | str, *, clamav_db: str | None = None, register_expected: bool = True,
                  progress: Progress | None = None) -> CarrierReport:
    """The 四性检测 of a carrier folder or zip."""
    progress = progress or NullProgress()
    path = Path(path)
    with _opened(path) as (root, zip_problems):
        return _check(root, str(path), zip_problems, clamav_db, register_expected, progress)


@contextmanager
def _opened(path: Path) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    if path.is_dir():
        yield path, []
        return
    if not zipfile.is_zipfile(path):
        raise FileNotFoundError(f"不是移交载体文件夹或 zip 压缩包：{path}")
    problems: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="civdesk-check-") as tmp, zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            pure = PurePosixPath(info.filename)
            if pure.is_absolute() or ".." in pure.parts or "\\" in info.filename:
                problems.append((info.filename, "压缩包中的路径指向载体之外"))
                continue
            if info.flag_bits & 0x1:
                problems.append((info.filename, "压缩包条目已加密"))
                continue
            zf.extract(info, tmp)
        yield Path(tmp), problems


def _files(root: Path) -> list[str]:
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            out.append((Path(dirpath) / n).relative_to(root).as_posix())
    return sorted(out)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _check(root: Path, shown: str, zip_problems: list[tuple[str, str]], clamav_db: str | None,
           register_expected: bool, progress: Progress) -> CarrierReport:
    from civdesk.export.manifest import PackageError, parse_manifest

    f = _Finds()
    files = _files(root)
    present = set(files)
    digests: dict[str, str] = {}

    def digest(rel: str) -> str:
        if rel not in digests:
            digests[rel] = _sha256(root / rel)
        return digests[rel]

    for name, reason in zip_problems:
        f.add(NO_STRAY, name, reason)
    for rel in files:
        if (root / rel).is_symlink():
            f.add(NO_STRAY, rel, "符号链接（载体上只应有普通文件）")

    # --- the catalogue and its schema
    rule, entries = CodeRule(), []
    if CATALOGUE_XML not in present:
        f.add(HAS_CONTENT, CATALOGUE_XML, "缺少文件目录")
    else:
        tree, errors = validate(root / CATALOGUE_XML, CATALOGUE_XSD)
        for e in errors:
            f.add(XSD_VALID, CATALOGUE_XML, e)
        if tree is not None:
            rule, entries = read_catalogue(tree)

    # --- the list of digests
    listed: dict[str, str] = {}
    if layout.MANIFEST not in present:
        f.add(DIGEST, layout.MANIFEST, "缺少校验清单，无法核对文件摘要")
    else:
        try:
            listed = parse_manifest((root / layout.MANIFEST).read_bytes())
        except PackageError as exc:
            f.add(DIGEST, layout.MANIFEST, str(exc))
    for rel, want in listed.items():
        if rel not in present:
            f.add(ALL_FILES, rel, "校验清单中有此文件，载体上没有")
        elif digest(rel) != want:
            f.add(DIGEST, rel, "摘要与校验清单不符（文件被改动）")
    known = set(listed) | {layout.MANIFEST, layout.REPORT, layout.REGISTER}

    # --- each 件
    progress.update(0, len(entries) + 2, "核对每一件…")
    seen: dict[str, int] = {}
    classes: dict[tuple, list[tuple[int, str]]] = {}
    described: set[str] = set()
    content_files = 0
    for n, e in enumerate(entries, 1):
        progress.check_cancelled()
        progress.update(n, len(entries) + 2, e.code)
        label = e.code or f"第 {e.seq} 条"
        seen[e.code] = seen.get(e.code, 0) + 1
        parts = parse_code(rule, e.code)
        if parts is None:
            f.add(CODE_FORM, label, f"档号不符合“全宗号{rule.level_sep}门类代码{rule.code_sep}年度"
                                    f"{rule.level_sep}保管期限{rule.level_sep}机构代码{rule.level_sep}"
                                    f"件号（{rule.width} 位）”的格式")
        else:
            classes.setdefault(parts.class_key, []).append((parts.number, e.code))
            if e.folder != layout.item_folder(parts, e.code):
                f.add(CODE_PLACE, e.folder or label,
                      f"存放位置应为 {layout.item_folder(parts, e.code)}")
        for what, value in (("档号", e.code), ("题名", e.title), ("责任者", e.responsible),
                            ("电子档案名称", e.folder)):
            if not value:
                f.add(REQUIRED, label, f"目录中缺少{what}")
        if not re.fullmatch(r"\d{8}", e.date8):
            f.add(REQUIRED, label, "目录中的日期不是 8 位数字")
        content_files += _check_item(root, e.folder, e.code, label, present, f, digest, described)
    for code, k in seen.items():
        if k > 1:
            f.add(CODE_UNIQUE, code, f"档号在目录中出现 {k} 次")
    for numbers in classes.values():
        got = sorted(n for n, _ in numbers)
        missing = sorted(set(range(1, max(got) + 1)) - set(got))
        if missing:
            cls = numbers[0][1].rpartition(rule.level_sep)[0]
            shown_missing = "、".join(f"{m:0{rule.width}d}" for m in missing[:10])
            f.add(NO_GAPS, cls, f"件号缺 {shown_missing}" + ("…" if len(missing) > 10 else ""))

    # --- stray files: neither listed nor described by a 件's metadata
    for rel in files:
        if rel not in known and rel not in described:
            f.add(NO_STRAY, rel, "不在校验清单和元数据中的文件")

    # --- counts against 说明文件.TXT and 移交登记表
    _check_counts(root, present, len(entries), content_files, register_expected, f)

    # --- usability and security of every file
    progress.update(len(entries) + 1, len(entries) + 2, "检查文件格式和安全…")
    for rel in files:
        progress.check_cancelled()
        if not (root / rel).is_symlink():
            _check_file(root, rel, present, f)
    virus = _virus_scan(root, clamav_db)
    size = sum((root / r).stat().st_size for r in files if (root / r).is_file())
    items = [
        f.result("真实性", DIGEST, "每个文件的 SHA-256 与校验清单和元数据一致"),
        f.result("真实性", PROPERTIES, "元数据记录的文件名、大小、格式与文件一致"),
        f.result("真实性", CODE_FORM, "档号均符合规则"),
        f.result("真实性", CODE_UNIQUE, "档号无重复"),
        f.result("真实性", CODE_PLACE, "每件的存放文件夹与档号一致"),
        f.result("完整性", HAS_CONTENT, "每个目录条目都有文件和元数据"),
        f.result("完整性", NO_GAPS, "每个类别内件号从 1 起连续"),
        f.result("完整性", REQUIRED, "档号、题名、责任者、日期等均已著录"),
        f.result("完整性", ALL_FILES, "校验清单所列文件都在载体上"),
        f.result("完整性", COUNTS, "件数、文件数与说明文件、移交登记表一致" if layout.REGISTER in present
                 else "件数、文件数与说明文件一致（移交登记表按此填写）"),
        f.result("可用性", OPENS, "文件均可正常打开"),
        f.result("可用性", FORMATS, "均为 PDF/OFD/JPEG/TIFF（原件与转换件并存的除外）"),
        f.result("可用性", NO_CRYPT, "未发现加密或口令保护"),
        f.result("可用性", XSD_VALID, "文件目录和每件元数据均符合随附的 XSD"),
        f.result("安全性", NO_STRAY, "载体上没有多余文件"),
        f.result("安全性", NO_EXEC, "未发现可执行文件、宏或 PDF 脚本"),
        virus,
    ]
    progress.update(len(entries) + 2, len(entries) + 2, "检测完成")
    return CarrierReport(shown, tuple(items), len(entries), content_files, size)


def _check_item(root: Path, folder: str, code: str, label: str, present: set[str], f: _Finds,
                digest, described: set[str]) -> int:  # noqa: ANN001
    """One 件's folder against its metadata; returns its number of content files."""
    meta_rel = f"{folder}/{layout.metadata_name(code)}" if folder else ""
    in_folder = sorted(p for p in present if folder and p.startswith(folder + "/"))
    if not folder or meta_rel not in present:
        f.add(HAS_CONTENT, label, "目录中的这一件在载体上没有元数据文件")
        return sum(1 for p in in_folder if p != meta_rel)
    described.add(meta_rel)
    tree, errors = validate(root / meta_rel, ITEM_XSD)
    for e in errors:
        f.add(XSD_VALID, meta_rel, e)
    records = read_item_files(tree) if tree is not None else []
    existing = 0
    for r in records:
        rel = f"{folder}/{r.name}"
        described.add(rel)
        if rel not in present:
            f.add(HAS_CONTENT, rel, f"元数据登记了此文件（{label}），载体上没有")
            continue
        existing += 1
        size = (root / rel).stat().st_size
        if r.size != size:
            f.add(PROPERTIES, rel, f"大小应为 {r.size} 字节，实为 {size} 字节")
        ext = rel.rsplit(".", 1)[-1].lower()
        if r.fmt.upper() != (layout.LONG_TERM.get(ext) or layout.CONVERTIBLE.get(ext) or ext.upper()):
            f.add(PROPERTIES, rel, f"元数据记录的格式为 {r.fmt}，与文件扩展名不符")
        if r.sha256 != digest(rel):
            f.add(DIGEST, rel, "摘要与元数据不符（文件被改动）")
    if not records or not existing:
        f.add(HAS_CONTENT, label, "这一件没有任何内容文件")
    return sum(1 for p in in_folder if p != meta_rel)


def _check_counts(root: Path, present: set[str], entries: int, files: int, register_expected: bool,
                  f: _Finds) -> None:
    said = _counts_in(_read_text(root / layout.NOTE_TXT)) if layout.NOTE_TXT in present else None
    if said is None:
        f.add(COUNTS, layout.NOTE_TXT, "缺少说明文件或其中没有件数、文件数")
    else:
        _compare_counts(layout.NOTE_TXT, said, entries, files, f)
    if layout.REGISTER in present:
        counts = _counts_in(_register_text(root / layout.REGISTER))
        if counts is None:
            f.add(COUNTS, layout.REGISTER, "移交登记表中读不到件数、文件数")
        else:
            _compare_counts(layout.REGISTER, counts, entries, files, f)
    elif register_expected:
        f.add(COUNTS, layout.REGISTER, "缺少移交登记表")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return ""


def _register_text(path: Path) -> str:
    """The register's table as ``名称：值`` lines."""
    try:
        import docx

        doc = docx.Document(str(path))
    except Exception:  # noqa: BLE001 - any unreadable register is reported, not raised
        return ""
    lines = []
    for table in doc.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            for a, b in zip(cells, cells[1:]):
                lines.append(f"{a}：{b}")
    return "\n".join(lines)


def _counts_in(text: str) -> dict[str, int] | None:
    found = {k: int(v) for k, v in _COUNT_LINE.findall(text)}
    return found if {"件数", "文件数"} <= set(found) else None


def _compare_counts(where: str, said: dict[str, int], entries: int, files: int, f: _Finds) -> None:
    if said["件数"] != entries:
        f.add(COUNTS, where, f"记载件数 {said['件数']}，目录中实有 {entries} 件")
    if said["文件数"] != files:
        f.add(COUNTS, where, f"记载文件数 {said['文件数']}，载体上实有 {files} 个")


# ------------------------------------------------------------- each file
def _check_file(root: Path, rel: str, present: set[str], f: _Finds) -> None:
    path = root / rel
    ext = rel.rsplit(".", 1)[-1].lower() if "." in rel.rsplit("/", 1)[-1] else ""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        f.add(OPENS, rel, f"无法读取：{exc.strerror or exc}")
        return
    if ext in EXECUTABLE_EXTS or (head.startswith(EXECUTABLE_MAGIC) and ext not in ("txt", "xml")):
        f.add(NO_EXEC, rel, "可执行文件或带宏的文档")
    in_content = rel.startswith(layout.CONTENT + "/")
    if in_content and ext not in layout.LONG_TERM and ext != "xml":
        converted = rel.rsplit(".", 1)[0] + ".pdf"
        if ext not in layout.CONVERTIBLE or converted not in present:
            f.add(FORMATS, rel, f"{ext.upper() or '无扩展名'} 不是长期保存格式，且没有转换件")
    if ext == "pdf":
        _check_pdf(path, rel, f)
    elif ext in ("jpg", "jpeg", "tif", "tiff"):
        _check_image(path, rel, f)
    elif ext in ("docx", "xlsx", "pptx", "ofd"):
        _check_zip_document(path, rel, head, f)
    elif ext == "xml" and not rel.startswith(layout.CONTENT + "/"):
        pass  # the catalogue is parsed above
    elif ext in ("doc", "xls", "ppt", "wps", "et") and not head.startswith(OLE_MAGIC):
        f.add(OPENS, rel, "不是有效的 Office 文档")


def _check_pdf(path: Path, rel: str, f: _Finds) -> None:
    import pymupdf

    try:
        with pymupdf.open(path) as doc:
            if doc.needs_pass or doc.is_encrypted:
                f.add(NO_CRYPT, rel, "PDF 已加密或设有口令")
                return
            if doc.page_count == 0:
                f.add(OPENS, rel, "PDF 没有页面")
                return
            doc.load_page(0)
    except Exception as exc:  # noqa: BLE001 - any failure to read is the finding
        f.add(OPENS, rel, f"PDF 无法打开：{exc}")
        return
    with open(path, "rb") as fh:
        if _PDF_ACTIVE.search(fh.read()):
            f.add(NO_EXEC, rel, "PDF 含有脚本、启动动作或嵌入文件")


def _check_image(path: Path, rel: str, f: _Finds) -> None:
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                im.load()
    except Exception as exc:  # noqa: BLE001
        f.add(OPENS, rel, f"图片无法打开：{exc}")


def _check_zip_document(path: Path, rel: str, head: bytes, f: _Finds) -> None:
    if head.startswith(OLE_MAGIC):
        f.add(NO_CRYPT, rel, "文档已加密（设有打开口令）")
        return
    try:
        with zipfile.ZipFile(path) as zf:
            if zf.testzip() is not None:
                f.add(OPENS, rel, "文档已损坏（压缩数据校验失败）")
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        f.add(OPENS, rel, f"文档无法打开：{exc}")
        return
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        f.add(NO_EXEC, rel, "文档中含有宏")


# ------------------------------------------------------------------ virus
def _virus_scan(root: Path, clamav_db: str | None) -> CheckItem:
    from civdesk.tools import CLAMSCAN_MISSING, find_clamscan, run_tool

    clamscan = find_clamscan()
    if clamscan is None:
        return CheckItem("安全性", VIRUS, NOT_DONE, f"{CLAMSCAN_MISSING}（未检测，不代表没有病毒）")
    db = clamav_db or os.environ.get(CLAMAV_DB_ENV) or ""
    args = [str(clamscan), "--no-summary", "--infected", "--recursive", "--stdout"]
    if db:
        args.append(f"--database={db}")
    try:
        done = run_tool(args + [str(root)], timeout=3600)
    except subprocess.TimeoutExpired:
        return CheckItem("安全性", VIRUS, NOT_DONE, "clamscan 超时，未完成病毒检测")
    out = (done.stdout or b"").decode("utf-8", "replace")
    if done.returncode == 0:
        return CheckItem("安全性", VIRUS, PASS, "clamscan 未发现病毒" + (f"（病毒库：{db}）" if db else ""))
    if done.returncode == 1:
        found = {}
        for line in out.splitlines():
            if line.endswith(" FOUND") and ": " in line:
                where, _, sig = line[:-len(" FOUND")].rpartition(": ")
                try:
                    found[Path(where).relative_to(root).as_posix()] = sig
                except ValueError:
                    found[where] = sig
        return CheckItem("安全性", VIRUS, FAIL, "；".join(f"{p}：{s}" for p, s in sorted(found.items())),
                         tuple(sorted(found)))
    err = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
    reason = err[-1] if err else f"退出码 {done.returncode}"
    return CheckItem("安全性", VIRUS, NOT_DONE, f"clamscan 无法检测（多为没有病毒库）：{reason}"
                     "（未检测，不代表没有病毒）")
