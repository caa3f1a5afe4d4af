"""Names on the transfer carrier (after the 2012 national electronic-records transfer rules).

::

    说明文件.TXT                    what the carrier holds, counts, volume, maker, checker, software
    文件目录.XML                    one entry per 件 (schema: 其他/文件目录.xsd)
    电子档案/{年度}/{保管期限}/{机构}/{档号}/
        {档号}-001.pdf …          the 件's files, in order (机构 level only when coded)
        {档号}.xml                the 件's metadata (schema: 其他/件元数据.xsd)
    其他/
        归档文件目录.xlsx / .docx, 备考表.docx, 文件目录.xsd, 件元数据.xsd,
        校验清单-SHA256.txt       SHA-256 of every file above (BagIt-style lines)
        四性检测报告.docx, 移交登记表.docx   written last, outside the list (the register
                                  carries the list's own digest)
"""
from __future__ import annotations

from civdesk.archive.codes import CodeParts

NOTE_TXT = "说明文件.TXT"
CONTENT = "电子档案"
OTHER = "其他"
CATALOGUE_XLSX = f"{OTHER}/归档文件目录.xlsx"
CATALOGUE_DOCX = f"{OTHER}/归档文件目录.docx"
BOX_NOTE = f"{OTHER}/备考表.docx"
MANIFEST = f"{OTHER}/校验清单-SHA256.txt"
REPORT = f"{OTHER}/四性检测报告.docx"
REGISTER = f"{OTHER}/移交登记表.docx"
UNLISTED = (MANIFEST, REPORT, REGISTER)  # written after the list is made
LONG_TERM = {"pdf": "PDF", "ofd": "OFD", "jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF"}
CONVERTIBLE = {"docx": "DOCX", "xlsx": "XLSX", "pptx": "PPTX", "doc": "DOC", "xls": "XLS",
               "ppt": "PPT", "wps": "WPS", "et": "ET", "txt": "TXT", "rtf": "RTF"}


def item_folder(parts: CodeParts, code: str) -> str:
    """The 件's folder: 电子档案/{年度}/{保管期限}/{机构}/{档号} (no 机构 level without a code)."""
    levels = [CONTENT, f"{parts.year:04d}", parts.retention] + ([parts.org] if parts.org else [])
    return "/".join(levels + [code])


def file_name(code: str, seq: int, ext: str) -> str:
    return f"{code}-{seq:03d}.{ext}"


def metadata_name(code: str) -> str:
    return f"{code}.xml"
