"""The carrier's XML: ``文件目录.XML`` (one entry per 件) and each 件's metadata file.

Both are UTF-8 with an XML declaration and have a schema shipped in the package
(``civdesk/resources/archive``) and copied to the carrier's ``其他/`` folder.  The
metadata follows DA/T 46 (文书类电子文件元数据) in its elements and DA/T 50 for photos
(the six caption elements and the main EXIF fields).  Built from plain data so the
carrier check can read them back with the same names.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from civdesk.archive.codes import CodeParts, CodeRule
from civdesk.resources import resource_path
from civdesk.safetext import xml_text

CATALOGUE_XML = "文件目录.XML"
CATALOGUE_XSD = "文件目录.xsd"
ITEM_XSD = "件元数据.xsd"
SCHEMAS = {CATALOGUE_XSD: "catalogue.xsd", ITEM_XSD: "item.xsd"}  # carrier name → resource
VERSION = "1.0"
CAPTION_ORDER = ("事由", "时间", "地点", "人物", "背景", "摄影者")
EXIF_ORDER = ("拍摄时间", "设备", "图像宽度", "图像高度", "纬度", "经度")


@dataclass(frozen=True)
class CatalogueEntry:
    seq: int  # 顺序号
    code: str  # 档号
    responsible: str
    title: str  # as printed (an archivist's title in [ ])
    date8: str
    secrecy: str
    folder: str  # 电子档案名称: the 件's folder on the carrier
    note: str


@dataclass(frozen=True)
class FileRecord:
    seq: int
    name: str  # 计算机文件名
    fmt: str  # 格式 (PDF, JPEG, …)
    size: int
    sha256: str
    role: str  # 正本 / 附件 / 照片 / 原件（已转换） / 转换件
    original_name: str
    treatment: str  # 处理: 复制, 加盖归档章, HEIC 转 JPEG, …
    captions: tuple[tuple[str, str], ...] = ()  # photos: (字段, 值)
    exif: tuple[tuple[str, str], ...] = ()  # photos: (字段, 值)


@dataclass(frozen=True)
class ItemMetadata:
    code: str
    parts: CodeParts
    title: str
    responsible: str
    date8: str
    doc_number: str
    secrecy: str
    pages: int
    note: str
    files: tuple[FileRecord, ...]


def schema_bytes(carrier_name: str) -> bytes:
    return resource_path("archive", SCHEMAS[carrier_name]).read_bytes()


@lru_cache(maxsize=2)
def schema(carrier_name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(resource_path("archive", SCHEMAS[carrier_name]))))


def _sub(parent: etree._Element, tag: str, text: object = "") -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = xml_text(str(text))
    return el


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def catalogue_xml(fonds: str, year: int, rule: CodeRule, entries: list[CatalogueEntry]) -> bytes:
    root = etree.Element("文件目录", 版本=VERSION, 全宗号=fonds, 年度=f"{year:04d}")
    etree.SubElement(root, "档号规则", 层级分隔符=rule.level_sep, 代码分隔符=rule.code_sep,
                     件号位数=str(rule.width))
    for e in entries:
        el = etree.SubElement(root, "件")
        for tag, value in (("顺序号", e.seq), ("档号", e.code), ("责任者", e.responsible),
                           ("题名", e.title), ("日期", e.date8), ("密级", e.secrecy),
                           ("电子档案名称", e.folder), ("备注", e.note)):
            _sub(el, tag, value)
    return _bytes(root)


def item_xml(meta: ItemMetadata) -> bytes:
    root = etree.Element("电子文件元数据", 版本=VERSION)
    code = etree.SubElement(root, "档号")
    p = meta.parts
    for tag, value in (("完整档号", meta.code), ("全宗号", p.fonds), ("门类代码", p.category),
                       ("年度", f"{p.year:04d}"), ("保管期限", p.retention), ("机构问题代码", p.org),
                       ("件号", p.number)):
        _sub(code, tag, value)
    for tag, value in (("题名", meta.title), ("责任者", meta.responsible), ("日期", meta.date8),
                       ("文号", meta.doc_number), ("密级", meta.secrecy), ("页数", meta.pages),
                       ("备注", meta.note)):
        _sub(root, tag, value)
    for f in meta.files:
        el = etree.SubElement(root, "计算机文件", 序号=str(f.seq))
        _sub(el, "计算机文件名", f.name)
        _sub(el, "格式", f.fmt)
        _sub(el, "大小", f.size)
        _sub(el, "摘要", f.sha256).set("算法", "SHA-256")
        _sub(el, "角色", f.role)
        _sub(el, "原始文件名", f.original_name)
        _sub(el, "处理", f.treatment)
        if f.captions:
            caps = dict(f.captions)
            cap = etree.SubElement(el, "照片说明")
            for tag in CAPTION_ORDER:
                _sub(cap, tag, caps.get(tag, ""))
        if f.exif:
            exif = dict(f.exif)
            ex = etree.SubElement(el, "EXIF")
            for tag in EXIF_ORDER:
                default = "0" if tag in ("图像宽度", "图像高度") else ""
                _sub(ex, tag, exif.get(tag, default))
    return _bytes(root)


# ------------------------------------------------------------------- reading
def validate(path: Path, carrier_name: str) -> tuple[etree._ElementTree | None, list[str]]:
    """Parse ``path`` and validate it against the shipped schema; (tree, errors)."""
    try:
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as exc:
        return None, [f"无法解析：{exc}"]
    s = schema(carrier_name)
    if s.validate(tree):
        return tree, []
    return tree, [f"第 {e.line} 行：{e.message}" for e in s.error_log][:5]


def read_catalogue(tree: etree._ElementTree) -> tuple[CodeRule, list[CatalogueEntry]]:
    root = tree.getroot()
    rule_el = root.find("档号规则")
    rule = CodeRule()
    if rule_el is not None:
        try:
            rule = CodeRule(rule_el.get("层级分隔符") or "-", rule_el.get("代码分隔符") or "·",
                            int(rule_el.get("件号位数") or 4))
        except ValueError:
            pass
    entries = []
    for n, el in enumerate(root.findall("件"), 1):
        def text(tag: str, el: etree._Element = el) -> str:
            return (el.findtext(tag) or "").strip()
        seq = text("顺序号")
        entries.append(CatalogueEntry(int(seq) if seq.isdigit() else n, text("档号"), text("责任者"),
                                      text("题名"), text("日期"), text("密级"), text("电子档案名称"),
                                      text("备注")))
    return rule, entries


def read_item_files(tree: etree._ElementTree) -> list[FileRecord]:
    out = []
    for el in tree.getroot().findall("计算机文件"):
        size = (el.findtext("大小") or "").strip()
        out.append(FileRecord(int(el.get("序号") or 0), (el.findtext("计算机文件名") or "").strip(),
                              (el.findtext("格式") or "").strip(),
                              int(size) if size.isdigit() else -1,
                              (el.findtext("摘要") or "").strip().lower(), (el.findtext("角色") or ""),
                              (el.findtext("原始文件名") or ""), (el.findtext("处理") or "")))
    return out
