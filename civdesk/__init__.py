"""CivDesk core: the library of declaration materials, without any GUI.

Glossary (one English name per Chinese term, used throughout the code):

=================  ==========================================================
English            中文
=================  ==========================================================
library            资料库 — one portable folder: database, vault, thumbs, index
vault              原件库 — original files, content-addressed by SHA-256
checklist          测评体系 — one edition of an assessment checklist
checklist item     测评项目 Ⅰ (level 1) / 指标 Ⅱ (level 2) / 测评内容 Ⅲ (level 3)
standard           测评标准 — a numbered requirement under a 测评内容
method             测评方法 — 材料审核, 实地考察, 问卷调查 …
requirement        材料要求 — kinds and minimum counts of material
unit               责任单位 — a responsible department (牵头 lead / 配合 co-op)
deadline           完成时限
period             测评周期 — the declaration window, start and end dates
material           材料 — one stored original file with its metadata
link               归档关联 — material filed under a standard
caption            图片说明 — 时间/地点/人物/事由/背景/摄影者
formation date     形成日期 — the date of a material, with its source
doc number         文号
secrecy            密级
audit log          操作日志
=================  ==========================================================

The core never imports Qt; ``civdesk_ui/`` is the only PySide6 layer.
"""

__version__ = "0.1.0"
APP_NAME = "CivDesk"
DB_NAME = "library.db"  # in a library folder: the database …
LOCK_NAME = "library.lock"  # … and the lock held while a program has it open
