"""The domain's vocabulary, defined once (STYLE.md §12).

=====================  ======================================================
English name           中文 / meaning
=====================  ======================================================
``PHOTO_KINDS``        照片 — the file kinds that are pictures (photos): they
                       get captions, photo checks and JPEG conversion
``CONVERTED_TO_JPEG``  photo kinds an export turns into JPEG (the platform
                       takes JPG): the checks do not count their format
                       as an error
``CAPTION_LABELS``     图片说明 — the six caption fields, column → label:
                       时间 (time), 地点 (place), 人物 (people), 事由 (event),
                       背景 (background), 摄影者 (photographer)
``CAPTION_FIELDS``     the caption columns of a material, in that order
``CAPTION_REQUIRED``   the four a caption must have (时间、地点、人物、事由)
``ROMAN_NUMERALS``     Ⅰ Ⅱ Ⅲ … Ⅻ — the level letters of checklist item codes
                       (Ⅰ 测评项目, Ⅱ 指标, Ⅲ 测评内容), ``Ⅲ-5`` = level 3, no. 5
=====================  ======================================================

Filing a material under a standard (归档关联, a :class:`~civdesk.models.Link`)
is :func:`civdesk.materials.add_link`.
"""
from __future__ import annotations

PHOTO_KINDS: frozenset[str] = frozenset({"jpeg", "png", "gif", "bmp", "tiff", "webp", "heic", "avif"})

CONVERTED_TO_JPEG: frozenset[str] = frozenset({"heic", "avif", "tiff", "webp", "bmp"})

CAPTION_LABELS: dict[str, str] = {
    "caption_time": "时间",
    "caption_place": "地点",
    "caption_people": "人物",
    "caption_event": "事由",
    "caption_background": "背景",
    "caption_photographer": "摄影者",
}
CAPTION_FIELDS: tuple[str, ...] = tuple(CAPTION_LABELS)
CAPTION_REQUIRED: tuple[str, ...] = CAPTION_FIELDS[:4]

ROMAN_NUMERALS = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"  # U+2160 … U+216B
